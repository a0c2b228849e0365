"""Models of `GET /api/v1/demand`: the current cycle's demand peaks and the window now."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

from .base import Currency, Instant, Model, Money
from .costs import CycleDates


class DemandWindow(Model):
    """The demand window holding now: [start, end), its kWh so far and its projection."""

    start: Instant
    end: Instant
    kwh: Annotated[Money, Meta(description="Imported so far in the window")]
    projected_kw: Annotated[
        Money, Meta(description="The window's average kW if its power so far holds to its end")
    ]


class DemandPeak(Model):
    """A demand line of the cycle so far, named as on the bill (`flat`, a TOU period)."""

    name: str
    peak_kw: Annotated[Money, Meta(description="The cycle's highest window so far (0 before)")]
    window_start: Annotated[Instant | None, Meta(description="Where the peak was reached")]
    tier: Annotated[int, Meta(ge=0, description="The tier the next kW of peak is priced in")]
    price_per_kw: Annotated[Money, Meta(description="That tier's price per kW")]
    next_tier_kw: Annotated[
        Money | None, Meta(description="Where the next tier starts; null in the last tier")
    ]
    margin_kw: Annotated[
        Money | None,
        Meta(description="kW the peak can still rise before the next tier; null in the last"),
    ]
    projected_kw: Annotated[
        Money | None,
        Meta(description="The current window's projected kW, where it counts toward this line"),
    ]
    on_course: Annotated[
        bool, Meta(description="The current window is on course to set a new peak of this line")
    ]


class Demand(Model):
    """The active tariff's demand in the current billing cycle.

    A tariff without demand charges has no window and no lines.
    """

    tariff: str
    currency: Currency
    time: Instant
    cycle: CycleDates
    window_minutes: Annotated[int | None, Meta(description="The tariff's demand window")]
    window: DemandWindow | None
    peaks: list[DemandPeak]
