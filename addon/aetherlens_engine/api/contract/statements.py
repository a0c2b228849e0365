"""Models of the statement routes: record (JSON or CSV), and every statement matched."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import UNSET, Meta, UnsetType

from .base import Currency, Day, Instant, JsonObject, Model, Money, Query

LineKind = Literal["energy", "standing", "demand", "rider", "tax", "credit"]
Cause = Literal["missing_data", "missing_rider", "tier_limit", "tariff_version"]
Source = Literal["api", "csv", "greenbutton", "plugin"]
_AMOUNT = "As it adds up to the total: a credit is negative"


class StatementLineIn(Model):
    """A line of the paper bill; period, tier and kWh for energy lines only."""

    kind: LineKind
    name: str
    amount: Annotated[Money, Meta(description=_AMOUNT)]
    period: Annotated[
        str | UnsetType, Meta(description="The tariff's period; absent: all energy")
    ] = UNSET
    tier: Annotated[
        Annotated[int, Meta(ge=1)] | UnsetType,
        Meta(description="Absent: the period's tiers together"),
    ] = UNSET
    kwh: Money | UnsetType = UNSET


class StatementIn(Model):
    """A statement: the cycle's local days [start, end), its total and its lines."""

    start: Day
    end: Annotated[Day, Meta(description="The day after the cycle")]
    total: Money
    lines: list[StatementLineIn] = []  # noqa: RUF012 - msgspec copies a mutable default
    tariff: Annotated[
        str | UnsetType,
        Meta(description="The stored tariff it was billed under; default: the active one"),
    ] = UNSET


class StatementImport(Model):
    """Statements as CSV: start, end, kind (total or a line's), name, amount, period, tier, kwh."""

    csv: Annotated[str, Meta(description="One row per line, a total row per cycle")]
    tariff: Annotated[
        str | UnsetType,
        Meta(description="The stored tariff they were billed under; default: the active one"),
    ] = UNSET


class StatementsQuery(Query):
    """The query of `GET /api/v1/statements`."""

    threshold: Annotated[
        Money, Meta(description="A residual above this (either way) is flagged")
    ] = "1.00"


class LineMatch(Model):
    """A statement line beside the engine's (statement null: a line the statement does not show)."""

    kind: LineKind
    name: str
    statement: Money | None
    engine: Money | None
    residual: Annotated[Money, Meta(description="Statement less engine")]


class Finding(Model):
    """A likely cause of the residual."""

    cause: Cause
    detail: str


class StatementMatch(Model):
    """A recorded statement beside the engine's bill of its cycle."""

    id: int
    tariff: str
    currency: Currency
    source: Annotated[
        Source,
        Meta(
            description="greenbutton: a usage summary of an imported data download; plugin: "
            "fetched by a plugin"
        ),
    ]
    recorded_at: Instant
    start: Day
    end: Day
    total: Money
    engine_total: Annotated[
        Money | None, Meta(description="Null where the engine cannot bill the cycle (see error)")
    ]
    residual: Annotated[Money | None, Meta(description="Statement total less the engine's")]
    over_threshold: bool
    lines: list[LineMatch]
    findings: list[Finding]
    error: Annotated[str | None, Meta(description="Why the engine cannot bill the cycle")]


class StatementList(Model):
    """Every recorded statement, oldest cycle first, matched."""

    threshold: Money
    statements: list[StatementMatch]


class StatementsSaved(Model):
    """The statements recorded, matched (threshold 1.00)."""

    statements: list[StatementMatch]


class CalibrationQuery(Query):
    """The query of `GET /api/v1/statements/calibration`."""

    tariff: Annotated[
        str | UnsetType, Meta(description="The stored tariff; default: the active one")
    ] = UNSET
    threshold: Annotated[
        Money, Meta(description="The proposal explains the statements if it leaves each within")
    ] = "1.00"


class CalibratedStatement(Model):
    """A statement's total residual now and under the proposed version."""

    id: int
    start: Day
    end: Day
    residual: Money
    residual_after: Money
    fitted: Annotated[bool, Meta(description="Used for the fit: its cycle is fully recorded")]


class Calibration(Model):
    """A proposed next version of the tariff: nothing is saved until it is posted as one."""

    tariff: str
    based_on_version: int
    basis: Literal["per_kwh", "per_day"]
    name: Annotated[str, Meta(description="The surcharge or daily fixed charge added")]
    amount: Money
    explains: Annotated[bool, Meta(description="Every fitted statement left within threshold")]
    definition: Annotated[
        JsonObject, Meta(description="The proposed version: POST /api/v1/tariffs to save it")
    ]
    statements: list[CalibratedStatement]
