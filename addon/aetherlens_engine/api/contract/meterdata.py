"""Models of utility interval data imports (Green Button files, CSV exports)."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import UNSET, Meta, UnsetType

from .base import Count, Currency, Instant, Model, Money
from .engine import DeviceId


class MeterDataUpload(Model):
    """A utility's data download, to import as a meter of the household.

    The other fields say what a CSV export does not (a Green Button file says it all).
    """

    format: Annotated[
        Literal["greenbutton", "csv"],
        Meta(
            description="greenbutton: an ESPI Atom feed (Green Button Download my data); csv: "
            "timestamp,kwh or date and 24/48/96 interval columns"
        ),
    ]
    content: Annotated[str, Meta(min_length=1, description="The file's text")]
    meter: Annotated[
        str, Meta(min_length=1, max_length=200, description="csv: the meter's name at the utility")
    ] = "utility meter"
    flow: Annotated[
        Literal["import", "export"], Meta(description="csv: energy from or to the grid")
    ] = "import"
    timezone: Annotated[
        str | UnsetType,
        Meta(description="csv: the zone of dates and naive times (default: the engine's)"),
    ] = UNSET
    interval_minutes: (
        Annotated[
            int,
            Meta(
                ge=1,
                le=1440,
                description="csv timestamp,kwh: each row's length (default: the step)",
            ),
        ]
        | UnsetType
    ) = UNSET
    ambiguous: Annotated[
        Literal["error", "first", "second"],
        Meta(description="csv: a naive time the zone repeats is its first or second instance"),
    ] = "error"


class ImportedMeter(Model):
    """One meter of the file and what the import did with its intervals."""

    device_id: DeviceId
    source_id: Annotated[str, Meta(description="The meter's identity at the utility")]
    name: str
    flow: Literal["import", "export"]
    start: Annotated[Instant | None, Meta(description="Its first interval's start")]
    end: Annotated[Instant | None, Meta(description="Its last interval's end")]
    intervals: Count
    pieces: Annotated[Count, Meta(description="Its intervals' parts within UTC hours")]
    stored: Annotated[Count, Meta(description="Pieces stored as new readings")]
    duplicates: Annotated[Count, Meta(description="Pieces of hours this meter already had")]
    covered: Annotated[
        Count, Meta(description="Pieces of hours another mains meter of the household recorded")
    ]


class MeterDataImported(Model):
    """What an import stored; a file is stored whole or not at all."""

    source: Annotated[str, Meta(description="The devices' source: the file's format")]
    meters: list[ImportedMeter]
    summaries: Annotated[Count, Meta(description="Usage summaries (billed periods) stored")]
    summaries_known: Annotated[Count, Meta(description="Usage summaries stored before")]
    statements: Annotated[
        list[int],
        Meta(
            description="Statements made of the new summaries with a bill (their ids), matched "
            "under the active tariff like recorded ones"
        ),
    ]


class SummaryLine(Model):
    """A further cost of a billed period, as the utility names it."""

    note: str
    amount: Money


class StoredUsageSummary(Model):
    """What the utility billed for a period of one meter (null: the file did not say)."""

    id: int
    device_id: DeviceId
    meter: Annotated[str, Meta(description="The meter's identity at the utility")]
    source: Annotated[str, Meta(description="The file's format")]
    start: Instant
    end: Annotated[Instant, Meta(description="The period's end (exclusive)")]
    currency: Currency
    bill: Annotated[Money | None, Meta(description="The period's total as billed")]
    bill_to_date: Annotated[Money | None, Meta(description="Billed so far in the period")]
    additional_cost: Annotated[Money | None, Meta(description="Costs beyond energy")]
    consumption_kwh: Annotated[Money | None, Meta(description="The energy billed")]
    lines: list[SummaryLine]
    imported_at: Instant


class UsageSummaries(Model):
    """Every usage summary imported, by the start of its period."""

    summaries: list[StoredUsageSummary]
