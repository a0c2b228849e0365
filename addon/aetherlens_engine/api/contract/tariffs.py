"""Models of the tariff routes: list, versions, validate, save, activate, calendar, recompute."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from msgspec import UNSET, Meta, UnsetType

from aetherlens_engine.pricing.recompute import RecomputeState

from .base import Count, Currency, Day, Instant, JsonObject, Model, Money, Query, Share
from .engine import FieldError


class RecomputeStatus(Model):
    """The background recompute of costs under the active tariff."""

    state: RecomputeState
    tariff: str | None
    start: Instant | None
    hours_total: Count
    hours_done: Count
    progress: Share
    started_at: Instant | None
    finished_at: Instant | None
    error: str | None
    generation: Annotated[
        Count, Meta(description="Finished recomputes; re-read costs from start when it grows")
    ]


class TariffHead(Model):
    """The latest version of a tariff."""

    name: str
    version: int
    valid_from: Instant
    valid_to: Instant | None
    created_at: Instant
    active: bool


class ConnectionTariff(Model):
    """A grid connection priced by a tariff of its own, not the active one."""

    connection: Annotated[str, Meta(description="The connection's id: its first meter's")]
    tariff: str


class TariffList(Model):
    """Tariffs by name, the active one, and the grid connections' own."""

    active: str | None
    tariffs: list[TariffHead]
    connections: list[ConnectionTariff]


class TariffVersion(Model):
    """One stored version of a tariff."""

    id: int
    version: int
    valid_from: Instant
    valid_to: Instant | None
    created_at: Instant
    definition: Annotated[JsonObject, Meta(description="Native definition")]


class TariffVersions(Model):
    """Every version of a tariff, oldest first."""

    name: str
    active: bool
    versions: list[TariffVersion]


class TariffInput(Model):
    """A native definition, or a URDB rate with its utility's time zone."""

    definition: Annotated[
        JsonObject | UnsetType, Meta(description="A native tariff definition")
    ] = UNSET
    urdb: Annotated[
        JsonObject | UnsetType, Meta(description="A URDB rate (or API answer with one)")
    ] = UNSET
    timezone: Annotated[str | UnsetType, Meta(description="The URDB utility's IANA time zone")] = (
        UNSET
    )

    def __post_init__(self) -> None:
        """Refuse what TARIFF_INPUT_RULES states: one source, a time zone with a URDB rate."""
        check_source(self.definition, self.urdb, self.timezone)


def check_source(
    definition: JsonObject | UnsetType, urdb: JsonObject | UnsetType, timezone: str | UnsetType
) -> None:
    """Raise ValueError unless there is one of DEFINITION or URDB, and TIMEZONE goes with URDB."""
    if (definition is UNSET) == (urdb is UNSET):
        raise ValueError("definition: give either 'definition' (a native tariff) or 'urdb'")
    if definition is not UNSET and timezone is not UNSET:
        raise ValueError("timezone: goes with 'urdb'; a native definition names its own")
    if urdb is not UNSET and not timezone:
        raise ValueError("timezone: 'urdb' needs the utility's IANA zone (e.g. America/Denver)")


# One of a native definition or a URDB rate; a URDB rate needs its time zone.
TARIFF_INPUT_RULES: dict[str, Any] = {
    "oneOf": [{"required": ["definition"]}, {"required": ["urdb", "timezone"]}],
    "dependentRequired": {"timezone": ["urdb"]},
}


class TariffValid(Model):
    """Valid; URDB fields not carried are listed."""

    valid: Literal[True]
    definition: JsonObject
    unsupported: list[str]


class TariffInvalid(Model):
    """Invalid; errors name the fields."""

    valid: Literal[False]
    errors: list[FieldError]


class TariffSave(Model):
    """A tariff to save as its name's next version."""

    name: Annotated[
        str, Meta(pattern=r"\S", description="Replaces the definition's own name; not blank")
    ]
    definition: JsonObject | UnsetType = UNSET
    urdb: JsonObject | UnsetType = UNSET
    timezone: str | UnsetType = UNSET
    valid_from: Annotated[
        Instant | UnsetType,
        Meta(description="Default: the first hour with energy for a new name, else now"),
    ] = UNSET
    activate: bool = False

    def __post_init__(self) -> None:
        """Refuse what TARIFF_INPUT_RULES states: one source, a time zone with a URDB rate."""
        check_source(self.definition, self.urdb, self.timezone)


class TariffSaved(Model):
    """Saved; a recompute runs if it is active."""

    name: str
    version: int
    id: int
    valid_from: Instant
    active: bool
    unsupported: list[str]
    recompute: RecomputeStatus | None


class TariffActivated(Model):
    """Active (for its commodity, or the grid connection); the recompute started."""

    active: str
    connection: Annotated[
        str | None, Meta(description="The grid connection it prices; null: its commodity")
    ]
    recompute: RecomputeStatus


class TariffDetached(Model):
    """The grid connection is priced by the active tariff again; its recompute started."""

    connection: str
    tariff: Annotated[str, Meta(description="The tariff of its own it had")]
    recompute: RecomputeStatus


class ActivateQuery(Query):
    """The query of `POST /api/v1/tariffs/{name}/activate`."""

    connection: Annotated[
        str | UnsetType,
        Meta(
            description="A grid connection (its first meter's id, as the devices' "
            "`connection`) to price with this electricity tariff, with its own billing "
            "cycle, instead of the active one"
        ),
    ] = UNSET


class CalendarQuery(Query):
    """The query of `GET /api/v1/tariffs/{name}/calendar`."""

    start: Annotated[
        Day | UnsetType,
        Meta(
            description="First local day, 1970-01-02 to 2999-11-30; default today in the "
            "tariff's zone"
        ),
    ] = UNSET
    days: Annotated[int, Meta(ge=1, le=31)] = 7


class CalendarSlot(Model):
    """A stretch of a local day at one price."""

    start: Instant
    local: Annotated[str, Meta(pattern=r"^\d\d:\d\d$")]
    minutes: Annotated[int, Meta(ge=1)]
    price: Money | None
    period: str | None
    dst: Literal["normal", "repeated"]


class CalendarDay(Model):
    """A local day of the tariff's zone."""

    date: Day
    hours: Annotated[int, Meta(ge=23, le=25, description="23 or 25 on a change of clocks")]
    slots: list[CalendarSlot]


class TariffCalendar(Model):
    """Import price per slot of local days, for a heat map."""

    name: str
    timezone: str
    currency: Currency
    days: list[CalendarDay]
