"""Demand charges in cycles that span seasons, and windows a clock change shortens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from aetherlens_engine.api.present import command_json
from aetherlens_engine.tariffs import Interval, TariffError, bill, build_tariff
from aetherlens_engine.tariffs.present import bill_to_table

D = Decimal
LA = ZoneInfo("America/Los_Angeles")


def seasonal(**demand: Any) -> Any:
    """Cycle day 17; on-peak demand 16:00-21:00 at $9/kW in Jun-Sep and $3/kW in Oct-May."""
    return build_tariff(
        {
            "name": "seasonal demand",
            "currency": "USD",
            "timezone": "America/Los_Angeles",
            "cycle_day": 17,
            "energy": {"price": "0"},
            "demand": {
                "window_minutes": 60,
                "periods": [
                    {"name": "on-peak", "months": [6, 7, 8, 9], "start": "16:00",
                     "end": "21:00", "price": 9},
                    {"name": "on-peak", "months": [10, 11, 12, 1, 2, 3, 4, 5],
                     "start": "16:00", "end": "21:00", "price": 3},
                ],
                **demand,
            },
        }
    )  # fmt: skip


def cycle_load(minutes: int) -> list[Interval]:
    """17 Sep-17 Oct 2024 (30 days) at 1 kW; 11.2 kW on 20 Sep 17:00, 13.2 kW on 10 Oct 18:00."""
    peaks = {
        datetime(2024, 9, 20, 17, tzinfo=LA): D("11.2"),
        datetime(2024, 10, 10, 18, tzinfo=LA): D("13.2"),
    }
    step = timedelta(minutes=minutes)
    wall = datetime(2024, 9, 17, tzinfo=LA)  # no clock change until November
    out = []
    while wall < datetime(2024, 10, 17, tzinfo=LA):
        kw = peaks.get(wall.replace(minute=0), D(1))
        start = wall.astimezone(UTC)
        out.append(Interval(start, start + step, kw * minutes / 60))
        wall += step
    return out


@pytest.mark.parametrize("minutes", [60, 15])  # one window per interval, and windows of four
def test_a_cycle_spanning_seasons_prorates_each_season_by_its_days(minutes: int) -> None:
    (cycle,) = bill(seasonal(), cycle_load(minutes)).cycles
    assert cycle.cycle.days == 30
    lines = [(d.name, d.kw, d.days, d.cost) for d in cycle.demand]
    # 14 days of September at $9, 16 of October at $3:
    # 11.2 x 9 x 14/30 = 47.04 and 13.2 x 3 x 16/30 = 21.12.
    assert lines == [
        ("on-peak (Jun-Sep)", D("11.2"), 14, D("47.04")),
        ("on-peak (Oct-May)", D("13.2"), 16, D("21.12")),
    ]
    assert sum(d.cost for d in cycle.demand) == D("68.16")
    assert cycle.demand[0].window_start == datetime(2024, 9, 21, 0, tzinfo=UTC)  # 17:00 PDT


def test_the_presented_seasonal_lines_show_their_days() -> None:
    result = bill(seasonal(), cycle_load(60))
    shown = command_json(result)["cycles"][0]["demand"]
    assert [(d["name"], d["kw"], d["days"], d["cost"]) for d in shown] == [
        ("on-peak (Jun-Sep)", "11.200", 14, "47.04"),
        ("on-peak (Oct-May)", "13.200", 16, "21.12"),
    ]
    table = [line.split() for line in bill_to_table(result).splitlines()]
    assert ["demand", "on-peak", "(Jun-Sep)", "(11.200", "kW", "x", "14/30", "days)", "47.04"] in (
        table
    )


@pytest.mark.parametrize("minutes", [60, 15])
def test_cycle_start_reads_the_whole_cycle_in_its_first_season(minutes: int) -> None:
    (cycle,) = bill(seasonal(seasons="cycle_start"), cycle_load(minutes)).cycles
    # The cycle starts on 17 Sep (summer): its highest on-peak window, 13.2 kW, at $9.
    assert [(d.name, d.kw, d.days, d.cost) for d in cycle.demand] == [
        ("on-peak (Jun-Sep)", D("13.2"), 30, D("118.8"))
    ]


def test_a_partly_covered_cycle_keeps_its_seasons_days() -> None:
    # Load from 1 Oct only: no summer window, the winter line still covers its 16 of 30 days.
    load = [i for i in cycle_load(60) if i.start >= datetime(2024, 10, 1, 7, tzinfo=UTC)]
    (cycle,) = bill(seasonal(), load).cycles
    assert [(d.name, d.kw, d.days, d.cost) for d in cycle.demand] == [
        ("on-peak (Oct-May)", D("13.2"), 16, D("21.12"))
    ]


def test_a_period_of_one_price_keeps_its_name_and_whole_cycle() -> None:
    tariff = build_tariff(
        {
            "name": "one price",
            "currency": "USD",
            "timezone": "America/Los_Angeles",
            "cycle_day": 17,
            "energy": {"price": "0"},
            "demand": {
                "window_minutes": 60,
                "periods": [{"name": "on-peak", "start": "16:00", "end": "21:00", "price": 9}],
            },
        }
    )
    (cycle,) = bill(tariff, cycle_load(60)).cycles
    assert [(d.name, d.kw, d.days, d.cost) for d in cycle.demand] == [
        ("on-peak", D("13.2"), 30, D("118.8"))
    ]


def test_an_unknown_seasons_rule_is_refused() -> None:
    with pytest.raises(TariffError, match=r"^demand\.seasons: "):
        seasonal(seasons="calendar")


LORD_HOWE = ZoneInfo("Australia/Lord_Howe")  # clocks move by 30 minutes


def hour_demand() -> Any:
    return build_tariff(
        {
            "name": "hour demand",
            "currency": "AUD",
            "timezone": "Australia/Lord_Howe",
            "energy": {"price": "0"},
            "demand": {"window_minutes": 60, "flat": [{"price": 10}]},
        }
    )


def quarter_hours(start: datetime, end: datetime, peak: datetime) -> list[Interval]:
    """1 kWh per 15 minutes, 5 kWh in the two quarter-hours from PEAK (all UTC)."""
    step = timedelta(minutes=15)
    out = []
    while start < end:
        kwh = D(5) if peak <= start < peak + 2 * step else D(1)
        out.append(Interval(start, start + step, kwh))
        start += step
    return out


def test_a_window_shortened_by_spring_forward_starts_at_the_change() -> None:
    # 6 Oct 2024: 02:00 +10:30 becomes 02:30 +11:00 (15:30 UTC). The window 02:00-03:00 holds
    # only 02:30-03:00; its 10 kWh count over the nominal hour: 10 kW.
    change = datetime(2024, 10, 5, 15, 30, tzinfo=UTC)
    load = quarter_hours(change - timedelta(hours=3), change + timedelta(hours=3), change)
    (cycle,) = bill(hour_demand(), load).cycles
    (line,) = cycle.demand
    assert (line.kw, line.cost) == (D(10), D(100))
    assert line.window_start == change
    assert line.window_start.astimezone(LORD_HOWE).isoformat() == "2024-10-06T02:30:00+11:00"


def test_a_window_shortened_by_fall_back_starts_at_the_change() -> None:
    # 7 Apr 2024: 02:00 +11:00 becomes 01:30 +10:30 (15:00 UTC); the second 01:30-02:00 is
    # the window 01:00-02:00 of the new offset, 30 minutes long.
    change = datetime(2024, 4, 6, 15, 0, tzinfo=UTC)
    load = quarter_hours(change - timedelta(hours=3), change + timedelta(hours=3), change)
    (cycle,) = bill(hour_demand(), load).cycles
    (line,) = cycle.demand
    assert line.kw == D(10)
    assert line.window_start == change
    assert line.window_start.astimezone(LORD_HOWE).isoformat() == "2024-04-07T01:30:00+10:30"
