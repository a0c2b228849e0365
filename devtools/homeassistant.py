"""A real Home Assistant (`hass -c DIR`) for tests, benchmarks and local development.

Interface (all of it):

    setup = HassSetup(packages={"meters": METERS_YAML}, energy_prefs=PREFS)
    async with running_home_assistant(Path("/tmp/ha"), setup) as hass:  # -> HomeAssistant
        hass.url, hass.websocket_url, hass.token  # base URL, WebSocket URL, long-lived token
        await hass.call_service("input_number", "set_value", {"entity_id": ..., "value": 5})
        await hass.command({"type": "config/entity_registry/list"})  # one WebSocket command
        await hass.save_energy_prefs(PREFS)  # energy/save_prefs
        await hass.restart()  # or stop() / start()

`HomeAssistant.create(directory, setup)` does what the context manager does without stopping:
it writes a throw-away configuration into DIRECTORY (HA's frontend, api, websocket_api, recorder
on SQLite in the directory, energy, history, template, input_number, the caller's `packages` and
top-level `yaml`), starts `hass`, onboards through HA's own onboarding API (owner `aetherlens`
with `setup.owner_password`, the auth code exchanged at /auth/token, the remaining steps),
creates a long-lived access token over the WebSocket API and saves `setup.energy_prefs` when
given. The token is kept in the directory, so a restarted instance needs no second onboarding.
`stop` sends SIGTERM and kills after `setup.stop_timeout` seconds. Logs: DIRECTORY/hass.log.

HTTP (127.0.0.1 and `setup.port` or a free port) is written in the form HA 2026.10 keeps, its
`.storage/http` store, before every start: an `http:` YAML section would be migrated into a
pending trial configuration that HA reverts (and restarts for) five minutes later unless someone
confirms it in the UI.

Methods take no session or loop of the caller's: each opens its own client session, so one
instance can serve code running in different event loops (a module fixture and its tests).
"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any, Self

import aiohttp
from homeassistant.components.http.config import (
    HTTP_STORAGE_SCHEMA,
)
from homeassistant.components.http.config import (
    STORAGE_MINOR_VERSION as HTTP_STORAGE_MINOR_VERSION,
)
from homeassistant.components.http.config import (
    STORAGE_VERSION as HTTP_STORAGE_VERSION,
)

_OWNER = {"name": "AetherLens Test", "username": "aetherlens", "language": "en"}
_LOGIN_FILE = ".aetherlens-login"  # the long-lived token
_POLL_SECONDS = 0.2
# Onboarding sets up Google Translate's text-to-speech, whose library (gTTS) is not installed:
# its entry would only show as failed in Settings -> Devices & services.
_UNUSABLE_ONBOARDING_DOMAINS = frozenset({"google_translate"})


class HassError(Exception):
    """Home Assistant did not start, onboard, stop or answer as expected."""


@dataclass(frozen=True, slots=True)
class HassSetup:
    """What goes into the throw-away configuration, and how long to wait for `hass`."""

    packages: Mapping[str, str] = field(default_factory=dict)  # name -> YAML of packages/NAME.yaml
    yaml: str = ""  # further top-level configuration.yaml text
    energy_prefs: Mapping[str, Any] | None = None  # saved with energy/save_prefs after onboarding
    time_zone: str = "UTC"
    currency: str = "EUR"
    recorder_commit_interval: float = 0.0  # seconds; 0: a state is in the history at once
    start_timeout: float = 180.0  # a loaded machine
    stop_timeout: float = 30.0
    port: int | None = None  # None: a free port
    # The owner `aetherlens` logs in to a development instance's UI with it; None: random.
    owner_password: str | None = field(default=None, repr=False)


def free_port() -> int:
    """Return a TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def write_configuration(directory: Path, port: int, setup: HassSetup) -> None:
    """Write configuration.yaml and the packages of SETUP into DIRECTORY."""
    packages = directory / "packages"
    packages.mkdir(parents=True, exist_ok=True)
    for name, text in setup.packages.items():
        (packages / f"{name}.yaml").write_text(text)
    database = directory / "home-assistant_v2.db"
    write_http_store(directory, port)
    # Analytics and met are set up by onboarding: with no network they only log a warning.
    (directory / "configuration.yaml").write_text(
        f"""\
homeassistant:
  name: AetherLens test
  unit_system: metric
  time_zone: {setup.time_zone}
  currency: {setup.currency}
  country: DE
  latitude: 52.52
  longitude: 13.40
  elevation: 34
  packages: !include_dir_named packages
frontend:
api:
websocket_api:
config:
history:
recorder:
  db_url: sqlite:///{database}
  commit_interval: {setup.recorder_commit_interval:g}
energy:
template:
input_number:
logger:
  default: warning
{setup.yaml}
"""
    )


def http_store(port: int) -> dict[str, Any]:
    """Return HA's stored HTTP configuration: 127.0.0.1:PORT, confirmed, nothing pending."""
    # HA's own schema fills in its defaults (CORS, login attempts, SSL profile, ...).
    stable = dict(HTTP_STORAGE_SCHEMA({"server_host": ["127.0.0.1"], "server_port": port}))
    stable |= {"created_at": "2026-01-01T00:00:00+00:00", "error": None, "error_message": None}
    return {
        "version": HTTP_STORAGE_VERSION,
        "minor_version": HTTP_STORAGE_MINOR_VERSION,
        "key": "http",
        "data": {"stable": stable, "pending": None, "yaml_migration_done": True},
    }


def write_http_store(directory: Path, port: int) -> None:
    """Write DIRECTORY/.storage/http (before a start: HA reads it once, at start-up)."""
    storage = directory / ".storage"
    storage.mkdir(parents=True, exist_ok=True)
    path = storage / "http"
    path.write_text(json.dumps(http_store(port), indent=2))
    path.chmod(0o600)


class HomeAssistant:
    """One `hass` process on a configuration directory of its own."""

    def __init__(self, config_dir: Path, port: int, setup: HassSetup) -> None:
        """Describe an instance; `create` (or `start` on a written directory) runs it."""
        self.config_dir = config_dir
        self.port = port
        self.setup = setup
        self.url = f"http://127.0.0.1:{port}"
        self.websocket_url = f"ws://127.0.0.1:{port}/api/websocket"
        self._process: subprocess.Popen[bytes] | None = None
        self._token: str | None = None

    @classmethod
    async def create(cls, config_dir: Path, setup: HassSetup | None = None) -> Self:
        """Write a configuration into CONFIG_DIR, start and onboard HA; return it running."""
        setup = setup or HassSetup()
        instance = cls(config_dir, setup.port or free_port(), setup)
        write_configuration(config_dir, instance.port, setup)
        try:
            await instance.start()
            if setup.energy_prefs is not None:
                await instance.save_energy_prefs(setup.energy_prefs)
        except BaseException:
            await instance.stop()
            raise
        return instance

    @property
    def token(self) -> str:
        """Return the long-lived access token (after the first start)."""
        if self._token is None:
            raise HassError("Home Assistant has not been onboarded yet: start it first")
        return self._token

    @property
    def running(self) -> bool:
        """Return whether the process runs."""
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        """Return the process id of the current (or last exited) process, None when stopped."""
        return None if self._process is None else self._process.pid

    @property
    def exit_code(self) -> int | None:
        """Return the exit code of a process that exited by itself (None: running or stopped)."""
        return None if self._process is None else self._process.poll()

    async def start(self) -> None:
        """Start `hass`, wait until it answers, onboard it the first time."""
        if self.running:
            return
        write_http_store(self.config_dir, self.port)
        self._spawn()
        async with aiohttp.ClientSession() as session:
            await self._wait_until_answering(session)
            token_file = self.config_dir / _LOGIN_FILE
            first = not token_file.exists()
            if first:
                self._token = await self._onboard(session)
                await self._wait_until_token_saved(self._token)
                token_file.write_text(self._token)
                token_file.chmod(0o600)
            else:
                self._token = token_file.read_text().strip()
            await self._wait_until_running(session)
            if first:
                await self._remove_unusable_entries(session)

    async def stop(self) -> int | None:
        """SIGTERM `hass`, kill it after the stop timeout; return its exit code."""
        process, self._process = self._process, None
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            if not await _exited(process, self.setup.stop_timeout):
                process.kill()
                await _exited(process, self.setup.stop_timeout)
        return process.returncode

    async def restart(self) -> None:
        """Stop and start again (same port, data and token)."""
        await self.stop()
        await self.start()

    async def call_service(
        self, domain: str, service: str, data: Mapping[str, Any] | None = None
    ) -> Any:
        """Call a service through the REST API (POST /api/services/DOMAIN/SERVICE)."""
        async with (
            aiohttp.ClientSession(headers=self._auth_header()) as session,
            session.post(f"{self.url}/api/services/{domain}/{service}", json=data or {}) as resp,
        ):
            if resp.status != HTTPStatus.OK:
                raise HassError(f"{domain}.{service} failed: {resp.status} {await resp.text()}")
            return await resp.json()

    async def command(self, message: Mapping[str, Any]) -> Any:
        """Send one WebSocket command (without `id`); return its result or raise HassError."""
        return (await self.commands([message]))[0]

    async def commands(self, messages: list[Mapping[str, Any]]) -> list[Any]:
        """Send WebSocket commands on one connection, one after the other; return the results."""
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(self.websocket_url, max_msg_size=0) as ws,
        ):
            await _websocket_auth(ws, self.token)
            results = []
            for number, message in enumerate(messages, start=1):
                await ws.send_json({**message, "id": number})
                results.append(await _websocket_result(ws, number, str(message.get("type"))))
            return results

    async def save_energy_prefs(self, prefs: Mapping[str, Any]) -> Any:
        """Save Energy dashboard preferences (energy/save_prefs); return what HA stored."""
        return await self.command({"type": "energy/save_prefs", **prefs})

    async def __aenter__(self) -> Self:
        """Start (if not running)."""
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        """Stop."""
        await self.stop()

    def _spawn(self) -> None:
        # Popen returns at once; readiness is polled over HTTP. --skip-pip: no network here.
        hass = shutil.which("hass")
        if hass is None:
            raise HassError("`hass` is not on PATH: run inside scripts/devenv")
        with (self.config_dir / "hass.log").open("ab") as log:
            self._process = subprocess.Popen(  # noqa: S603 - our own argument list
                [hass, "-c", str(self.config_dir), "--skip-pip"],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C of the caller reaches it only through stop()
            )

    def _auth_header(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def _wait_until_answering(self, session: aiohttp.ClientSession) -> None:
        """Poll the API root until HA's HTTP server answers (401 without a token is an answer)."""
        deadline = time.monotonic() + self.setup.start_timeout
        while True:
            if not self.running:
                raise HassError(f"hass exited during start-up: see {self.config_dir}/hass.log")
            try:
                async with session.get(f"{self.url}/api/") as resp:
                    if resp.status in (HTTPStatus.OK, HTTPStatus.UNAUTHORIZED):
                        return
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline:
                raise HassError(f"hass did not answer within {self.setup.start_timeout:g} s")
            await asyncio.sleep(_POLL_SECONDS)

    async def _wait_until_running(self, session: aiohttp.ClientSession) -> None:
        """Wait until the core reports RUNNING (every integration set up)."""
        deadline = time.monotonic() + self.setup.start_timeout
        while True:
            async with session.get(f"{self.url}/api/config", headers=self._auth_header()) as resp:
                if resp.status == HTTPStatus.OK and (await resp.json()).get("state") == "RUNNING":
                    return
            if time.monotonic() > deadline:
                raise HassError(f"hass was not running within {self.setup.start_timeout:g} s")
            await asyncio.sleep(_POLL_SECONDS)

    async def _wait_until_token_saved(self, token: str) -> None:
        """Wait until HA has written TOKEN's refresh token to .storage/auth.

        HA saves its users and tokens a moment later; a `hass` that crashed before that would
        refuse the token at its next start.
        """
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        auth = self.config_dir / ".storage" / "auth"
        deadline = time.monotonic() + self.setup.start_timeout
        while not (auth.exists() and claims["iss"] in auth.read_text()):
            if time.monotonic() > deadline:
                raise HassError("Home Assistant did not save the new access token")
            await asyncio.sleep(_POLL_SECONDS)

    async def _remove_unusable_entries(self, session: aiohttp.ClientSession) -> None:
        """Delete the entries onboarding made whose libraries are not installed (--skip-pip)."""
        base = f"{self.url}/api/config/config_entries/entry"
        async with session.get(base, headers=self._auth_header()) as resp:
            entries = await resp.json()
        for entry in entries:
            if entry["domain"] in _UNUSABLE_ONBOARDING_DOMAINS:
                async with session.delete(
                    f"{base}/{entry['entry_id']}", headers=self._auth_header()
                ):
                    pass

    async def _onboard(self, session: aiohttp.ClientSession) -> str:
        """Create the owner, finish every onboarding step; return a long-lived access token."""
        client_id = f"{self.url}/"
        user = await _post_json(
            session,
            f"{self.url}/api/onboarding/users",
            {
                **_OWNER,
                "password": self.setup.owner_password or secrets.token_urlsafe(16),
                "client_id": client_id,
            },
        )
        async with session.post(
            f"{self.url}/auth/token",
            data={
                "grant_type": "authorization_code",
                "code": user["auth_code"],
                "client_id": client_id,
            },
        ) as resp:
            if resp.status != HTTPStatus.OK:
                raise HassError(f"/auth/token refused the onboarding code: {resp.status}")
            access_token = (await resp.json())["access_token"]
        headers = {"Authorization": f"Bearer {access_token}"}
        await _post_json(session, f"{self.url}/api/onboarding/core_config", {}, headers)
        await _post_json(session, f"{self.url}/api/onboarding/analytics", {}, headers)
        await _post_json(
            session,
            f"{self.url}/api/onboarding/integration",
            {"client_id": client_id, "redirect_uri": f"{client_id}?auth_callback=1"},
            headers,
        )
        async with session.ws_connect(self.websocket_url) as ws:
            await _websocket_auth(ws, access_token)
            await ws.send_json(
                {
                    "id": 1,
                    "type": "auth/long_lived_access_token",
                    "client_name": "AetherLens development",
                    "lifespan": 3650,
                }
            )
            token: str = await _websocket_result(ws, 1, "auth/long_lived_access_token")
        return token


async def _exited(process: subprocess.Popen[bytes], within: float) -> bool:
    """Poll PROCESS (no thread of ours waits on it) for up to WITHIN seconds; return if it ended."""
    for _ in range(max(1, round(within / _POLL_SECONDS))):
        if process.poll() is not None:
            return True
        await asyncio.sleep(_POLL_SECONDS)
    return process.poll() is not None


async def _post_json(
    session: aiohttp.ClientSession,
    url: str,
    body: Mapping[str, Any],
    headers: Mapping[str, str] | None = None,
) -> Any:
    async with session.post(url, json=body, headers=headers) as resp:
        if resp.status != HTTPStatus.OK:
            raise HassError(f"POST {url} failed: {resp.status} {await resp.text()}")
        return await resp.json()


async def _websocket_auth(ws: aiohttp.ClientWebSocketResponse, token: str) -> None:
    """Answer HA's auth_required with TOKEN; raise HassError unless auth_ok follows."""
    hello = await ws.receive_json()
    if hello.get("type") != "auth_required":
        raise HassError(f"unexpected first WebSocket message: {hello}")
    await ws.send_json({"type": "auth", "access_token": token})
    answer = await ws.receive_json()
    if answer.get("type") != "auth_ok":
        raise HassError(f"WebSocket authentication failed: {answer.get('message')}")


async def _websocket_result(ws: aiohttp.ClientWebSocketResponse, number: int, what: str) -> Any:
    """Wait for the result of command NUMBER (events of other subscriptions are skipped)."""
    while True:
        message = json.loads(await ws.receive_str())
        if message.get("id") == number and message.get("type") == "result":
            if not message.get("success"):
                raise HassError(f"{what} failed: {message.get('error')}")
            return message.get("result")


@asynccontextmanager
async def running_home_assistant(
    config_dir: Path, setup: HassSetup | None = None
) -> AsyncIterator[HomeAssistant]:
    """Create, start and onboard HA in CONFIG_DIR; stop it on exit."""
    instance = await HomeAssistant.create(config_dir, setup)
    try:
        yield instance
    finally:
        await instance.stop()
