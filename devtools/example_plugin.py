"""The plugin guide's example (docs/plugins.md includes this file): a fixed monthly subscription.

It reports a subscription's price (a VPS, a storage plan) spread evenly over the days of the month
so far, and the whole month as the forecast. tests/docs/test_plugin_guide.py runs it through the
plugin worker's protocol.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal

import voluptuous as vol

from aetherlens_engine.plugins import (
    AccountCosts,
    CostRow,
    Forecast,
    Plugin,
    PluginManifest,
    PollResult,
)

SCHEMA = vol.Schema(
    {
        vol.Required("account_name"): vol.All(str, vol.Length(min=1)),
        # Through str: a YAML number like 9.99 is exactly 9.99.
        vol.Required("monthly_amount"): vol.All(vol.Coerce(str), vol.Coerce(Decimal)),
        vol.Optional("currency", default="EUR"): vol.Match(r"^[A-Z]{3}$"),
    }
)


class FixedSubscriptionPlugin(Plugin):
    """A subscription of a fixed price per month, as cloud costs per day."""

    manifest = PluginManifest(
        name="fixed_subscription",
        version="1.0.0",
        config_schema=SCHEMA,
        poll_interval=timedelta(hours=24),
    )

    async def poll(self) -> PollResult:
        """Return this month's days so far, each an equal share, and the month as forecast."""
        today = self.clock().date()
        days_in_month = calendar.monthrange(today.year, today.month)[1]
        amount: Decimal = self.config["monthly_amount"]
        currency: str = self.config["currency"]
        daily = amount / days_in_month
        costs = tuple(
            CostRow(date(today.year, today.month, day), "total", "", daily, currency)
            for day in range(1, today.day + 1)
        )
        forecast = Forecast(today.replace(day=1), amount, currency)
        name: str = self.config["account_name"]
        return PollResult(accounts=(AccountCosts(name, name, costs, (forecast,)),))
