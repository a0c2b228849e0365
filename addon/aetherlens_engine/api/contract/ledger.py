"""Models of `GET /api/v1/ledger`: the household's spend by commodity, and in total."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

from aetherlens_engine.pricing.ledger import PartName

from .base import Currency, Day, Instant, Model, Money


class LedgerConnection(Model):
    """A grid connection's electricity: its own tariff's, or (null) the active tariff's meters."""

    connection: Annotated[
        str | None,
        Meta(
            description="The connection's id (the devices' `connection`) priced by a tariff of "
            "its own; null: every meter the active tariff prices"
        ),
    ]
    tariff: str | None
    today: Money
    month: Money
    cycle_start: Annotated[Day | None, Meta(description="Its tariff's own billing cycle")]
    cycle_end: Day | None
    cycle_so_far: Annotated[
        Money, Meta(description="Its cycle's bill so far, its export credit deducted")
    ]
    projected: Money | None


class LedgerPart(Model):
    """One commodity's spend (or the cloud accounts'), in the ledger's currency.

    Unpriced (`tariff` null for a commodity) amounts are 0: no active tariff of the commodity,
    or one in another currency.
    """

    commodity: PartName
    tariff: Annotated[str | None, Meta(description="The commodity's active tariff")]
    unit: Annotated[
        str | None, Meta(description="What the usage counts (gas and water: kWh or m³)")
    ]
    usage_today: Money | None
    usage_month: Money | None
    today: Money
    month: Money
    cycle_start: Annotated[
        Day | None, Meta(description="The commodity's own billing cycle (cloud: the month)")
    ]
    cycle_end: Day | None
    cycle_so_far: Annotated[
        Money, Meta(description="The cycle's bill so far, its fixed charges the whole cycle's")
    ]
    projected: Annotated[Money | None, Meta(description="The cycle's bill projected to its end")]
    price_now: Annotated[
        Money | None,
        Meta(description="Gas and water: a unit's price now (taxes in, at its tier now)"),
    ]
    connections: Annotated[
        list[LedgerConnection],
        Meta(
            description="Electricity: each grid connection's part, the part their exact sum "
            "(projected: of those projected; the cycle dates are the active tariff's)"
        ),
    ]


class LedgerTotals(Model):
    """The sums of the parts, exact."""

    today: Money
    month: Money
    cycle_so_far: Money


class Ledger(Model):
    """Electricity + gas + water + cloud: today, this month and each one's current cycle."""

    time: Instant
    currency: Currency
    parts: list[LedgerPart]
    total: LedgerTotals
