"""Models of errors, health, devices, their energy and the readings batch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from aetherlens_engine import models
from aetherlens_engine.api.params import MAX_DEVICE_ID, RFC3339_PATTERN
from aetherlens_engine.ingest.validate import MAX_ABS_VALUE

from .base import Count, Instant, JsonObject, Model, Query, QueryInstant

DeviceId = Annotated[int, Meta(ge=1, le=MAX_DEVICE_ID)]


class Rejection(Model):
    """A refused reading, by its index in the batch."""

    index: Count
    reason: str


class ErrorDetail(Model):
    """What went wrong: `code` is stable, for programs; `message` is for people."""

    code: str
    message: str
    details: list[Rejection] | UnsetType = UNSET


class Error(Model):
    """Every failure's body."""

    error: ErrorDetail


class FieldError(Model):
    """A bad field of a tariff or a budget and what is wrong with it."""

    path: Annotated[str, Meta(description="The bad field, e.g. energy.periods[1].end")]
    message: str


class TariffErrorDetail(Model):
    """The tariff is invalid; details name the field."""

    code: Literal["invalid_tariff"]
    message: str
    details: list[FieldError]


class TariffError(Model):
    """The tariff is invalid; details name the field."""

    error: TariffErrorDetail


BudgetErrorCode = Literal["invalid_budget", "budget_exists"]


class BudgetErrorDetail(Model):
    """The budget is refused; details name the field."""

    code: BudgetErrorCode
    message: str
    details: list[FieldError]


class BudgetError(Model):
    """The budget is refused; details name the field."""

    error: BudgetErrorDetail


class DeviceErrorDetail(Model):
    """A device's change is refused; details name the field."""

    code: Literal["invalid_device"]
    message: str
    details: list[FieldError]


class DeviceError(Model):
    """A device's change is refused; details name the field."""

    error: DeviceErrorDetail


class CollectorIssue(Model):
    """Set while the user must act: a Repairs issue (key = translation key)."""

    key: Literal["invalid_auth"]
    message: str


class Collector(Model):
    """A Home Assistant collector; counts since the engine started."""

    source: Literal["homeassistant"]
    url: str
    state: Literal["starting", "connecting", "connected", "disconnected", "auth_failed", "stopped"]
    ha_version: str | None
    connected_since: Instant | None
    last_message: Instant | None
    last_error: str | None
    issue: CollectorIssue | None
    entities: int
    readings: int
    readings_per_second: float
    rejected: int
    backfilled: int
    gaps: int
    reconnects: int


DatabaseStatus = Literal["ok", "starting", "unavailable", "not_configured"]
DegradedReason = Literal[
    "database_unavailable",
    "database_starting",
    "database_not_configured",
    "spool_unwritable",
    "replay_failing",
    "spool_backlog",
]


class DatabaseHealth(Model):
    """The database's status; its versions with the API token only."""

    status: DatabaseStatus
    timescaledb: str | UnsetType | None = UNSET
    schema_version: int | UnsetType | None = UNSET


class IngestCounts(Model):
    """Counts of readings since the engine started; null without ingestion."""

    accepted: int
    rejected: dict[str, int]
    committed: int
    spooled: int
    spool_pending: int
    buffered: int
    last_flush: Instant | None
    database_available: bool
    dead_lettered: Annotated[
        int,
        Meta(
            description="Refused by the database for their data, in the dead-letter file now "
            "(with the reason): counted again at start and whenever the file changes, 0 once "
            "it is removed"
        ),
    ]
    dead_letter_file: Annotated[
        str | None, Meta(description="Where the dead-letter file is (spool/dead-letter.jsonl)")
    ]
    spool_error: str | None
    replay_error: str | None


class PluginPackage(Model):
    """A third-party plugin package the options list."""

    requirement: Annotated[str, Meta(description="name==version")]
    status: Literal["installed", "failed"]
    error: str | None


class Health(Model):
    """Public: status, reasons, version, instance_id, database.status.

    With the API token also the database's details, collectors, plugins and ingest.
    """

    status: Literal["ok", "degraded"]
    reasons: Annotated[
        list[DegradedReason],
        Meta(description="Why degraded (empty when ok): readings wait or may be lost"),
    ]
    version: str
    instance_id: str
    database: DatabaseHealth
    collectors: dict[str, Collector] | UnsetType = UNSET
    plugins: dict[str, JsonObject] | UnsetType = UNSET
    plugin_packages: Annotated[
        dict[str, PluginPackage] | UnsetType,
        Meta(description="Each third-party plugin package by name: installed, or why not"),
    ] = UNSET
    ingest: IngestCounts | UnsetType | None = UNSET


@dataclass(frozen=True, slots=True, kw_only=True)
class Device(models.Device):
    """A device the engine knows: its identity (`models.Device`'s fields) and its record."""

    attributes: JsonObject
    source_name: Annotated[str, Meta(description="What its source calls it")]
    display_name: Annotated[
        str | None, Meta(description="The name the household gave it (then its `name`)")
    ]
    in_household: Annotated[
        bool, Meta(description="Counted in the household's figures (false: left out)")
    ]
    created_at: Instant
    updated_at: Instant


class DeviceList(Model):
    """Every device."""

    devices: list[Device]


class EnergyPoint(Model):
    """A device's energy in one hour or local day."""

    start: Instant
    end: Instant
    energy_kwh: float
    avg_power_w: Annotated[float | None, Meta(description="Null for days")]
    max_power_w: float | None
    samples: int
    quality: Annotated[int, Meta(description="Bit flags of the readings rolled up")]


Resolution = Literal["hour", "day"]


class EnergyQuery(Query):
    """The query of `GET /api/v1/devices/{device_id}/energy`."""

    from_: QueryInstant = msgspec.field(name="from")
    to: QueryInstant
    resolution: Resolution = "hour"


class ReadingsQuery(Query):
    """The query of `POST /api/v1/readings`."""

    backfill: Annotated[
        bool,
        Meta(
            description="true: readings as old as the daily rollups keep are taken, flagged "
            "as backfilled"
        ),
    ] = False


class EnergySeries(Model):
    """A device's energy per hour or local day starting in [from, to)."""

    device_id: int
    resolution: Resolution
    from_: Instant = msgspec.field(name="from")
    to: Instant
    timezone: str
    total_kwh: float
    points: list[EnergyPoint]


class ReadingIn(Model):
    """One reading of a batch."""

    device_id: DeviceId
    time: Annotated[
        str,
        Meta(
            description="RFC 3339 with a UTC offset, at most microseconds; from the raw "
            "retention's start (with backfill=true the daily rollups') to 5 minutes ahead, "
            "never before 1970 (refused: too_old, out_of_range, future_time)",
            # Checked by parse_rfc3339, which says what is wrong (naive_time, malformed).
            extra_json_schema={"format": "date-time", "pattern": RFC3339_PATTERN},
        ),
    ]
    value: Annotated[
        float,
        Meta(
            ge=-MAX_ABS_VALUE,
            le=MAX_ABS_VALUE,
            description="In `unit`; beyond ±1e12: out_of_range",
        ),
    ]
    unit: Annotated[
        str | None, Meta(description="The value's unit; omitted or null: the device's unit")
    ] = None


class IngestResult(Model):
    """What became of a batch."""

    accepted: Annotated[
        Count, Meta(description="Readings committed or spooled (duplicates not counted)")
    ]
    duplicates: Annotated[
        list[Count],
        Meta(
            description="Indexes of readings of a device at an instant an earlier reading of "
            "the batch has: the first one is stored, these are not; a reading already stored "
            "is kept"
        ),
    ]
    rejected: list[Rejection]
