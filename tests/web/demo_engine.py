"""Run a real engine on demo data for the page's end-to-end test (and for looking at the page).

`python tests/web/demo_engine.py [--without-tariff] [--devices N]` starts a throw-away
PostgreSQL cluster and the engine (`python -m aetherlens_engine serve`, with an options file
holding budgets), seeds demo devices, a cloud account, a year of meter readings and six weeks of
appliance power and of a gas and a water meter through the API, waits for the rollups (with
`--devices`, adds smart plugs with a year of hourly energy until N devices are metered), saves
and activates a time-of-use tariff, and the ledger's gas and water tariffs, through the API and
waits for its recompute. It then prints one JSON line `{"url", "token", "devices",
"plugin_secret", "recorded_until"}` (the last reading's time) and serves until stdin closes or
SIGTERM, then stops the engine and removes the cluster.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO / "addon"), str(REPO)]

from aetherlens_engine.cluster import ManagedCluster  # noqa: E402
from aetherlens_engine.migrations import apply_migrations  # noqa: E402
from tests.postgres import free_port, temporary_cluster  # noqa: E402

TIMEZONE = "America/New_York"
DATABASE = "aetherlens_demo"
CURRENCY = "USD"
METER_DAYS = 400
APPLIANCE_DAYS = 45
BATCH = 5000
# name, kind, unit, source, typical power in W (appliances) by hour of the day
DEVICES = (
    ("Main meter", "grid", "kWh", "demo"),
    ("Heat pump", "appliance", "W", "demo"),
    ("EV charger", "appliance", "W", "demo"),
    ("Fridge", "appliance", "W", "demo"),
    ("AWS account", "cloud_account", None, "aws_cost_explorer"),
    ("Azure subscription", "cloud_account", None, "azure_cost_management"),
)
# The ledger's gas and water meters (m³ counters), by name: their commodity.
METERS = {"Gas meter": "gas", "Water meter": "water"}
CLOUD_SERVICES = {
    "AWS account": {"Amazon EC2": "0.82", "Amazon S3": "0.11", "AWS Lambda": "0.03"},
    "Azure subscription": {"Virtual Machines": "0.55", "Storage": "0.07"},
}
DEMO_TARIFF = {
    "name": "Demo TOU",
    "currency": CURRENCY,
    "timezone": TIMEZONE,
    "cycle_day": 1,
    "energy": {
        "periods": [
            {"name": "night", "start": "00:00", "end": "06:00", "price": "0.21"},
            {"name": "day", "start": "06:00", "end": "17:00", "price": "0.31"},
            {"name": "peak", "start": "17:00", "end": "21:00", "price": "0.42"},
            {"name": "evening", "start": "21:00", "end": "24:00", "price": "0.31"},
        ]
    },
    "fixed": [{"name": "Meter", "amount": "9.90", "per": "cycle"}],
}
# The ledger's gas (per kWh, converted from m³ as the bill states it) and water (sewage on a share).
DEMO_GAS = {
    "name": "Demo gas",
    "commodity": "gas",
    "currency": CURRENCY,
    "timezone": TIMEZONE,
    "conversion": [{"from": "2025-01-01", "calorific_value": "38.3", "volume_correction": "0.98"}],
    "energy": {"price": "0.061"},
    "fixed": [{"name": "Customer charge", "amount": "12.50"}],
}
DEMO_WATER = {
    "name": "Demo water",
    "commodity": "water",
    "currency": CURRENCY,
    "timezone": TIMEZONE,
    "energy": {"price": "1.85"},
    "sewage": {"price": "2.40", "share": "0.9"},
    "fixed": [{"name": "Meter charge", "amount": "8.00"}],
}
# The demo plugin's secret: the page must never show it.
DEMO_SECRET = "demo-secret-access-key"  # noqa: S105 - a fake credential


def options(data_dir: Path, port: int, closed_port: int) -> dict[str, Any]:
    """The engine's options: fast rollups, no rate limit for the test client, demo budgets, a
    plugin polling CLOSED_PORT and one whose package is not installed."""
    return {
        "data_dir": str(data_dir),
        "timezone": TIMEZONE,
        "currency": CURRENCY,
        "api": {"port": port, "rate_limit_per_second": 10000, "rate_limit_burst": 10000},
        "rollup": {"interval_seconds": 1},
        "budgets": [
            {
                "name": "Household",
                "scope": "household",
                "period": "month",
                "amount": 450,
                "thresholds": [50, 80, 100],
            },
            {"name": "EV charging", "scope": "device", "device": "EV charger", "amount": 60},
            {"name": "Cloud", "scope": "cloud_total", "amount": 40, "currency": "USD"},
        ],
        # A plugin whose endpoint refuses every connection: the page shows its errors.
        "plugins": [
            {
                "name": "aws",
                "plugin": "aws_cost_explorer",
                "config": {
                    "account_name": "Demo AWS",
                    "access_key_id": "AKIADEMO",
                    "secret_access_key": DEMO_SECRET,
                    "endpoint_url": f"http://127.0.0.1:{closed_port}",
                    "max_attempts": 1,
                    "forecast": False,
                },
            },
            # A plugin whose package is not installed: the page shows it unavailable, and why.
            {"name": "community", "plugin": "community_tariff_feed"},
        ],
    }


def appliance_watts(name: str, instant: datetime) -> float:
    """A plausible, deterministic power draw for NAME at INSTANT."""
    hour = instant.hour + instant.minute / 60
    day = instant.toordinal()
    match name:
        case "Heat pump":
            return 900 + 600 * math.cos((hour - 5) / 24 * 2 * math.pi) + 150 * (day % 3)
        case "EV charger":
            return 7400.0 if day % 3 == 0 and 19 <= hour < 22 else 0.0
        case _:
            return 60 + 40 * (int(hour * 4) % 3 == 0)


@contextmanager
def engine_process(config: Path, database_url: str, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Run `python -m aetherlens_engine serve` with CONFIG; stop it with SIGTERM afterwards."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "addon")}
    env.pop("SUPERVISOR_TOKEN", None)  # standalone: the page asks for the token
    args = [sys.executable, "-m", "aetherlens_engine", "serve", "--config", str(config)]
    process = subprocess.Popen(
        [*args, "--database-url", database_url], env=env, stderr=log.open("ab")
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)


async def wait_ready(session: aiohttp.ClientSession, process: subprocess.Popen[bytes]) -> None:
    """Wait until the engine has started: it answers `ok` (it listens before its services run)."""
    for _ in range(600):
        if process.poll() is not None:
            raise RuntimeError("the engine exited; see engine.log")
        try:
            async with session.get("api/v1/health") as resp:
                if resp.status == 200 and (await resp.json())["status"] == "ok":
                    return
        except aiohttp.ClientConnectionError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError("the engine did not start")


async def create_devices(conn: asyncpg.Connection) -> dict[str, int]:
    """Insert the demo devices and the gas and water meters; return their ids by name."""
    ids = {}
    for name, commodity in METERS.items():
        ids[name] = await conn.fetchval(
            "INSERT INTO devices (source, source_id, name, kind, unit, commodity)"
            " VALUES ('demo', $1, $2, 'meter', 'm³', $3) RETURNING id",
            name.lower().replace(" ", "_"),
            name,
            commodity,
        )
    for name, kind, unit, source in DEVICES:
        ids[name] = await conn.fetchval(
            "INSERT INTO devices (source, source_id, name, kind, unit) VALUES ($1, $2, $3, $4, $5)"
            " RETURNING id",
            source,
            name.lower().replace(" ", "_"),
            name,
            kind,
            unit,
        )
    return ids


async def create_cloud_costs(conn: asyncpg.Connection, ids: dict[str, int], today: date) -> None:
    """Daily cloud costs by service (and their totals) this month, and month forecasts."""
    month = today.replace(day=1)
    for account, services in CLOUD_SERVICES.items():
        rows = []
        for offset in range((today - month).days + 1):
            day = month + timedelta(days=offset)
            for service, amount in services.items():
                rows.append((ids[account], day, "service", service, amount))
            total = sum(float(amount) for amount in services.values())
            rows.append((ids[account], day, "total", "", f"{total:.2f}"))
        await conn.executemany(
            "INSERT INTO cloud_costs (device_id, day, dimension, dimension_value, amount, currency)"
            " VALUES ($1, $2, $3, $4, $5::numeric, 'USD')",
            rows,
        )
        await conn.execute(
            "INSERT INTO cloud_forecasts (device_id, month, amount, currency)"
            " VALUES ($1, $2, $3::numeric, 'USD')",
            ids[account],
            month,
            f"{30 * sum(float(a) for a in services.values()):.2f}",
        )


def recorded_until(now: datetime) -> datetime:
    """Return the demo's last reading: the hour NOW is in begins with it."""
    return now.replace(minute=0, second=0, microsecond=0)


def readings(ids: dict[str, int], now: datetime) -> Iterator[dict[str, Any]]:
    """A year of hourly meter counts, six weeks of appliance power every 15 minutes and of the
    gas and water meters' hourly counts, up to `recorded_until`."""
    end = recorded_until(now)
    start = end - timedelta(days=METER_DAYS)
    counter = 10_000.0
    instant = start
    while instant <= end:
        yield {"device_id": ids["Main meter"], "time": instant.isoformat(), "value": counter}
        watts = sum(
            appliance_watts(name, instant) for name in ("Heat pump", "EV charger", "Fridge")
        )
        counter += (watts + 250) / 1000
        instant += timedelta(hours=1)
    for name in ("Heat pump", "EV charger", "Fridge"):
        instant = end - timedelta(days=APPLIANCE_DAYS)
        while instant <= end:
            value = round(appliance_watts(name, instant), 1)
            yield {"device_id": ids[name], "time": instant.isoformat(), "value": value}
            instant += timedelta(minutes=15)
    gas, water = 4_200.0, 310.0
    instant = end - timedelta(days=APPLIANCE_DAYS)
    while instant <= end:
        for name, value in (("Gas meter", gas), ("Water meter", water)):
            yield {"device_id": ids[name], "time": instant.isoformat(), "value": round(value, 3)}
        hour = instant.hour
        gas += 0.35 if 5 <= hour < 9 or 17 <= hour < 22 else 0.08
        water += 0.04 if 6 <= hour < 8 or 18 <= hour < 21 else 0.005
        instant += timedelta(hours=1)


async def post_readings(session: aiohttp.ClientSession, items: list[dict[str, Any]]) -> None:
    """Send READINGS through the API in batches; every one must be accepted.

    The history reaches back past the raw retention (a year of the meters), so it is sent as
    a backfill, which the API takes back to the daily rollups' retention.
    """
    for first in range(0, len(items), BATCH):
        async with session.post(
            "api/v1/readings", params={"backfill": "true"}, json=items[first : first + BATCH]
        ) as resp:
            body = await resp.json()
            if resp.status != 200:
                raise RuntimeError(f"readings refused: {resp.status} {body}")


async def add_plugs(conn: asyncpg.Connection, count: int, now: datetime) -> None:
    """Add COUNT smart plugs with a year of hourly and daily energy, written as the rollups would.

    For the page's load time with many devices (`--devices`): written in SQL, not through the
    readings API, as 50 devices' year of readings would take the demo minutes to roll up.
    """
    end = recorded_until(now)
    ids = [
        await conn.fetchval(
            "INSERT INTO devices (source, source_id, name, kind, unit)"
            " VALUES ('demo', $1, $2, 'appliance', 'W') RETURNING id",
            f"plug_{number}",
            f"Plug {number}",
        )
        for number in range(1, count + 1)
    ]
    await conn.execute(
        """
        INSERT INTO energy_hourly (device_id, hour, energy_kwh, avg_power_w, max_power_w, samples)
        SELECT d, h, w / 1000, w, w * 1.5, 4
        FROM unnest($1::int[]) AS d,
             generate_series($2::timestamptz - interval '365 days', $2, interval '1 hour') AS h,
             LATERAL (SELECT 20 + (d % 7) * 15 + 10 * (extract(hour FROM h)::int % 4) AS w) AS p
        """,
        ids,
        end,
    )
    await conn.execute(
        """
        INSERT INTO energy_daily (device_id, day, energy_kwh, max_power_w, samples)
        SELECT device_id, (hour AT TIME ZONE $2)::date, sum(energy_kwh), max(max_power_w),
               sum(samples)
        FROM energy_hourly WHERE device_id = ANY($1::int[])
        GROUP BY 1, 2
        """,
        ids,
        TIMEZONE,
    )


async def wait_rollups(pool: asyncpg.Pool) -> None:
    """Wait until the rollup queue is empty (the engine drains it every second)."""
    for _ in range(1200):
        if await pool.fetchval("SELECT count(*) FROM rollup_queue") == 0:
            return
        await asyncio.sleep(0.25)
    raise RuntimeError("the rollups did not catch up")


async def activate_tariffs(session: aiohttp.ClientSession) -> None:
    """Save the demo tariffs as active through the API and wait for the electricity recompute."""
    for tariff in (DEMO_GAS, DEMO_WATER, DEMO_TARIFF):
        body = {"name": tariff["name"], "definition": tariff, "activate": True}
        async with session.post("api/v1/tariffs", json=body) as resp:
            if resp.status != 201:
                raise RuntimeError(f"a demo tariff was refused: {resp.status} {await resp.text()}")
    for _ in range(1200):
        async with session.get("api/v1/recompute") as resp:
            status = await resp.json()
        if status["state"] == "done":
            return
        if status["state"] == "failed":
            raise RuntimeError(f"the recompute failed: {status['error']}")
        await asyncio.sleep(0.25)
    raise RuntimeError("the recompute did not finish")


async def wait_for_stop() -> None:
    """Return when stdin closes or SIGTERM/SIGINT arrives."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    eof = asyncio.ensure_future(reader.read())
    halt = asyncio.ensure_future(stop.wait())
    await asyncio.wait({eof, halt}, return_when=asyncio.FIRST_COMPLETED)
    for task in (eof, halt):
        task.cancel()


@asynccontextmanager
async def demo_database(cluster: ManagedCluster) -> AsyncIterator[asyncpg.Pool]:
    """Create the demo database with TimescaleDB and the schema; yield a pool on it."""
    admin = await asyncpg.connect(cluster.dsn(tcp=True))
    try:
        await admin.execute(f'CREATE DATABASE "{DATABASE}"')
    finally:
        await admin.close()
    pool = await asyncpg.create_pool(cluster.dsn(DATABASE, tcp=True), min_size=1, max_size=2)
    try:
        async with pool.acquire() as conn:
            await conn.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
            await apply_migrations(conn)
        yield pool
    finally:
        await pool.close()


async def run(*, tariff: bool, devices: int) -> None:
    """Seed, serve, and clean up (see the module's docstring)."""
    with (
        tempfile.TemporaryDirectory(prefix="aetherlens-demo-") as scratch,
        temporary_cluster(free_port()) as cluster,
    ):
        data_dir = Path(scratch)
        async with demo_database(cluster) as pool:
            now = datetime.now(UTC)
            async with pool.acquire() as conn:
                ids = await create_devices(conn)
                await create_cloud_costs(conn, ids, now.date())
            port = free_port()
            config = data_dir / "options.json"
            config.write_text(json.dumps(options(data_dir, port, free_port())))
            url = f"http://127.0.0.1:{port}/"
            database_url = cluster.dsn(DATABASE, tcp=True)
            with engine_process(config, database_url, data_dir / "engine.log") as process:
                async with aiohttp.ClientSession(url) as probe:
                    await wait_ready(probe, process)
                token = (data_dir / "api_token").read_text().strip()
                auth = {"Authorization": f"Bearer {token}"}
                async with aiohttp.ClientSession(url, headers=auth) as session:
                    await post_readings(session, list(readings(ids, now)))
                    await wait_rollups(pool)
                    metered = sum(kind != "cloud_account" for _, kind, _, _ in DEVICES)
                    plugs = devices - metered - len(METERS)
                    if plugs > 0:
                        async with pool.acquire() as conn:
                            await add_plugs(conn, plugs, now)
                    if tariff:
                        await activate_tariffs(session)
                answer = {
                    "url": url,
                    "token": token,
                    "devices": ids,
                    "plugin_secret": DEMO_SECRET,
                    "recorded_until": recorded_until(now).isoformat(),
                }
                print(json.dumps(answer), flush=True)  # noqa: T201 - the launcher's answer
                await wait_for_stop()


def main() -> None:
    """Parse the command line and run the demo engine."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--without-tariff", action="store_true", help="leave the engine without a tariff"
    )
    parser.add_argument(
        "--devices",
        type=int,
        default=0,
        help="metered devices in all: smart plugs with a year of energy make up the number",
    )
    args = parser.parse_args()
    asyncio.run(run(tariff=not args.without_tariff, devices=args.devices))


if __name__ == "__main__":
    main()
