"""Import OpenEI Utility Rate Database (URDB) rate JSON as a native tariff definition.

Supported: energyratestructure with the weekday/weekend schedules (tiers, `adj` added to `rate`,
`sell` as the export price), demandratestructure with its schedules, flatdemandstructure with
flatdemandmonths, fixedchargefirstmeter/fixedmonthlycharge, mincharge, net metering or net billing
(dgrules or usenetmetering). Every other field with a value is listed in `unsupported`, so the
user sees what the imported tariff leaves out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from .model import TariffError
from .schedule import clock

MONTHS = 12
HOURS = 24
# Descriptive fields that do not change a bill.
METADATA = frozenset(
    {
        "label", "uri", "name", "utility", "utility_name", "eiaid", "sector", "description",
        "source", "sourceparent", "startdate", "enddate", "supersedes", "approved", "is_default",
        "country", "servicetype", "revisions", "latest_update", "peakkwcapacitymin",
        "peakkwcapacitymax", "peakkwcapacityhistory", "peakkwhusagemin", "peakkwhusagemax",
        "peakkwhusagehistory", "voltageminimum", "voltagemaximum", "voltagecategory",
        "phasewiring", "energycomments", "demandcomments", "basicinformationcomments",
        "demandrateunit", "flatdemandunit", "demandunits", "energykeyvals", "demandkeyvals",
        "fixedkeyvals", "date_updated", "creationdate",
    }
)  # fmt: skip
HANDLED = frozenset(
    {
        "energyratestructure", "energyweekdayschedule", "energyweekendschedule",
        "demandratestructure", "demandweekdayschedule", "demandweekendschedule",
        "flatdemandstructure", "flatdemandmonths", "fixedchargefirstmeter", "fixedchargeunits",
        "fixedmonthlycharge", "mincharge", "minchargeunits", "usenetmetering", "dgrules",
        "demandwindow",
    }
)  # fmt: skip
PER = {"$/month": "cycle", "$/day": "day"}
NET_BILLING_RULES = ("Net Billing Instantaneous", "Buy All Sell All")


@dataclass(frozen=True, slots=True)
class UrdbImport:
    """The native definition built from a URDB rate, and the URDB fields it could not carry."""

    definition: dict[str, Any]
    unsupported: tuple[str, ...]


def is_urdb(data: Any) -> bool:
    """Whether parsed JSON looks like a URDB rate (or a URDB API answer with one item)."""
    if isinstance(data, Mapping) and isinstance(data.get("items"), list):
        return True
    return isinstance(data, Mapping) and "energyratestructure" in data


def _number(value: Any, path: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TariffError(f"{path}: expected a number, got {value!r}")
    try:
        number = Decimal(str(value))
    except InvalidOperation as err:
        raise TariffError(f"{path}: expected a number, got {value!r}") from err
    if not number.is_finite():
        raise TariffError(f"{path}: expected a finite number, got {value!r}")
    return number


def _matrix(rate: Mapping[str, Any], key: str, periods: int) -> list[list[int]]:
    matrix = rate.get(key)
    if not (isinstance(matrix, list) and len(matrix) == MONTHS):
        raise TariffError(f"{key}: expected 12 months of 24 hourly period numbers")
    for month, row in enumerate(matrix):
        if not (isinstance(row, list) and len(row) == HOURS):
            raise TariffError(f"{key}[{month}]: expected 24 hourly period numbers")
        for hour, period in enumerate(row):
            if not (isinstance(period, int) and 0 <= period < periods):
                raise TariffError(
                    f"{key}[{month}][{hour}]: period {period!r} is not in the rate structure "
                    f"(0 to {periods - 1})"
                )
    return matrix


def _rules(
    rate: Mapping[str, Any],
    prefix: str,
    periods: int,
    value: Callable[[int], dict[str, Any]],
) -> list[dict[str, Any]]:
    """Turn weekday/weekend 12x24 matrices into schedule rules, months with equal days merged."""
    rules = []
    for days in ("weekday", "weekend"):
        matrix = _matrix(rate, f"{prefix}{days}schedule", periods)
        groups: dict[tuple[int, ...], list[int]] = {}
        for month, hours in enumerate(matrix, start=1):
            groups.setdefault(tuple(hours), []).append(month)
        for row, months in groups.items():
            hour = 0
            while hour < HOURS:
                end = hour
                while end < HOURS and row[end] == row[hour]:
                    end += 1
                rules.append(
                    {
                        "name": f"period {row[hour] + 1}",
                        "months": months,
                        "days": days,
                        "start": clock(hour * 60),
                        "end": clock(end * 60),
                        **value(row[hour]),
                    }
                )
                hour = end
    return rules


def _tiers(structure: Any, path: str, units: set[str]) -> list[list[dict[str, Any]]]:
    if not (isinstance(structure, list) and structure):
        raise TariffError(f"{path}: expected a list of periods, each a list of tiers")
    out = []
    for number, period in enumerate(structure):
        if not (isinstance(period, list) and period):
            raise TariffError(f"{path}[{number}]: expected a list of tiers")
        tiers = []
        for index, tier in enumerate(period):
            where = f"{path}[{number}][{index}]"
            price = _number(tier.get("rate", 0), f"{where}.rate")
            price += _number(tier.get("adj", 0), f"{where}.adj")
            entry: dict[str, Any] = {"price": str(price)}
            if "max" in tier and index < len(period) - 1:
                entry["up_to"] = str(_number(tier["max"], f"{where}.max"))
            if "unit" in tier:
                units.add(str(tier["unit"]))
            tiers.append(entry)
        out.append(tiers)
    return out


def _priced(tiers: list[dict[str, Any]]) -> dict[str, Any]:
    return {"tiers": tiers} if len(tiers) > 1 else {"price": tiers[0]["price"]}


def _energy(rate: Mapping[str, Any]) -> dict[str, Any]:
    units: set[str] = set()
    structure = _tiers(rate.get("energyratestructure"), "energyratestructure", units)
    unit = {"kWh": "cycle", "kWh daily": "day"}
    if len(units) > 1 or not units <= unit.keys():
        raise TariffError(
            f"energyratestructure: tier unit {', '.join(sorted(units))} is not supported "
            "(kWh or kWh daily)"
        )
    return {
        "periods": _rules(rate, "energy", len(structure), lambda p: _priced(structure[p])),
        "tiers": {"unit": unit[units.pop()] if units else "cycle", "rule": "chronological"},
    }


def _sell_rates(rate: Mapping[str, Any], unsupported: list[str]) -> list[Decimal]:
    """Return each energy period's export price (its tiers' `sell`)."""
    out = []
    for number, period in enumerate(rate["energyratestructure"]):
        sells = {
            _number(t["sell"], f"energyratestructure[{number}].sell") for t in period if "sell" in t
        }
        if len(sells) > 1:
            unsupported.append(f"energyratestructure[{number}].sell (differs between tiers)")
        out.append(max(sells) if sells else Decimal(0))
    return out


def _export(rate: Mapping[str, Any], unsupported: list[str]) -> dict[str, Any]:
    sells = _sell_rates(rate, unsupported)
    rules = str(rate.get("dgrules", ""))
    net_metering = rate.get("usenetmetering") is True or rules == "Net Metering"
    if rules and rules != "Net Metering" and rules not in NET_BILLING_RULES:
        unsupported.append(f"dgrules ({rules!r} is billed as net billing per interval)")
    if net_metering:
        if len(set(sells)) > 1:
            unsupported.append("energyratestructure sell (net metering takes one export price)")
        return {"rule": "net_metering", "price": str(max(sells))}
    periods = _rules(rate, "energy", len(sells), lambda p: {"price": str(sells[p])})
    return {"rule": "net_billing", "periods": periods}


def _demand(rate: Mapping[str, Any], unsupported: list[str]) -> dict[str, Any] | None:
    demand: dict[str, Any] = {}
    window = rate.get("demandwindow")
    if window is not None:
        if window not in (15, 30, 60):
            unsupported.append(f"demandwindow ({window} minutes; 15 used)")
        else:
            demand["window_minutes"] = window
    units: set[str] = set()
    if "demandratestructure" in rate:
        structure = _tiers(rate["demandratestructure"], "demandratestructure", units)
        demand["periods"] = [
            {**rule, "name": f"demand {rule['name']}"}
            for rule in _rules(rate, "demand", len(structure), lambda p: _priced(structure[p]))
        ]
    if "flatdemandstructure" in rate:
        flat = _tiers(rate["flatdemandstructure"], "flatdemandstructure", units)
        months = rate.get("flatdemandmonths", [0] * MONTHS)
        if not (isinstance(months, list) and len(months) == MONTHS):
            raise TariffError("flatdemandmonths: expected 12 period numbers")
        for index, tiers in enumerate(flat):
            chosen = [m for m, period in enumerate(months, start=1) if period == index]
            if chosen:
                demand.setdefault("flat", []).append({"months": chosen, **_priced(tiers)})
    if units - {"kW"}:
        raise TariffError(f"demand tier unit {', '.join(sorted(units - {'kW'}))} is not supported")
    return demand if "periods" in demand or "flat" in demand else None


def _charge(
    rate: Mapping[str, Any], key: str, units_key: str, unsupported: list[str]
) -> dict[str, Any] | None:
    if rate.get(key) in (None, 0):
        return None
    units = str(rate.get(units_key, "$/month"))
    if units not in PER:
        unsupported.append(f"{key} ({units} is not supported: $/month or $/day)")
        return None
    return {"amount": str(_number(rate[key], key)), "per": PER[units]}


def import_urdb(data: Any, timezone: str) -> UrdbImport:
    """Convert a URDB rate (URDB has no time zone: give the utility's) to a native definition."""
    rate = data
    if isinstance(data, Mapping) and isinstance(data.get("items"), list):
        if len(data["items"]) != 1:
            raise TariffError(f"items: expected one URDB rate, got {len(data['items'])}")
        rate = data["items"][0]
    if not isinstance(rate, Mapping):
        raise TariffError("expected a URDB rate object")
    unsupported = sorted(
        key for key, value in rate.items()
        if key not in METADATA and key not in HANDLED and value not in (None, "", [], {}, 0)
    )  # fmt: skip
    name = " - ".join(str(rate[k]) for k in ("utility", "name") if rate.get(k)) or "URDB rate"
    definition: dict[str, Any] = {
        "name": name,
        "currency": "USD",
        "timezone": timezone,
        "energy": _energy(rate),
        "export": _export(rate, unsupported),
    }
    demand = _demand(rate, unsupported)
    if demand is not None:
        definition["demand"] = demand
    fixed = _charge(rate, "fixedchargefirstmeter", "fixedchargeunits", unsupported)
    if fixed is None and rate.get("fixedmonthlycharge"):
        fixed = {"amount": str(_number(rate["fixedmonthlycharge"], "fixedmonthlycharge"))}
    if fixed is not None:
        definition["fixed"] = [{"name": "fixed charge", **fixed}]
    minimum = _charge(rate, "mincharge", "minchargeunits", unsupported)
    if minimum is not None:
        definition["minimum"] = minimum
    return UrdbImport(definition, tuple(unsupported))
