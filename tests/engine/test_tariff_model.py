"""The native tariff format: what it accepts, and bad tariffs rejected at the field."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from aetherlens_engine.tariffs import TariffError, build_tariff, read_definition
from aetherlens_engine.tariffs.model import ExportRule, TierRule, TierUnit


def tou(**extra: Any) -> dict[str, Any]:
    """A valid TOU tariff to vary."""
    return {
        "name": "TOU",
        "currency": "USD",
        "timezone": "America/Los_Angeles",
        "energy": {
            "periods": [
                {"name": "off", "end": "16:00", "price": 0.2},
                {
                    "name": "peak",
                    "start": "16:00",
                    "end": "21:00",
                    "days": "weekday",
                    "tiers": [{"up_to": 100, "price": 0.4}, {"price": 0.5}],
                },
                {"name": "off", "start": "16:00", "end": "21:00", "days": "weekend", "price": 0.2},
                {"name": "off", "start": "21:00", "price": 0.2},
            ]
        },
        **extra,
    }


def rejected(data: dict[str, Any]) -> str:
    with pytest.raises(TariffError) as caught:
        build_tariff(data)
    return str(caught.value)


def test_valid_tariff_is_built() -> None:
    tariff = build_tariff(tou(cycle_day=15, holidays={"country": "US", "subdivision": "CA"}))
    assert tariff.cycle_day == 15
    assert tariff.tier_rule is TierRule.CHRONOLOGICAL
    assert tariff.tier_unit is TierUnit.CYCLE
    peak = tariff.energy.at(7, 17 * 60, weekend=False)
    assert peak is not None
    assert peak.name == "peak"
    assert [t.up_to for t in peak.value] == [Decimal(100), None]
    weekend = tariff.energy.at(7, 17 * 60, weekend=True)
    assert weekend is not None
    assert weekend.name == "off"
    assert tariff.holidays.is_weekend(date(2024, 7, 4))  # Independence Day, a Thursday
    assert not tariff.holidays.is_weekend(date(2024, 7, 3))


def test_holiday_list_and_as_weekend_off() -> None:
    listed = build_tariff(tou(holidays={"dates": ["2024-07-03"]}))
    assert listed.holidays.is_weekend(date(2024, 7, 3))
    ignored = build_tariff(tou(holidays={"dates": ["2024-07-03"], "as_weekend": False}))
    assert not ignored.holidays.is_weekend(date(2024, 7, 3))


def test_overlapping_periods_name_both() -> None:
    data = tou()
    data["energy"]["periods"][3]["start"] = "20:00"
    message = rejected(data)
    assert message.startswith("energy.periods[3]: overlaps energy.periods[1]")
    assert "20:00" in message


def test_gap_in_schedule_is_located() -> None:
    data = tou()
    data["energy"]["periods"][0]["end"] = "15:30"
    assert rejected(data) == (
        "energy.periods: no period covers month 1 on weekdays from 15:30 to 16:00"
    )


def test_gap_by_month() -> None:
    data = tou()
    for period in data["energy"]["periods"]:
        period["months"] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
    assert "month 12" in rejected(data)


def test_negative_tier_limit() -> None:
    data = tou()
    data["energy"]["periods"][1]["tiers"][0]["up_to"] = -5
    assert rejected(data).startswith("energy.periods[1].tiers[0].up_to: must be positive")


def test_tiers_must_rise_and_end_unbounded() -> None:
    data = tou()
    data["energy"]["periods"][1]["tiers"] = [
        {"up_to": 100, "price": 1},
        {"up_to": 50, "price": 2},
        {"price": 3},
    ]
    assert rejected(data).startswith("energy.periods[1].tiers[1].up_to: must be above")
    data["energy"]["periods"][1]["tiers"] = [{"up_to": 100, "price": 1}]
    assert rejected(data).startswith("energy.periods[1].tiers[0]: the last tier must be unbounded")


def test_unknown_time_zone() -> None:
    assert rejected(tou(timezone="Mars/Olympus")).startswith(
        "timezone: unknown time zone 'Mars/Olympus'"
    )


def test_end_before_start() -> None:
    data = tou()
    data["energy"]["periods"][1]["end"] = "15:00"
    assert rejected(data).startswith("energy.periods[1].end: must be after start 16:00")


def test_bad_fields_named() -> None:
    assert rejected(tou(currency="dollars")).startswith("currency:")
    assert rejected(tou(cycle_day=32)).startswith("cycle_day:")
    assert rejected(tou(holidays={"country": "XX"})).startswith("holidays.country:")
    assert rejected(tou(holidays={"country": "US", "subdivision": "ZZ"})).startswith(
        "holidays.subdivision:"
    )
    data = tou()
    data["energy"]["periods"][2]["start"] = "25:00"
    assert rejected(data).startswith("energy.periods[2].start: expected a time")
    assert rejected(tou(demand={"window_minutes": 20})).startswith("demand.window_minutes:")


def test_flat_demand_months_overlap() -> None:
    demand = {"flat": [{"months": [1, 2], "price": 10}, {"months": [2, 3], "price": 12}]}
    assert rejected(tou(demand=demand)) == (
        "demand.flat[1].months: month 2 is already charged by demand.flat[0]"
    )


def test_demand_periods_may_leave_gaps_but_not_overlap() -> None:
    periods = [{"name": "peak", "start": "16:00", "end": "21:00", "price": 12}]
    tariff = build_tariff(tou(demand={"periods": periods}))
    assert tariff.demand is not None
    assert tariff.demand.periods is not None
    assert tariff.demand.periods.at(1, 60, weekend=False) is None
    periods.append({"name": "late", "start": "20:00", "end": "22:00", "price": 5})
    assert rejected(tou(demand={"periods": periods})).startswith(
        "demand.periods[1]: overlaps demand.periods[0]"
    )


def test_net_metering_needs_fixed_prices() -> None:
    tariff = build_tariff(tou(export={"rule": "net_metering", "price": 0.05}))
    assert tariff.export is not None
    assert tariff.export.rule is ExportRule.NET_METERING
    assert rejected(
        tou(export={"rule": "net_metering", "price": 0.05, "dynamic": True})
    ).startswith("export.rule: net_metering")


def test_read_yaml_and_json(tmp_path: Path) -> None:
    yaml_file = tmp_path / "t.yaml"
    yaml_file.write_text(
        "name: Flat\ncurrency: EUR\ntimezone: Europe/Berlin\nenergy:\n  price: 0.30\n"
        "holidays:\n  dates: [2024-12-24]\n",
        encoding="utf-8",
    )
    tariff = build_tariff(read_definition(yaml_file))
    assert tariff.holidays.is_weekend(date(2024, 12, 24))
    broken = tmp_path / "t.json"
    broken.write_text("{", encoding="utf-8")
    with pytest.raises(TariffError, match="is not valid JSON"):
        read_definition(broken)
    with pytest.raises(TariffError, match="cannot read tariff file"):
        read_definition(tmp_path / "missing.yaml")


def test_yaml_boolean_name_explained(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        "name: TOU\ncurrency: USD\ntimezone: UTC\nenergy:\n  periods:\n"
        "    - {name: off, price: 0.2}\n",
        encoding="utf-8",
    )
    with pytest.raises(TariffError) as caught:
        build_tariff(read_definition(path))
    assert str(caught.value) == (
        'energy.periods[0].name: YAML read this name as false: quote it, e.g. name: "off"'
    )
