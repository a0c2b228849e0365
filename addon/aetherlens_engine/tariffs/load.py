"""Read and validate the native tariff format (YAML or JSON) into a `Tariff`.

Every error is a `TariffError` whose message starts with the path of the bad field, such as
`energy.periods[1].tiers[0].up_to: must be positive`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib
import voluptuous as vol
import yaml

from aetherlens_engine.models import UNIT_ENERGY, UNIT_VOLUME, Commodity

from .calendar import HolidayCalendar
from .model import (
    CalorificPeriod,
    Carbon,
    Charge,
    Component,
    Demand,
    DemandSeasons,
    ExcessCredit,
    Export,
    ExportRule,
    FlatDemand,
    Minimum,
    MinimumCompare,
    Per,
    Surcharge,
    SurchargeBasis,
    Tariff,
    TariffError,
    Tax,
    Tier,
    TierRule,
    Tiers,
    TierUnit,
)
from .schedule import ALL_MONTHS, DAY_TYPES, MINUTES_PER_DAY, Rule, Schedule, ScheduleError, single

WINDOW_MINUTES = (15, 30, 60)
MAX_CYCLE_DAY = 31
# Sections that price electricity only: a gas or water tariff has none of them.
_ELECTRICITY_ONLY = ("export", "demand", "carbon")


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise vol.Invalid("expected a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation as err:
        raise vol.Invalid(f"expected a number, got {value!r}") from err
    if not number.is_finite():
        raise vol.Invalid(f"expected a finite number, got {value!r}")
    return number


def _positive(value: Any) -> Decimal:
    number = _decimal(value)
    if number <= 0:
        raise vol.Invalid(f"must be positive, got {value!r}")
    return number


def _non_negative(value: Any) -> Decimal:
    number = _decimal(value)
    if number < 0:
        raise vol.Invalid(f"must not be negative, got {value!r}")
    return number


def _minute(value: Any) -> int:
    text = str(value)
    hours, _, minutes = text.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):  # noqa: PLR2004
        raise vol.Invalid(f"expected a time HH:MM, got {value!r}")
    minute = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or minute > MINUTES_PER_DAY:  # noqa: PLR2004
        raise vol.Invalid(f"expected a time from 00:00 to 24:00, got {value!r}")
    return minute


def _name(value: Any) -> str:
    if isinstance(value, bool):
        raise vol.Invalid(
            f'YAML read this name as {str(value).lower()}: quote it, e.g. name: "off"'
        )
    if not isinstance(value, str) or not value:
        raise vol.Invalid(f"expected a non-empty name, got {value!r}")
    return value


def _zone(value: Any) -> ZoneInfo:
    try:
        return ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise vol.Invalid(
            f"unknown time zone {value!r} (use an IANA name like Europe/Berlin)"
        ) from err


def _date(value: Any) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as err:
        raise vol.Invalid(f"expected a date YYYY-MM-DD, got {value!r}") from err


def _share(value: Any) -> Decimal:
    number = _decimal(value)
    if not 0 < number <= 1:
        raise vol.Invalid(f"expected a share above 0 and at most 1, got {value!r}")
    return number


def _periods_ordered(periods: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for position in range(1, len(periods)):
        if periods[position]["from"] <= periods[position - 1]["from"]:
            raise vol.Invalid(
                f"must be after the previous period's {periods[position - 1]['from']}",
                path=[position, "from"],
            )
    return periods


def _tiers_ordered(tiers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    previous = Decimal(0)
    for position, tier in enumerate(tiers):
        limit = tier.get("up_to")
        last = position == len(tiers) - 1
        if limit is None and not last:
            raise vol.Invalid("only the last tier may be unbounded", path=[position, "up_to"])
        if limit is not None and last:
            raise vol.Invalid("the last tier must be unbounded (omit up_to)", path=[position])
        if limit is not None and limit <= previous:
            raise vol.Invalid(
                f"must be above the previous tier's limit {previous}", path=[position, "up_to"]
            )
        previous = limit if limit is not None else previous
    return tiers


TIERS = vol.All(
    [{vol.Optional("up_to"): _positive, vol.Required("price"): _decimal}],
    vol.Length(min=1),
    _tiers_ordered,
)
MONTHS = vol.All([vol.All(int, vol.Range(min=1, max=12))], vol.Length(min=1))
RULE = {
    vol.Required("name"): _name,
    vol.Optional("months"): MONTHS,
    vol.Optional("days", default="all"): vol.In(DAY_TYPES),
    vol.Optional("start", default="00:00"): _minute,
    vol.Optional("end", default="24:00"): _minute,
}
PRICED_RULE = {
    **RULE,
    vol.Exclusive("price", "price"): _decimal,
    vol.Exclusive("tiers", "price"): TIERS,
}
CHARGE = {
    vol.Required("name"): str,
    vol.Required("amount"): _decimal,
    vol.Optional("per", default="cycle"): vol.In(["day", "cycle", "month"]),
}

SCHEMA = vol.Schema(
    {
        vol.Required("name"): vol.All(str, vol.Length(min=1)),
        vol.Required("currency"): vol.Match(
            r"^[A-Z]{3}$", msg="expected an ISO 4217 code like USD"
        ),
        vol.Required("timezone"): _zone,
        vol.Optional("commodity", default="electricity"): vol.In([c.value for c in Commodity]),
        vol.Optional("unit"): vol.In([UNIT_ENERGY, UNIT_VOLUME]),
        vol.Optional("conversion"): vol.All(
            [
                {
                    vol.Required("from"): _date,
                    vol.Required("calorific_value"): _positive,
                    vol.Optional("volume_correction", default=1): _positive,
                }
            ],
            vol.Length(min=1),
            _periods_ordered,
        ),
        vol.Optional("sewage"): {
            vol.Optional("name", default="sewage"): _name,
            vol.Required("price"): _decimal,
            vol.Optional("share", default=1): _share,
        },
        vol.Optional("cycle_day", default=1): vol.All(int, vol.Range(min=1, max=MAX_CYCLE_DAY)),
        vol.Optional("holidays", default={}): {
            vol.Optional("dates", default=[]): [_date],
            vol.Optional("country"): str,
            vol.Optional("subdivision"): str,
            vol.Optional("as_weekend", default=True): bool,
        },
        vol.Required("energy"): {
            vol.Exclusive("price", "energy"): _decimal,
            vol.Exclusive("periods", "energy"): vol.All([PRICED_RULE], vol.Length(min=1)),
            vol.Optional("tiers", default={}): {
                vol.Optional("unit", default="cycle"): vol.In([u.value for u in TierUnit]),
                vol.Optional("rule", default="chronological"): vol.In([r.value for r in TierRule]),
            },
            vol.Optional("dynamic", default=False): bool,
        },
        vol.Optional("surcharges", default=[]): [
            {
                vol.Required("name"): str,
                vol.Required("per_kwh"): _decimal,
                vol.Optional("basis", default="import"): vol.In([b.value for b in SurchargeBasis]),
            }
        ],
        vol.Optional("fixed", default=[]): [CHARGE],
        vol.Optional("minimum"): {
            vol.Required("amount"): _non_negative,
            vol.Optional("per", default="cycle"): vol.In(["day", "cycle", "month"]),
            vol.Optional("compare", default="after_credit"): vol.In(
                [c.value for c in MinimumCompare]
            ),
            vol.Optional("excess_credit", default="forfeit"): vol.In(
                [e.value for e in ExcessCredit]
            ),
        },
        vol.Optional("taxes", default=[]): [
            {
                vol.Required("name"): str,
                vol.Required("percent"): _decimal,
                vol.Optional("components", default=[c.value for c in Component]): vol.All(
                    [vol.In([c.value for c in Component])], vol.Length(min=1)
                ),
                vol.Optional("negative", default=True): bool,
                vol.Optional("compound", default=False): bool,
            }
        ],
        vol.Optional("demand"): {
            vol.Optional("window_minutes", default=15): vol.In(WINDOW_MINUTES),
            vol.Optional("sliding", default=False): bool,
            vol.Optional("seasons", default="prorated"): vol.In([s.value for s in DemandSeasons]),
            vol.Optional("flat", default=[]): [
                {
                    vol.Optional("months"): MONTHS,
                    vol.Exclusive("price", "price"): _decimal,
                    vol.Exclusive("tiers", "price"): TIERS,
                }
            ],
            vol.Optional("periods"): vol.All([PRICED_RULE], vol.Length(min=1)),
        },
        vol.Optional("export"): {
            vol.Required("rule"): vol.In([r.value for r in ExportRule]),
            vol.Exclusive("price", "export"): _decimal,
            vol.Exclusive("periods", "export"): vol.All(
                [{**RULE, vol.Required("price"): _decimal}], vol.Length(min=1)
            ),
            vol.Optional("dynamic", default=False): bool,
        },
        vol.Optional("carbon"): {
            vol.Exclusive("intensity", "carbon"): _non_negative,
            vol.Exclusive("periods", "carbon"): vol.All(
                [{**RULE, vol.Required("intensity"): _non_negative}], vol.Length(min=1)
            ),
            vol.Exclusive("series", "carbon"): vol.Equal(True, msg="set series: true or omit it"),
        },
    }
)


def _path(parts: list[Any]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text or "tariff"


def _fail(path: str, message: str) -> TariffError:
    return TariffError(f"{path}: {message}")


def _tiers(spec: Mapping[str, Any], path: str) -> Tiers:
    if "tiers" in spec:
        return tuple(Tier(t.get("up_to"), t["price"]) for t in spec["tiers"])
    if "price" in spec:
        return (Tier(None, spec["price"]),)
    raise _fail(path, "give a price or tiers")


def _schedule[T](
    specs: list[dict[str, Any]],
    path: str,
    value: Callable[[dict[str, Any], str], T],
    *,
    complete: bool,
) -> Schedule[T]:
    rules = tuple(
        Rule(
            index,
            spec["name"],
            frozenset(spec.get("months", ALL_MONTHS)),
            spec["days"],
            spec["start"],
            spec["end"],
            value(spec, f"{path}[{index}]"),
        )
        for index, spec in enumerate(specs)
    )
    try:
        return Schedule(rules, path, complete=complete)
    except ScheduleError as err:
        raise TariffError(str(err)) from err


def _per(text: str) -> Per:
    return Per.DAY if text == "day" else Per.CYCLE


def _holidays(spec: Mapping[str, Any]) -> HolidayCalendar:
    country = spec.get("country")
    subdivision = spec.get("subdivision")
    if country is not None:
        try:
            holidays_lib.country_holidays(country, subdiv=subdivision, years=2000)
        except NotImplementedError as err:
            known = country in holidays_lib.list_supported_countries()
            field = "holidays.subdivision" if subdivision and known else "holidays.country"
            raise _fail(field, f"no holiday calendar: {err}") from err
    return HolidayCalendar(frozenset(spec["dates"]), country, subdivision, spec["as_weekend"])


def _minimum(spec: Mapping[str, Any]) -> Minimum:
    return Minimum(
        spec["amount"],
        _per(spec["per"]),
        MinimumCompare(spec["compare"]),
        ExcessCredit(spec["excess_credit"]),
    )


def _demand(spec: Mapping[str, Any]) -> Demand:
    flat = []
    taken: dict[int, int] = {}
    for index, entry in enumerate(spec["flat"]):
        months = frozenset(entry.get("months", ALL_MONTHS))
        for month in months:
            if month in taken:
                raise _fail(
                    f"demand.flat[{index}].months",
                    f"month {month} is already charged by demand.flat[{taken[month]}]",
                )
            taken[month] = index
        flat.append(FlatDemand(months, _tiers(entry, f"demand.flat[{index}]")))
    periods = None
    if "periods" in spec:
        periods = _schedule(spec["periods"], "demand.periods", _tiers, complete=False)
    return Demand(
        spec["window_minutes"],
        tuple(flat),
        periods,
        sliding=spec["sliding"],
        seasons=DemandSeasons(spec["seasons"]),
    )


def _export(spec: Mapping[str, Any], *, dynamic_energy: bool) -> Export:
    rule = ExportRule(spec["rule"])
    if "periods" in spec:
        prices = _schedule(
            spec["periods"], "export.periods", lambda s, _: s["price"], complete=True
        )
    elif "price" in spec:
        prices = single("export", spec["price"], "export.price")
    else:
        raise _fail("export", "give a price or periods")
    if rule is ExportRule.NET_METERING and ("periods" in spec or spec["dynamic"] or dynamic_energy):
        raise _fail(
            "export.rule",
            "net_metering nets kWh per period over the cycle: it needs one fixed export price "
            "and fixed energy prices (use net_billing for time-varying prices)",
        )
    return Export(rule, prices, spec["dynamic"])


def _carbon(spec: Mapping[str, Any]) -> Carbon:
    if "periods" in spec:
        schedule = _schedule(
            spec["periods"], "carbon.periods", lambda s, _: s["intensity"], complete=True
        )
        return Carbon(schedule, series=False)
    if "intensity" in spec:
        return Carbon(single("carbon", spec["intensity"], "carbon.intensity"), series=False)
    if spec.get("series"):
        return Carbon(None, series=True)
    raise _fail("carbon", "give intensity, periods or series: true")


def _unit(spec: Mapping[str, Any], commodity: Commodity) -> str:
    """Return what the tariff's prices are per, checking it fits the commodity."""
    default = UNIT_ENERGY if commodity is Commodity.ELECTRICITY else UNIT_VOLUME
    if commodity is Commodity.GAS and "conversion" in spec:
        default = UNIT_ENERGY
    unit: str = spec.get("unit", default)
    if commodity is Commodity.ELECTRICITY and unit != UNIT_ENERGY:
        raise _fail("unit", "electricity is priced per kWh")
    if commodity is Commodity.WATER and unit != UNIT_VOLUME:
        raise _fail("unit", "water is priced per m³")
    return unit


def _check_commodity(spec: Mapping[str, Any], commodity: Commodity, unit: str) -> None:
    """Refuse the sections a tariff of COMMODITY, priced per UNIT, cannot have."""
    if commodity is not Commodity.ELECTRICITY:
        for section in _ELECTRICITY_ONLY:
            if section in spec:
                raise _fail(section, f"a {commodity} tariff has no {section}")
        if spec["energy"]["dynamic"]:
            raise _fail("energy.dynamic", f"a {commodity} tariff has fixed prices")
    if "conversion" in spec and (commodity is not Commodity.GAS or unit != UNIT_ENERGY):
        raise _fail("conversion", "only a gas tariff priced per kWh converts m³ into kWh")
    if "sewage" in spec and commodity is not Commodity.WATER:
        raise _fail("sewage", "only a water tariff charges sewage")


def _surcharges(spec: Mapping[str, Any]) -> tuple[Surcharge, ...]:
    surcharges = [
        Surcharge(s["name"], s["per_kwh"], SurchargeBasis(s["basis"])) for s in spec["surcharges"]
    ]
    if (sewage := spec.get("sewage")) is not None:
        surcharges.append(Surcharge(sewage["name"], sewage["price"], share=sewage["share"]))
    return tuple(surcharges)


def build_tariff(data: Any) -> Tariff:
    """Validate a tariff definition (parsed YAML/JSON) and build the `Tariff`."""
    try:
        spec = SCHEMA(data)
    except vol.MultipleInvalid as err:
        first = min(err.errors, key=lambda e: [str(p) for p in e.path])
        raise _fail(_path(first.path), first.msg) from err
    commodity = Commodity(spec["commodity"])
    unit = _unit(spec, commodity)
    _check_commodity(spec, commodity, unit)
    energy = spec["energy"]
    if "periods" in energy:
        schedule = _schedule(energy["periods"], "energy.periods", _tiers, complete=True)
    elif "price" in energy:
        schedule = single("energy", (Tier(None, energy["price"]),), "energy.price")
    else:
        raise _fail("energy", "give a price or periods")
    return Tariff(
        name=spec["name"],
        currency=spec["currency"],
        zone=spec["timezone"],
        cycle_day=spec["cycle_day"],
        holidays=_holidays(spec["holidays"]),
        energy=schedule,
        tier_unit=TierUnit(energy["tiers"]["unit"]),
        tier_rule=TierRule(energy["tiers"]["rule"]),
        dynamic=energy["dynamic"],
        surcharges=_surcharges(spec),
        fixed=tuple(Charge(f["name"], f["amount"], _per(f["per"])) for f in spec["fixed"]),
        minimum=_minimum(spec["minimum"]) if "minimum" in spec else None,
        taxes=tuple(
            Tax(
                t["name"],
                t["percent"],
                frozenset(Component(c) for c in t["components"]),
                negative=t["negative"],
                compound=t["compound"],
            )
            for t in spec["taxes"]
        ),
        demand=_demand(spec["demand"]) if "demand" in spec else None,
        export=(
            _export(spec["export"], dynamic_energy=energy["dynamic"]) if "export" in spec else None
        ),
        carbon=_carbon(spec["carbon"]) if "carbon" in spec else None,
        commodity=commodity,
        unit=unit,
        conversion=tuple(
            CalorificPeriod(p["from"], p["calorific_value"], p["volume_correction"])
            for p in spec.get("conversion", [])
        ),
    )


def read_definition(path: Path) -> Any:
    """Parse a tariff file: JSON by its `.json` suffix, YAML otherwise."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise TariffError(f"cannot read tariff file {path}: {err.strerror}") from err
    try:
        return json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as err:
        raise TariffError(
            f"{path} is not valid {path.suffix.lstrip('.').upper() or 'YAML'}: {err}"
        ) from err
