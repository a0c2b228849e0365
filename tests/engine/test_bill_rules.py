"""Rules of the bill that docs/tariffs.md states and no other test shows on its own."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from aetherlens_engine.tariffs import Interval, bill, build_tariff

D = Decimal


def tariff(timezone: str = "UTC", **extra: Any) -> Any:
    return build_tariff(
        {"name": "rules", "currency": "EUR", "timezone": timezone, "energy": {"price": "0.10"}}
        | extra
    )


def steps(start: datetime, values: list[str], minutes: int = 60) -> list[Interval]:
    step = timedelta(minutes=minutes)
    return [Interval(start + i * step, start + (i + 1) * step, D(v)) for i, v in enumerate(values)]


def test_the_repeated_hour_is_two_demand_windows() -> None:
    # Berlin, 27 Oct 2024: 02:00-03:00 happens twice (00:00 and 01:00 UTC). 3 kWh in the first
    # and 4 kWh in the second are two hour windows, never one of 7 kWh.
    demand = {"window_minutes": 60, "flat": [{"price": 1}]}
    load = steps(datetime(2024, 10, 26, 23, tzinfo=UTC), ["1", "3", "4", "1"], 15 * 4)
    quarter = [
        Interval(i.start + k * timedelta(minutes=15), i.start + (k + 1) * timedelta(minutes=15),
                 i.kwh / 4)
        for i in load
        for k in range(4)
    ]  # fmt: skip
    for data in (load, quarter):  # windows as intervals, and windows of four intervals
        (cycle,) = bill(tariff("Europe/Berlin", demand=demand), data).cycles
        (line,) = cycle.demand
        assert (line.kw, line.window_start) == (D(4), datetime(2024, 10, 27, 1, tzinfo=UTC))


def test_a_sliding_window_belongs_to_the_cycle_at_its_start() -> None:
    # 15-minute windows sliding on 5-minute data: the window from 23:50 on 31 May holds
    # 23:50-00:05, June's first 3 kWh included; it is the first to reach 24 kW, and May's.
    demand = {"window_minutes": 15, "sliding": True, "flat": [{"price": 1}]}
    start = datetime(2024, 5, 31, 23, 45, tzinfo=UTC)
    load = steps(start, ["0", "0", "3", "3", "0"], 5)  # 3 kWh at 23:55 and at 00:00
    may, june = bill(tariff(demand=demand), load).cycles
    assert (may.demand[0].kw, may.demand[0].window_start) == (D(24), start + timedelta(minutes=5))
    # June's windows start at 00:00 (3 kWh: 12 kW) and 00:05.
    assert (june.demand[0].kw, june.demand[0].window_start) == (
        D(12),
        start + timedelta(minutes=15),
    )


def test_a_partly_covered_cycle_keeps_its_whole_days_for_daily_tiers() -> None:
    # Tier 1 up to 2 kWh a day: a 30-day April cycle allows 60 kWh in tier 1, even for a load
    # of two days only (no data for the rest of the cycle).
    energy = {
        "periods": [{"name": "all", "tiers": [{"up_to": 2, "price": "0.10"}, {"price": "0.50"}]}],
        "tiers": {"unit": "day"},
    }
    load = steps(datetime(2024, 4, 29, tzinfo=UTC), ["35"] * 2, 1440)  # 70 kWh on 29-30 Apr
    (cycle,) = bill(tariff(energy=energy), load).cycles
    assert cycle.cycle.days == 30
    assert [(e.tier, e.kwh, e.cost) for e in cycle.energy] == [
        (1, D(60), D("6.00")),
        (2, D(10), D("5.00")),
    ]


def test_chronological_tiers_share_one_running_position_across_periods() -> None:
    # Off-peak and peak each have tiers up to 10 kWh; the cycle's position counts both: 8 kWh
    # off-peak, then 4 kWh at peak fill the first tier to 10 and put 2 kWh in peak's tier 2.
    energy = {
        "periods": [
            {"name": "off", "end": "16:00", "tiers": [{"up_to": 10, "price": "0.20"},
                                                      {"price": "0.30"}]},
            {"name": "peak", "start": "16:00", "tiers": [{"up_to": 10, "price": "0.40"},
                                                         {"price": "0.60"}]},
        ]
    }  # fmt: skip
    load = [
        *steps(datetime(2024, 5, 1, 8, tzinfo=UTC), ["8"]),
        *steps(datetime(2024, 5, 1, 17, tzinfo=UTC), ["4"]),
    ]
    (cycle,) = bill(tariff(energy=energy), load).cycles
    assert [(e.period, e.tier, e.kwh, e.cost) for e in cycle.energy] == [
        ("off", 1, D(8), D("1.60")),
        ("peak", 1, D(2), D("0.80")),
        ("peak", 2, D(2), D("1.20")),
    ]


def test_net_billing_does_not_net_import_and_export_of_one_interval() -> None:
    export = {"rule": "net_billing", "price": "0.04"}
    hour = datetime(2024, 5, 1, 12, tzinfo=UTC)
    (cycle,) = bill(tariff(export=export), steps(hour, ["3"]), export=steps(hour, ["2"])).cycles
    # 3 kWh bought at 0.10 and 2 kWh sold at 0.04 in the same hour, not 1 kWh net.
    assert (cycle.energy_total, cycle.export_credit, cycle.total) == (
        D("0.30"),
        D("0.08"),
        D("0.22"),
    )


def test_a_cycle_day_past_a_months_end_is_its_last_day() -> None:
    load = steps(datetime(2024, 2, 10, tzinfo=UTC), ["1"] * 40, 1440)  # 10 Feb - 20 Mar
    cycles = bill(tariff(cycle_day=31), load).cycles
    assert [(c.cycle.first, c.cycle.end) for c in cycles] == [
        (date(2024, 1, 31), date(2024, 2, 29)),
        (date(2024, 2, 29), date(2024, 3, 31)),
    ]


def test_a_window_shortened_by_the_clock_counts_over_its_nominal_length() -> None:
    # Under Lord Howe's 30-minute shift the window 02:00-03:00 lasts 30 minutes: its 3 kWh are
    # 3 kW over the nominal hour, not 6 kW over its real half hour.
    demand = {"window_minutes": 60, "flat": [{"price": 1}]}
    change = datetime(2024, 10, 5, 15, 30, tzinfo=UTC)  # 02:00 +10:30 becomes 02:30 +11:00
    load = steps(change - timedelta(minutes=30), ["1", "3"], 30)
    (cycle,) = bill(tariff("Australia/Lord_Howe", demand=demand), load).cycles
    (line,) = cycle.demand
    assert (line.kw, line.window_start) == (D(3), change)
    assert change.astimezone(ZoneInfo("Australia/Lord_Howe")).hour == 2  # 02:30 local
