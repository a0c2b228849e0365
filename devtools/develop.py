"""The full local stack of `scripts/develop`: PostgreSQL + TimescaleDB, the engine, Home Assistant.

Everything lives in a state directory (default `.develop/` in the repository) and survives restarts:
the engine's data directory (its managed PostgreSQL cluster and API token), Home Assistant's
configuration directory (onboarded once, the owner's long-lived token kept), the engine's options.

With the demo (the default) Home Assistant gets a simulated home (devtools/demo/home.yaml: meters
with daily profiles, a gas and a water meter, a price and a carbon-intensity sensor), Energy
preferences naming them (two grid connections: the house's meter and the heat pump's own), and,
on the first run, hourly long-term statistics of every meter for the past days, which the
engine's collector backfills. The engine gets the demo's tariff files, time-of-use electricity
(devtools/demo/tariff.yaml) and the ledger's gas and water tariffs (gas.yaml, water.yaml), and
on the first run the heat pump's own tariff (heat_pump.yaml, its own billing cycle) attached
to its grid connection through the API. `--no-demo` starts the same stack with none of that,
for your own configuration and tariff.

The integration is linked into Home Assistant's custom_components and configured against the
engine through HA's own config flow API once the engine has priced the collected history (so its
first statistics import has the whole past). Home Assistant is supervised: when it exits by itself
(its own Restart action exits and expects to be started again) it is started again. Ctrl-C (or
SIGTERM) stops the engine, then Home Assistant. `--check` starts everything, refreshes the
integration's entities until they have states, checks them over HA's REST API and stops.

`start_stack` / `stop_stack` are the same stack for tests (tests/ha_ui).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import yaml

from devtools.demo_history import demo_statistics
from devtools.homeassistant import HassError, HassSetup, HomeAssistant

REPO = Path(__file__).resolve().parent.parent
DEMO = Path(__file__).resolve().parent / "demo"
DEMO_PASSWORD = "aetherlens-demo"  # noqa: S105 - the documented login of a local demo instance
DEMO_TIMEZONE = "Europe/Berlin"
ENGINE_PORT = 8787
HA_PORT = 8123
SUPERVISE_SECONDS = 2.0  # how often the supervisor looks whether Home Assistant still runs

DEMO_DEVICES = ("fridge", "heat_pump", "ev_charger", "washing_machine")
# The heat pump meter's price in HA: its own tariff's (devtools/demo/heat_pump.yaml) with VAT.
HEAT_PUMP_PRICE = 0.2844
HEAT_PUMP_METER = "sensor.demo_heat_pump_meter"
DEMO_TARIFF_FILES = ("tariff.yaml", "gas.yaml", "water.yaml")
DEMO_PREFS: dict[str, Any] = {
    "energy_sources": [
        *(
            {
                "type": "grid",
                "name": name,
                "stat_energy_from": meter,
                "stat_energy_to": None,
                "stat_cost": None,
                "entity_energy_price": price_entity,
                "number_energy_price": price_number,
                "stat_compensation": None,
                "entity_energy_price_export": None,
                "number_energy_price_export": None,
                "cost_adjustment_day": 0,
            }
            # Two grid connections: the house's meter, and the heat pump's own on its own tariff.
            for name, meter, price_entity, price_number in (
                ("House", "sensor.demo_grid_energy", "sensor.demo_electricity_price", None),
                ("Heat pump", HEAT_PUMP_METER, None, HEAT_PUMP_PRICE),
            )
        ),
        *(
            {
                "type": commodity,
                "stat_energy_from": f"sensor.demo_{commodity}_meter",
                "stat_cost": None,
                "entity_energy_price": None,
                "number_energy_price": None,
            }
            for commodity in ("gas", "water")
        ),
    ],
    "device_consumption": [
        {"stat_consumption": f"sensor.demo_{device}_energy"} for device in DEMO_DEVICES
    ],
}


class DevelopError(Exception):
    """The stack did not come up or did not pass its check."""


@dataclass(frozen=True, slots=True)
class Options:
    """What `scripts/develop` was asked for."""

    state_dir: Path
    demo: bool
    check: bool
    history_days: int
    ha_port: int
    engine_port: int
    check_timeout: float


def parse_args(argv: Sequence[str]) -> Options:
    """Read the command line."""
    parser = argparse.ArgumentParser(prog="scripts/develop", description=__doc__.split("\n")[0])
    parser.add_argument("--no-demo", action="store_true", help="no simulated home, no demo tariff")
    parser.add_argument("--check", action="store_true", help="start, check the entities, stop")
    parser.add_argument("--state-dir", type=Path, default=REPO / ".develop")
    parser.add_argument("--reset", action="store_true", help="delete the state directory first")
    parser.add_argument("--history-days", type=int, default=7, help="demo history (first run)")
    parser.add_argument("--ha-port", type=int, default=HA_PORT)
    parser.add_argument("--engine-port", type=int, default=ENGINE_PORT)
    parser.add_argument("--check-timeout", type=float, default=180.0)
    args = parser.parse_args(argv)
    if args.reset and args.state_dir.exists():
        shutil.rmtree(args.state_dir)
    return Options(
        state_dir=args.state_dir.resolve(),
        demo=not args.no_demo,
        check=args.check,
        history_days=args.history_days,
        ha_port=args.ha_port,
        engine_port=args.engine_port,
        check_timeout=args.check_timeout,
    )


def _log(message: str) -> None:
    sys.stderr.write(f"develop: {message}\n")
    sys.stderr.flush()


def _hass_setup(options: Options) -> HassSetup:
    packages = {"aetherlens_demo": (DEMO / "home.yaml").read_text()} if options.demo else {}
    return HassSetup(
        packages=packages,
        energy_prefs=DEMO_PREFS if options.demo else None,
        time_zone=DEMO_TIMEZONE,
        currency="EUR",
        recorder_commit_interval=1.0,
        port=options.ha_port,
        owner_password=DEMO_PASSWORD,
    )


def link_integration(config_dir: Path) -> None:
    """Make the repository's integration a custom component of CONFIG_DIR."""
    custom = config_dir / "custom_components"
    custom.mkdir(parents=True, exist_ok=True)
    link = custom / "aetherlens"
    if not link.is_symlink():
        link.symlink_to(REPO / "custom_components" / "aetherlens", target_is_directory=True)


async def start_home_assistant(options: Options) -> tuple[HomeAssistant, bool]:
    """Start HA on the state directory; return it and whether this was its first start."""
    config_dir = options.state_dir / "homeassistant"
    setup = _hass_setup(options)
    first = not (config_dir / "configuration.yaml").exists()
    config_dir.mkdir(parents=True, exist_ok=True)
    link_integration(config_dir)
    if first:
        _log(f"creating Home Assistant's configuration in {config_dir}")
        return await HomeAssistant.create(config_dir, setup), True
    hass = HomeAssistant(config_dir, options.ha_port, setup)
    await hass.start()
    return hass, False


def engine_options(options: Options, hass: HomeAssistant) -> dict[str, Any]:
    """Return the engine's options: its data directory, API port and the HA instance to collect."""
    engine: dict[str, Any] = {
        "data_dir": str(options.state_dir / "engine"),
        "timezone": DEMO_TIMEZONE,
        "currency": "EUR",
        "api": {"host": "127.0.0.1", "port": options.engine_port},
        "rollup": {"interval_seconds": 10},
        "homeassistant": [
            {"name": "home", "url": hass.websocket_url, "token": hass.token},
        ],
    }
    if options.demo:
        engine["tariff_file"] = [str(DEMO / name) for name in DEMO_TARIFF_FILES]
        # Not part of the Energy preferences: the grid's carbon intensity.
        engine["homeassistant"][0]["include"] = ["sensor.demo_grid_carbon_intensity"]
    return engine


class EngineProcess:
    """`python -m aetherlens_engine serve` on the state directory's options file."""

    def __init__(self, options_file: Path, port: int, log_file: Path) -> None:
        """Describe the engine; `start` runs it."""
        self.options_file = options_file
        self.url = f"http://127.0.0.1:{port}"
        self.log_file = log_file
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def token_file(self) -> Path:
        """The engine's API token (written at its first start)."""
        options = yaml.safe_load(self.options_file.read_text())
        return Path(options["data_dir"]) / "api_token"

    async def start(self, within: float = 120.0) -> None:
        """Start the engine and wait until its health route answers."""
        env = {**os.environ, "PYTHONPATH": str(REPO / "addon")}
        with self.log_file.open("ab") as log:
            # A fixed argument list; Popen returns at once and readiness is polled below.
            self.process = subprocess.Popen(  # noqa: ASYNC220, S603
                [
                    sys.executable,
                    "-m",
                    "aetherlens_engine",
                    "serve",
                    "--config",
                    str(self.options_file),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        deadline = time.monotonic() + within
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    tail = "\n".join(self.log_file.read_text(errors="replace").splitlines()[-10:])
                    raise DevelopError(
                        f"the engine exited ({self.process.returncode}); the end of "
                        f"{self.log_file}:\n{tail}"
                    )
                try:
                    async with session.get(f"{self.url}/api/v1/health") as resp:
                        # The engine listens before its services run: ok once they all do.
                        if resp.status == 200 and (await resp.json())["status"] == "ok":  # noqa: PLR2004
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.5)
        raise DevelopError(f"the engine did not answer within {within:g} s: see {self.log_file}")

    async def stop(self, within: float = 60.0) -> None:
        """SIGTERM the engine (it stops its PostgreSQL), kill it after WITHIN seconds."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.to_thread(process.wait, within)
        except subprocess.TimeoutExpired:
            process.kill()
            await asyncio.to_thread(process.wait)


async def configure_integration(hass: HomeAssistant, engine_url: str, engine_token: str) -> None:
    """Add the AetherLens config entry through HA's config flow API, unless it exists."""
    headers = {"Authorization": f"Bearer {hass.token}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        async with session.get(f"{hass.url}/api/config/config_entries/entry") as resp:
            entries = await resp.json()
        if any(entry["domain"] == "aetherlens" for entry in entries):
            return
        async with session.post(
            f"{hass.url}/api/config/config_entries/flow", json={"handler": "aetherlens"}
        ) as resp:
            flow = await resp.json()
            if resp.status != 200:  # noqa: PLR2004
                raise DevelopError(f"starting the AetherLens config flow failed: {flow}")
        async with session.post(
            f"{hass.url}/api/config/config_entries/flow/{flow['flow_id']}",
            json={"url": engine_url, "api_token": engine_token},
        ) as resp:
            result = await resp.json()
        if result.get("type") != "create_entry":
            raise DevelopError(f"the AetherLens config flow did not create an entry: {result}")
    _log("the AetherLens integration is configured against the engine")


async def install_demo_tariffs(engine: EngineProcess, within: float) -> None:
    """Save the heat pump's tariff and attach it to its grid connection, through the API.

    The connection's id is its first meter's source id: the collector records that meter at its
    start, so it is waited for (up to WITHIN seconds). The other tariffs are the engine's files.
    """
    definition = yaml.safe_load((DEMO / "heat_pump.yaml").read_text())
    name = definition["name"]
    headers = {"Authorization": f"Bearer {engine.token_file.read_text().strip()}"}
    async with aiohttp.ClientSession(engine.url, headers=headers) as session:
        connection = await _source_id(session, HEAT_PUMP_METER, within)
        body = {"name": name, "definition": definition, "activate": False}
        async with session.post("/api/v1/tariffs", json=body) as resp:
            if resp.status != 201:  # noqa: PLR2004
                raise DevelopError(f"the demo heat pump tariff was refused: {await resp.text()}")
        path = f"/api/v1/tariffs/{quote(name)}/activate"
        async with session.post(path, params={"connection": connection}) as resp:
            if resp.status != 200:  # noqa: PLR2004
                raise DevelopError(f"attaching {name!r} was refused: {await resp.text()}")
    _log(f"the heat pump's grid connection is priced by {name!r}")


async def _source_id(session: aiohttp.ClientSession, entity_id: str, within: float) -> str:
    """Wait until the engine recorded ENTITY_ID; return its device's source id."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        async with session.get("/api/v1/devices") as resp:
            devices = (await resp.json())["devices"] if resp.status == 200 else []  # noqa: PLR2004
        for device in devices:
            if device["attributes"].get("entity_id") == entity_id:
                return str(device["source_id"])
        await asyncio.sleep(1)
    raise DevelopError(f"the engine did not record {entity_id} within {within:g} s")


async def check_ledger(engine: EngineProcess) -> None:
    """Check that the ledger bills the heat pump's connection on its own tariff and cycle."""
    headers = {"Authorization": f"Bearer {engine.token_file.read_text().strip()}"}
    async with (
        aiohttp.ClientSession(engine.url, headers=headers) as session,
        session.get("/api/v1/ledger") as resp,
    ):
        ledger = await resp.json()
    electricity = next(p for p in ledger["parts"] if p["commodity"] == "electricity")
    own = [(c["tariff"], c["cycle_start"]) for c in electricity["connections"] if c["connection"]]
    day = yaml.safe_load((DEMO / "heat_pump.yaml").read_text())["cycle_day"]
    if len(own) != 1 or own[0][0] != "Demo heat pump" or int(str(own[0][1])[-2:]) != day:
        raise DevelopError(f"the ledger does not bill the heat pump on its own: {electricity}")


async def aetherlens_states(hass: HomeAssistant) -> dict[str, str]:
    """Return the state of every entity of the AetherLens integration (REST API)."""
    registry = await hass.command({"type": "config/entity_registry/list"})
    entity_ids = [entry["entity_id"] for entry in registry if entry["platform"] == "aetherlens"]
    states: dict[str, str] = {}
    headers = {"Authorization": f"Bearer {hass.token}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        for entity_id in entity_ids:
            async with session.get(f"{hass.url}/api/states/{entity_id}") as resp:
                if resp.status == 200:  # noqa: PLR2004
                    states[entity_id] = (await resp.json())["state"]
    return states


def _not_positive(value: str | None) -> bool:
    """Return whether VALUE is NOT a number above zero (what the check still waits for)."""
    try:
        return value is None or not float(value) > 0
    except ValueError:
        return True


async def check(hass: HomeAssistant, options: Options) -> dict[str, str]:
    """Wait until the integration's entities have states; raise DevelopError if they never do.

    With the demo, the household's energy, cost and total spend this month must be above zero:
    the collector backfilled the simulated home's history from HA, the engine priced it under the
    demo tariff and the integration shows the result.
    """
    wanted = (
        (
            "aetherlens_energy_this_month",
            "aetherlens_cost_this_month",
            "aetherlens_total_spend_this_month",
        )
        if options.demo
        else ()
    )
    deadline = time.monotonic() + options.check_timeout
    states: dict[str, str] = {}
    while time.monotonic() < deadline:
        states = await aetherlens_states(hass)
        missing = [key for key in wanted if _not_positive(states.get(f"sensor.{key}"))]
        if states and not missing and "unavailable" not in states.values():
            return states
        if states:
            # Ask for a refresh now rather than waiting for the next poll (every 60 s).
            await hass.call_service("homeassistant", "update_entity", {"entity_id": min(states)})
        await asyncio.sleep(2)
    raise DevelopError(f"the integration's entities did not get states in time: {states}")


async def import_demo_history(hass: HomeAssistant, since: datetime) -> None:
    """Give HA long-term statistics of the simulated home since SINCE (first run only)."""
    for metadata, rows in demo_statistics(since, datetime.now(UTC)):
        await hass.command(
            {"type": "recorder/import_statistics", "metadata": metadata, "stats": rows}
        )
    _log(f"imported demo statistics since {since:%Y-%m-%d %H:%M} UTC into Home Assistant")


async def wait_for_priced_history(engine: EngineProcess, since: datetime, within: float) -> None:
    """Wait until the engine has priced the history since SINCE up to its last complete hour.

    The collector backfills Home Assistant's history at its start and the rollups price it every
    few seconds. Priced means: the last complete hour has a cost (the demo's base load never
    stops; its price is collected apart from its energy) and the total did not change since the
    previous look.
    """
    headers = {"Authorization": f"Bearer {engine.token_file.read_text().strip()}"}
    deadline = time.monotonic() + within
    last: str | None = None
    async with aiohttp.ClientSession(headers=headers) as session:
        while time.monotonic() < deadline:
            end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
            query = {
                "start": since.isoformat(),
                "end": end.isoformat(),
                "resolution": "hour",
                "group": "total",
            }
            async with session.get(f"{engine.url}/api/v1/costs", params=query) as resp:
                report = await resp.json() if resp.status == 200 else None  # noqa: PLR2004
            if report is not None:
                cost = str(report["total"]["cost"])
                hours = {
                    datetime.fromisoformat(row["start"]): row["cost"] for row in report["rows"]
                }
                if cost == last and not _not_positive(hours.get(end - timedelta(hours=1))):
                    return
                last = cost
            await asyncio.sleep(3)
    raise DevelopError(f"the engine had not priced the demo history within {within:g} s")


async def supervise(hass: HomeAssistant, stop: asyncio.Event) -> None:
    """Start Home Assistant again whenever it exits by itself, until STOP is set."""
    while not stop.is_set():
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), SUPERVISE_SECONDS)
        code = hass.exit_code
        if stop.is_set() or code is None:
            continue
        _log(f"Home Assistant exited ({code}); starting it again")
        try:
            await hass.start()
        except HassError as err:
            _log(f"Home Assistant did not come back ({err}); trying again")
        else:
            _log("Home Assistant is running again")


@dataclass(slots=True)
class Stack:
    """A running stack: Home Assistant and the engine."""

    hass: HomeAssistant
    engine: EngineProcess

    @property
    def engine_token(self) -> str:
        """Return the engine's API token."""
        return self.engine.token_file.read_text().strip()


async def start_stack(options: Options) -> Stack:
    """Start Home Assistant and the engine, configure the integration; return them running."""
    options.state_dir.mkdir(parents=True, exist_ok=True)
    hass, first = await start_home_assistant(options)
    engine: EngineProcess | None = None
    try:
        history_start = datetime.now(UTC) - timedelta(days=options.history_days)
        if first and options.demo:
            await import_demo_history(hass, history_start)
        options_file = options.state_dir / "engine.yaml"
        options_file.write_text(yaml.safe_dump(engine_options(options, hass), sort_keys=False))
        options_file.chmod(0o600)  # it holds Home Assistant's token
        engine = EngineProcess(options_file, options.engine_port, options.state_dir / "engine.log")
        _log("starting the engine (its PostgreSQL + TimescaleDB first)")
        await engine.start()
        if first and options.demo:
            await install_demo_tariffs(engine, options.check_timeout)
            await wait_for_priced_history(engine, history_start, options.check_timeout)
        await configure_integration(hass, engine.url, engine.token_file.read_text().strip())
    except BaseException:
        if engine is not None:
            await engine.stop()
        await hass.stop()
        raise
    return Stack(hass, engine)


async def stop_stack(stack: Stack) -> None:
    """Stop the engine, then Home Assistant."""
    # The engine first: its collector would log Home Assistant's departure as an outage.
    await stack.engine.stop()
    await stack.hass.stop()


def _wait_for_signal() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return stop


async def run(options: Options) -> int:
    """Start the stack, then wait for Ctrl-C (or check it and stop); return the exit status."""
    stop = _wait_for_signal()
    try:
        stack = await start_stack(options)
    except (DevelopError, HassError) as err:
        _log(f"error: {err}")
        return 1
    try:
        if options.check:
            states = await check(stack.hass, options)
            if options.demo:
                await check_ledger(stack.engine)
            _log(f"check passed: {len(states)} AetherLens entities have states")
            sys.stdout.write(json.dumps(states, indent=2, sort_keys=True) + "\n")
        else:
            _print_banner(stack.hass, stack.engine, options)
            await supervise(stack.hass, stop)
            _log("stopping")
    except (DevelopError, HassError) as err:
        _log(f"error: {err}")
        return 1
    finally:
        await stop_stack(stack)
    return 0


def _print_banner(hass: HomeAssistant, engine: EngineProcess, options: Options) -> None:
    sys.stdout.write(
        f"""
  Home Assistant  http://localhost:{options.ha_port}   login: aetherlens / {DEMO_PASSWORD}
  Engine API      {engine.url}/api/v1/summary   token: {engine.token_file}
  Ingress page    {engine.url}/
  Logs            {options.state_dir}/engine.log, {hass.config_dir}/hass.log
  Home Assistant is started again whenever it exits (its Restart action included).
  Ctrl-C stops everything.
"""
    )
    sys.stdout.flush()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `scripts/develop`."""
    return asyncio.run(run(parse_args(sys.argv[1:] if argv is None else argv)))


if __name__ == "__main__":
    sys.exit(main())
