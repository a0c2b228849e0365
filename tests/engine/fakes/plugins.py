"""Plugins for the supervision tests: steady, crashing, hanging, leaking, leaking secrets (from
their configuration, the environment or a file), returning malformed records, and a feed of
readings, prices and carbon.

The misbehaving ones misbehave once: they leave a marker file (option `marker`) so that the
restarted worker works, which is how a test sees the plugin come back.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import voluptuous as vol

from aetherlens_engine.models import Commodity, DeviceKind
from aetherlens_engine.plugins import (
    AccountCosts,
    CarbonPoint,
    CostRow,
    DeviceSpec,
    Forecast,
    Plugin,
    PluginError,
    PluginManifest,
    PluginReading,
    PollResult,
    PricePoint,
    Provides,
)

LOGGER = logging.getLogger(__name__)
EXIT_CODE = 3
LEAK_CHUNK = 16 * 2**20


def _result(account: str, today: date) -> PollResult:
    return PollResult(
        accounts=(
            AccountCosts(
                account,
                f"Account {account}",
                costs=(CostRow(today, "total", "", Decimal("1.25"), "USD"),),
                forecasts=(Forecast(today.replace(day=1), Decimal("40.5"), "USD"),),
            ),
        ),
        requests=2,
    )


def _manifest(name: str, **schema: object) -> PluginManifest:
    return PluginManifest(
        name=name,
        version="1.0",
        config_schema=vol.Schema({vol.Optional(key): value for key, value in schema.items()}),
        poll_interval=timedelta(seconds=0.2),
        request_price=Decimal("0.01"),
    )


class SteadyPlugin(Plugin):
    """Always answers."""

    manifest = _manifest("steady", account=str)

    def __init__(self, config: dict[str, object]) -> None:
        super().__init__(config)
        self.polls = 0

    async def poll(self) -> PollResult:
        self.polls += 1
        return _result(str(self.config.get("account", "steady-1")), self.clock().date())

    def health(self) -> dict[str, object]:
        return {"polls": self.polls}


class _Once(Plugin):
    """Misbehaves on the first poll after its marker file is made, then answers."""

    async def poll(self) -> PollResult:
        if self._first_time():
            self.misbehave()
        return _result(self.manifest.name, self.clock().date())

    def _first_time(self) -> bool:
        marker = Path(str(self.config["marker"]))
        if marker.exists():
            return False
        marker.touch()
        return True

    def misbehave(self) -> None:
        raise NotImplementedError


class CrashingPlugin(_Once):
    """Exits abruptly, as a segfaulting extension would."""

    manifest = _manifest("crashing", marker=str)

    def misbehave(self) -> None:
        os._exit(EXIT_CODE)


class HangingPlugin(_Once):
    """Blocks its event loop for good."""

    manifest = _manifest("hanging", marker=str)

    def misbehave(self) -> None:
        time.sleep(3600)


class LeakingPlugin(_Once):
    """Grows its memory without bound."""

    manifest = _manifest("leaking", marker=str)

    def misbehave(self) -> None:
        hoard = []
        while True:
            hoard.append(b"x" * LEAK_CHUNK)  # written, so resident
            time.sleep(0.02)


class SecretLeakingPlugin(Plugin):
    """Puts its secret into its log and its error, as careless client libraries do."""

    manifest = PluginManifest(
        name="secretive",
        version="1.0",
        config_schema=vol.Schema({vol.Required("api_key"): str}),
        poll_interval=timedelta(seconds=0.2),
        secret_keys=frozenset({"api_key"}),
    )

    async def poll(self) -> PollResult:
        key = self.config["api_key"]
        LOGGER.warning("Signing in with key %s", key)
        raise PluginError(f"authentication failed for key {key}")


class EnvironmentSecretPlugin(Plugin):
    """Reads its key from the environment, as a default credential chain does, and leaks it."""

    manifest = PluginManifest(
        name="environmental",
        version="1.0",
        config_schema=vol.Schema({}),
        poll_interval=timedelta(seconds=0.2),
        secret_environment=frozenset({"FAKE_PLUGIN_API_KEY"}),
    )

    async def poll(self) -> PollResult:
        key = os.environ["FAKE_PLUGIN_API_KEY"]
        LOGGER.warning("Signing in with key %s", key)
        raise PluginError(f"authentication failed for key {key}")


class FileSecretPlugin(Plugin):
    """Reads its key from a credentials file at start (told as discovered) and leaks it."""

    manifest = PluginManifest(
        name="filed",
        version="1.0",
        config_schema=vol.Schema({vol.Required("key_file"): str}),
        poll_interval=timedelta(seconds=0.2),
    )

    async def start(self) -> None:
        text = await asyncio.to_thread(Path(self.config["key_file"]).read_text)
        self.key = text.strip()

    def discovered_secrets(self) -> tuple[str, ...]:
        return (self.key,)

    async def poll(self) -> PollResult:
        LOGGER.warning("Signing in with key %s", self.key)
        raise PluginError(f"authentication failed for key {self.key}")


class BrokenPlugin(Plugin):
    """Raises something unexpected."""

    manifest = _manifest("broken")

    async def poll(self) -> PollResult:
        raise ZeroDivisionError("the plugin divided by zero")


class MalformedPlugin(Plugin):
    """Returns a good cost row beside one of no number and a price its manifest does not declare."""

    manifest = _manifest("malformed")

    async def poll(self) -> PollResult:
        today = self.clock().date()
        rows = (
            CostRow(today, "total", "", Decimal("1.25"), "USD"),
            CostRow(today, "service", "S3", Decimal("NaN"), "USD"),
        )
        return PollResult(
            accounts=(AccountCosts("acct-m", "Malformed", rows),),
            prices=(PricePoint(datetime(2026, 11, 3, tzinfo=UTC), Decimal("0.2"), "EUR"),),
        )


class FeedPlugin(Plugin):
    """A gas meter's readings (one of them an hour ahead), hourly prices (one of tomorrow) and a
    carbon value."""

    manifest = PluginManifest(
        name="feed",
        version="1.0",
        config_schema=vol.Schema({}),
        poll_interval=timedelta(seconds=0.2),
        provides=frozenset({Provides.READINGS, Provides.PRICES, Provides.CARBON}),
    )

    async def poll(self) -> PollResult:
        now = self.clock()
        hour = now.replace(minute=0, second=0, microsecond=0)
        return PollResult(
            devices=(DeviceSpec("gas", "Gas meter", DeviceKind.METER, "m³", Commodity.GAS),),
            readings=(
                PluginReading("gas", now - timedelta(minutes=10), 1200.5),
                PluginReading("gas", now - timedelta(minutes=5), 1200750.0, "L"),
                PluginReading("gas", now + timedelta(hours=1), 1201.0),
            ),
            prices=(
                PricePoint(hour - timedelta(hours=2), Decimal("0.2931"), "EUR"),
                PricePoint(hour - timedelta(hours=1), Decimal("0.3105"), "EUR"),
                PricePoint(hour + timedelta(hours=20), Decimal("0.1877"), "EUR"),  # day-ahead
            ),
            carbon=(CarbonPoint(hour - timedelta(hours=1), Decimal("0.412")),),
        )
