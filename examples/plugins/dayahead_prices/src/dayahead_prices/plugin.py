"""Day-ahead prices from a market-data endpoint, as the price series a dynamic tariff is billed by.

The endpoint answers `GET URL?start=MS&end=MS` (milliseconds since the epoch) with
`{"object": "list", "data": [{"start_timestamp": MS, "end_timestamp": MS, "marketprice": 98.7,
"unit": "Eur/MWh"}, ...]}`, the shape of the public day-ahead feeds of several European
suppliers. Prices per MWh become prices per kWh, exactly (through the decimal text, never a
float's binary value), plus the supplier's markup per kWh when configured. Built only with the
engine's SDK (`aetherlens_engine.plugins`).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import aiohttp
import voluptuous as vol

from aetherlens_engine.plugins import (
    PluginError,
    PluginManifest,
    PollResult,
    PricePoint,
    Provides,
    SourcePlugin,
)

SCHEMA = vol.Schema(
    {
        vol.Required("url"): vol.Url(),
        # The supplier's markup on the market price, per kWh (through str: 0.015 stays exact).
        vol.Optional("markup_per_kwh", default="0"): vol.All(vol.Coerce(str), vol.Coerce(Decimal)),
        # How far back a poll asks again: a correction of a published price replaces it.
        vol.Optional("hours_back", default=24): vol.All(int, vol.Range(min=1, max=168)),
    }
)
TIMEOUT = aiohttp.ClientTimeout(total=30)
# "Eur/MWh", "EUR/MWh", "eur/mwh": a currency per MWh.
UNIT = re.compile(r"(?P<currency>[A-Za-z]{3})/MWh", re.IGNORECASE)
KWH_PER_MWH = Decimal(1000)
# Day-ahead auctions publish tomorrow's prices by the afternoon: two days cover them.
AHEAD = timedelta(days=2)


def _milliseconds(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class DayAheadPricesPlugin(SourcePlugin):
    """A market's hourly (or quarter-hourly) day-ahead prices."""

    manifest = PluginManifest(
        name="dayahead_prices",
        version="0.1.0",
        config_schema=SCHEMA,
        poll_interval=timedelta(hours=1),
        provides=frozenset({Provides.PRICES}),
    )

    async def fetch(self) -> Any:
        """Return the endpoint's answer for the last HOURS_BACK hours and the days ahead."""
        now = self.clock()
        params = {
            "start": str(_milliseconds(now - timedelta(hours=self.config["hours_back"]))),
            "end": str(_milliseconds(now + AHEAD)),
        }
        try:
            async with (
                aiohttp.ClientSession(timeout=TIMEOUT) as session,
                session.get(self.config["url"], params=params) as response,
            ):
                if response.status != 200:  # noqa: PLR2004 - the one success the feed gives
                    raise PluginError(f"the price feed answered HTTP {response.status}")
                return await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as err:
            raise PluginError(f"cannot read the price feed: {err}") from err

    def parse(self, answer: Any) -> PollResult:
        """Return a price point per entry of ANSWER, per kWh with the markup."""
        markup: Decimal = self.config["markup_per_kwh"]
        points: list[PricePoint] = []
        try:
            for index, entry in enumerate(answer["data"]):
                unit = UNIT.fullmatch(str(entry["unit"]))
                if unit is None:
                    raise PluginError(
                        f"data[{index}].unit: {entry['unit']!r} is not a price per MWh"
                    )
                start = datetime.fromtimestamp(int(entry["start_timestamp"]) / 1000, UTC)
                per_mwh = Decimal(str(entry["marketprice"]))
                points.append(
                    PricePoint(start, per_mwh / KWH_PER_MWH + markup, unit["currency"].upper())
                )
        except (KeyError, TypeError, ValueError, InvalidOperation) as err:
            raise PluginError(f"the price feed's answer is not understood: {err!r}") from err
        return PollResult(prices=tuple(points), requests=1)
