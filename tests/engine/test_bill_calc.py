"""The bill calculation, against hand-computed cases."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from aetherlens_engine.tariffs import (
    BillInputError,
    CycleBill,
    DeviceCost,
    Interval,
    Series,
    bill,
    build_tariff,
    interval_rates,
)
from aetherlens_engine.tariffs.calendar import cycle_start, next_cycle_start

D = Decimal


def tariff(timezone: str = "UTC", **extra: Any) -> Any:
    """A tariff with sensible defaults, overridden by `extra`."""
    return build_tariff(
        {"name": "test", "currency": "USD", "timezone": timezone, "energy": {"price": "0.10"}}
        | extra
    )


def tou_energy(**extra: Any) -> dict[str, Any]:
    """off 0.20 all day, a night hour 02:00-03:00 at 0.10, peak 16:00-21:00 at 0.40."""
    return {
        "periods": [
            {"name": "off", "end": "02:00", "price": "0.20"},
            {"name": "night", "start": "02:00", "end": "03:00", "price": "0.10"},
            {"name": "off", "start": "03:00", "end": "16:00", "price": "0.20"},
            {"name": "peak", "start": "16:00", "end": "21:00", "price": "0.40"},
            {"name": "off", "start": "21:00", "price": "0.20"},
        ],
        **extra,
    }


def steps(start: datetime, count: int, minutes: int, kwh: str | Sequence[str]) -> list[Interval]:
    """`count` intervals of `minutes` from `start`, each with `kwh` (or one value each)."""
    values = [kwh] * count if isinstance(kwh, str) else list(kwh)
    step = timedelta(minutes=minutes)
    return [Interval(start + i * step, start + (i + 1) * step, D(v)) for i, v in enumerate(values)]


def local(zone: str, year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def by_period(cycle: CycleBill) -> dict[str, tuple[Decimal, Decimal]]:
    out: dict[str, tuple[Decimal, Decimal]] = {}
    for line in cycle.energy:
        kwh, cost = out.get(line.period, (D(0), D(0)))
        out[line.period] = (kwh + line.kwh, cost + line.cost)
    return out


@pytest.mark.parametrize(
    ("zone", "day", "hours", "night_kwh", "total"),
    [
        # 23 hours: 02:00-03:00 does not exist: 18 off-peak hours at 0.20 + 5 peak at 0.40.
        ("America/Los_Angeles", date(2024, 3, 10), 23, "0", "5.60"),
        # 25 hours: 01:00-02:00 twice (off-peak, 19 h); the night hour 02:00-03:00 once.
        ("America/Los_Angeles", date(2024, 11, 3), 25, "1", "5.90"),
        ("Europe/Berlin", date(2024, 3, 31), 23, "0", "5.60"),
        # 02:00-03:00 is the repeated hour in Berlin: two night hours, 18 off-peak.
        ("Europe/Berlin", date(2024, 10, 27), 25, "2", "5.80"),
    ],
)
def test_dst_days(zone: str, day: date, hours: int, night_kwh: str, total: str) -> None:
    start = local(zone, day.year, day.month, day.day)
    following = day + timedelta(days=1)
    end = local(zone, following.year, following.month, following.day)
    assert end - start == timedelta(hours=hours)
    # 15-minute data, 0.25 kWh each: 1 kWh per real hour.
    load = steps(start, hours * 4, 15, "0.25")
    result = bill(tariff(zone, energy=tou_energy()), load)
    assert len(result.cycles) == 1
    periods = by_period(result.cycles[0])
    assert periods["peak"] == (D(5), D("2.00"))
    assert periods.get("night", (D(0), D(0)))[0] == D(night_kwh)
    assert periods["off"][0] == hours - 5 - D(night_kwh)
    assert result.total == D(total)


def test_la_fall_back_repeated_hour_priced_twice() -> None:
    """In Los Angeles 01:00-02:00 repeats on 2024-11-03: a period there gets both hours."""
    energy = tou_energy()
    energy["periods"][0] = {"name": "off", "end": "01:00", "price": "0.20"}
    energy["periods"].insert(1, {"name": "late", "start": "01:00", "end": "02:00", "price": "1"})
    start = local("America/Los_Angeles", 2024, 11, 3)
    result = bill(tariff("America/Los_Angeles", energy=energy), steps(start, 25, 60, "1"))
    assert by_period(result.cycles[0])["late"] == (D(2), D(2))


def test_straddling_intervals_split_by_time() -> None:
    start = datetime(2024, 5, 6, 15, 30, tzinfo=UTC)
    load = [
        Interval(start, start + timedelta(hours=1), D(2)),  # 15:30-16:30: half off, half peak
        Interval(start + timedelta(hours=4), start + timedelta(hours=7), D(3)),  # 19:30-22:30
    ]
    periods = by_period(bill(tariff(energy=tou_energy()), load).cycles[0])
    assert periods["peak"] == (D("2.5"), D("1.00"))
    assert periods["off"] == (D("2.5"), D("0.50"))


def test_tier_crossing_inside_one_interval() -> None:
    energy_def = {
        "periods": [{"name": "all", "tiers": [{"up_to": 10, "price": "0.10"}, {"price": "0.30"}]}]
    }
    load = steps(datetime(2024, 5, 1, tzinfo=UTC), 2, 60, ["8", "4"])
    cycle = bill(tariff(energy=energy_def), load).cycles[0]
    assert [(line.tier, line.kwh, line.cost) for line in cycle.energy] == [
        (1, D(10), D("1.00")),
        (2, D(2), D("0.60")),
    ]
    assert cycle.total == D("1.60")


def test_tiers_per_day_scale_with_the_cycle() -> None:
    energy_def = {
        "periods": [{"name": "all", "tiers": [{"up_to": 1, "price": "0.10"}, {"price": "0.30"}]}],
        "tiers": {"unit": "day"},
    }
    load = steps(datetime(2024, 4, 1, tzinfo=UTC), 40, 60, "1")  # April: 30 days
    cycle = bill(tariff(energy=energy_def), load).cycles[0]
    assert cycle.cycle.days == 30
    assert [(line.tier, line.kwh) for line in cycle.energy] == [(1, D(30)), (2, D(10))]
    assert cycle.total == D("6.00")


def test_prorated_tiers_share_every_period() -> None:
    energy_def = {
        "periods": [
            {
                "name": "off",
                "end": "16:00",
                "tiers": [{"up_to": 10, "price": "0.2"}, {"price": "0.3"}],
            },
            {
                "name": "peak",
                "start": "16:00",
                "tiers": [{"up_to": 10, "price": "0.4"}, {"price": "0.6"}],
            },
        ],
        "tiers": {"rule": "prorated"},
    }
    load = [
        *steps(datetime(2024, 5, 1, 0, tzinfo=UTC), 15, 60, "1"),
        *steps(datetime(2024, 5, 1, 16, tzinfo=UTC), 5, 60, "1"),
    ]
    cycle = bill(tariff(energy=energy_def), load).cycles[0]
    lines = {(line.period, line.tier): (line.kwh, line.cost) for line in cycle.energy}
    assert lines == {
        ("off", 1): (D("7.5"), D("1.5")),
        ("off", 2): (D("7.5"), D("2.25")),
        ("peak", 1): (D("2.5"), D("1.0")),
        ("peak", 2): (D("2.5"), D("1.5")),
    }
    assert cycle.total == D("6.25")


def test_cycles_start_on_any_day() -> None:
    assert cycle_start(date(2024, 3, 5), 31) == date(2024, 2, 29)
    assert next_cycle_start(date(2024, 2, 29), 31) == date(2024, 3, 31)
    assert cycle_start(date(2024, 1, 14), 15) == date(2023, 12, 15)
    load = steps(datetime(2024, 1, 10, tzinfo=UTC), 41, 1440, "1")  # Jan 10 - Feb 19
    fixed = [{"name": "service", "amount": "1.00", "per": "day"}]
    result = bill(tariff(fixed=fixed, cycle_day=15), load)
    shapes = [(c.cycle.first, c.cycle.days, c.import_kwh, c.total) for c in result.cycles]
    assert shapes == [
        (date(2023, 12, 15), 31, D(5), D("31.50")),
        (date(2024, 1, 15), 31, D(31), D("34.10")),
        (date(2024, 2, 15), 29, D(5), D("29.50")),
    ]
    # The command line's --cycle-day overrides the tariff's.
    assert bill(tariff(fixed=fixed), load, cycle_day=1).cycles[0].cycle.first == date(2024, 1, 1)


def test_cycle_boundary_inside_an_interval() -> None:
    """A daily interval from noon to noon across the cycle start is split at local midnight."""
    start = datetime(2024, 1, 31, 12, tzinfo=UTC)
    result = bill(tariff(), [Interval(start, start + timedelta(days=1), D(4))])
    assert [c.import_kwh for c in result.cycles] == [D(2), D(2)]


def test_holidays_are_priced_as_weekends() -> None:
    energy = {
        "periods": [
            {"name": "off", "end": "16:00", "price": "0.2"},
            {"name": "peak", "start": "16:00", "days": "weekday", "price": "0.4"},
            {"name": "off", "start": "16:00", "days": "weekend", "price": "0.2"},
        ]
    }
    la = "America/Los_Angeles"
    july_4 = steps(local(la, 2024, 7, 4, 17), 1, 60, "1")  # a Thursday
    july_5 = steps(local(la, 2024, 7, 5, 17), 1, 60, "1")
    with_calendar = tariff(la, energy=energy, holidays={"country": "US", "subdivision": "CA"})
    assert bill(with_calendar, july_4).total == D("0.2")
    assert bill(with_calendar, july_5).total == D("0.4")
    assert bill(tariff(la, energy=energy), july_4).total == D("0.4")


def test_fixed_minimum_taxes_surcharges() -> None:
    extra: dict[str, Any] = {
        "fixed": [{"name": "service", "amount": "0.50", "per": "day"}],
        "surcharges": [{"name": "public purpose", "per_kwh": "0.01"}],
        "minimum": {"amount": 25},
        "taxes": [{"name": "utility tax", "percent": 10}],
    }
    load = steps(datetime(2024, 4, 1, tzinfo=UTC), 50, 60, "1")
    cycle = bill(tariff(**extra), load).cycles[0]
    assert cycle.energy_total == D("5.00")
    assert [line.amount for line in cycle.surcharges] == [D("0.50")]
    assert [line.amount for line in cycle.fixed] == [D("15.00")]
    assert cycle.minimum == D("4.50")
    assert [line.amount for line in cycle.taxes] == [D("2.500")]
    assert cycle.total == D("27.50")


def test_demand_windows_are_clock_aligned() -> None:
    demand = {
        "window_minutes": 15,
        "flat": [{"tiers": [{"up_to": 10, "price": 5}, {"price": 8}]}],
        "periods": [{"name": "peak", "start": "16:00", "end": "21:00", "price": 2}],
    }
    start = datetime(2024, 5, 1, 16, tzinfo=UTC)
    # 5-minute data: 3 kWh from 16:05 to 16:20 (36 kW), nothing else.
    load = steps(start, 12, 5, ["0", "3", "3", "3", "0", "0", "0", "0", "0", "0", "0", "0"])
    cycle = bill(tariff(demand=demand), load).cycles[0]
    lines = {line.name: (line.kw, line.window_start, line.cost) for line in cycle.demand}
    # [16:00, 16:15) holds 6 kWh = 24 kW average; a sliding window would have found 36 kW.
    assert lines["flat"] == (D(24), start, D(10 * 5 + 14 * 8))
    assert lines["peak"] == (D(24), start, D(48))
    # The sliding option: a window at every interval start finds 16:05-16:20, 9 kWh = 36 kW.
    sliding = bill(tariff(demand={**demand, "sliding": True}), load).cycles[0]
    lines = {line.name: (line.kw, line.window_start, line.cost) for line in sliding.demand}
    spike = start + timedelta(minutes=5)
    assert lines["flat"] == (D(36), spike, D(10 * 5 + 26 * 8))
    assert lines["peak"] == (D(36), spike, D(72))


def test_demand_windows_follow_a_half_hour_offset_zone() -> None:
    demand = {"window_minutes": 60, "flat": [{"price": 1}]}
    # Kolkata is UTC+05:30: hour windows start at :30 UTC.
    start = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    load = steps(start, 4, 15, ["4", "4", "0", "0"])  # 10:00-10:30 UTC, 15:30-16:00 local
    cycle = bill(tariff("Asia/Kolkata", demand=demand), load).cycles[0]
    (line,) = cycle.demand
    assert line.window_start == datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
    assert line.kw == D(8)


def test_flat_demand_by_month_of_the_cycle() -> None:
    demand = {"flat": [{"months": [6, 7, 8], "price": 10}]}
    may = steps(datetime(2024, 5, 1, tzinfo=UTC), 4, 15, "1")
    june = steps(datetime(2024, 6, 1, tzinfo=UTC), 4, 15, "1")
    assert bill(tariff(demand=demand), may).total == D("0.4")
    assert bill(tariff(demand=demand), june).total == D("40.4")


def test_dynamic_negative_prices_split_inside_an_interval() -> None:
    prices = Series.from_points(
        "price",
        [
            (datetime(2024, 5, 1, 10, 0, tzinfo=UTC), D("0.10")),
            (datetime(2024, 5, 1, 10, 30, tzinfo=UTC), D("-0.05")),
            (datetime(2024, 5, 1, 11, 30, tzinfo=UTC), D("0.20")),
        ],
    )
    energy = {"price": "0.02", "dynamic": True}
    export = {"rule": "net_billing", "price": 0, "dynamic": True}
    load = steps(datetime(2024, 5, 1, 10, tzinfo=UTC), 2, 60, "1")
    exported = steps(datetime(2024, 5, 1, 10, 30, tzinfo=UTC), 1, 60, "2")
    cycle = bill(tariff(energy=energy, export=export), load, export=exported, prices=prices).cycles[
        0
    ]
    # 10:00-10:30 0.5 kWh at 0.12; 10:30-11:30 1 kWh at -0.03; 11:30-12:00 0.5 kWh at 0.22.
    assert cycle.energy_total == D("0.140")
    # Exporting during negative prices costs: 2 kWh at -0.05.
    assert cycle.export_credit == D("-0.10")
    assert cycle.total == D("0.240")
    with pytest.raises(BillInputError, match="price series"):
        bill(tariff(energy=energy), load)
    late = steps(datetime(2024, 5, 1, 13, tzinfo=UTC), 1, 60, "1")
    with pytest.raises(BillInputError, match="has no value at 2024-05-01T13:00"):
        bill(tariff(energy=energy), late, prices=prices)


def test_net_metering_nets_each_period_over_the_cycle() -> None:
    energy = {
        "periods": [
            {"name": "off", "end": "16:00", "price": "0.2"},
            {"name": "peak", "start": "16:00", "price": "0.4"},
        ]
    }
    export = {"rule": "net_metering", "price": "0.05"}
    load = [
        *steps(datetime(2024, 5, 1, 0, tzinfo=UTC), 15, 60, "1"),
        *steps(datetime(2024, 5, 1, 16, tzinfo=UTC), 5, 60, "1"),
    ]
    exported = steps(datetime(2024, 5, 2, 8, tzinfo=UTC), 4, 60, "5")
    cycle = bill(tariff(energy=energy, export=export), load, export=exported).cycles[0]
    # off: 15 in, 20 out -> 5 kWh surplus at 0.05; peak: 5 kWh billed at 0.4.
    assert by_period(cycle) == {"off": (D(0), D(0)), "peak": (D(5), D("2.0"))}
    assert cycle.export_credit == D("0.25")
    assert cycle.total == D("1.75")


def test_net_billing_credits_each_interval() -> None:
    export = {
        "rule": "net_billing",
        "periods": [
            {"name": "day", "end": "12:00", "price": "0.03"},
            {"name": "evening", "start": "12:00", "price": "0.08"},
        ],
    }
    exported = steps(datetime(2024, 5, 1, 11, 30, tzinfo=UTC), 1, 60, "2")
    load = steps(datetime(2024, 5, 1, 0, tzinfo=UTC), 1, 60, "1")
    cycle = bill(tariff(export=export), load, export=exported).cycles[0]
    assert cycle.export_kwh == D(2)
    assert cycle.export_credit == D("0.11")
    with pytest.raises(BillInputError, match="no export section"):
        bill(tariff(), load, export=exported)


def test_carbon_fixed_tou_and_series() -> None:
    load = steps(datetime(2024, 5, 1, 15, tzinfo=UTC), 2, 60, "1")  # 15-16 and 16-17
    fixed = bill(tariff(carbon={"intensity": "0.3"}), load).cycles[0]
    assert fixed.carbon_kg == D("0.6")
    periods = [
        {"name": "clean", "end": "16:00", "intensity": "0.1"},
        {"name": "dirty", "start": "16:00", "intensity": "0.5"},
    ]
    assert bill(tariff(carbon={"periods": periods}), load).cycles[0].carbon_kg == D("0.6")
    series = Series.from_points(
        "carbon",
        [
            (datetime(2024, 5, 1, 15, tzinfo=UTC), D("0.2")),
            (datetime(2024, 5, 1, 16, tzinfo=UTC), D("0.4")),
        ],
    )
    result = bill(tariff(carbon={"series": True}), load, carbon=series)
    assert result.cycles[0].carbon_kg == D("0.6")
    with pytest.raises(BillInputError, match="carbon intensity from a series"):
        bill(tariff(carbon={"series": True}), load)


def test_devices_pay_their_interval_price() -> None:
    energy = {
        "periods": [{"name": "all", "tiers": [{"up_to": 10, "price": "0.10"}, {"price": "0.30"}]}]
    }
    extra: dict[str, Any] = {
        "taxes": [{"name": "tax", "percent": 10}],
        "carbon": {"intensity": "0.5"},
    }
    load = steps(datetime(2024, 5, 1, tzinfo=UTC), 2, 60, ["8", "4"])
    devices = {
        "heater": steps(datetime(2024, 5, 1, tzinfo=UTC), 2, 60, ["4", "2"]),
        "car": steps(datetime(2024, 5, 1, 1, tzinfo=UTC), 1, 60, "2"),
    }
    cycle = bill(tariff(energy=energy, **extra), load, devices=devices).cycles[0]
    # Interval 2 costs 0.80 for 4 kWh (2 at 0.10, 2 at 0.30): 0.20 per kWh.
    costs = {d.device: (d.kwh, d.cost, d.carbon_kg) for d in cycle.devices}
    assert costs == {
        "car": (D(2), D("0.44"), D("1.0")),
        "heater": (D(6), D("0.88"), D("3.0")),
    }
    wrong = {"car": steps(datetime(2024, 5, 1, 0, 30, tzinfo=UTC), 1, 60, "1")}
    with pytest.raises(BillInputError, match="does not match a load interval"):
        bill(tariff(energy=energy), load, devices=wrong)


def test_bad_load_rejected() -> None:
    start = datetime(2024, 5, 1, tzinfo=UTC)
    with pytest.raises(BillInputError, match="negative energy"):
        bill(tariff(), steps(start, 1, 60, "-1"))
    with pytest.raises(BillInputError, match="overlaps the previous interval"):
        bill(tariff(), [*steps(start, 1, 60, "1"), *steps(start, 1, 60, "1")])
    with pytest.raises(BillInputError, match="no load data"):
        bill(tariff(), [])


def test_device_interval_across_a_cycle_start_is_split() -> None:
    energy = {"periods": [{"name": "all", "tiers": [{"up_to": 1, "price": "0.10"},
                                                     {"price": "0.30"}]}]}  # fmt: skip
    start = datetime(2024, 1, 31, 12, tzinfo=UTC)
    load = [Interval(start, start + timedelta(days=1), D(4))]
    devices = {"pump": [Interval(start, start + timedelta(days=1), D(2))]}
    result = bill(tariff(energy=energy), load, devices=devices)
    # January: 2 kWh, 1 at 0.10 and 1 at 0.30 -> 0.20/kWh; February starts the tiers afresh.
    assert [c.devices for c in result.cycles] == [
        (DeviceCost("pump", D(1), D("0.20"), None),),
        (DeviceCost("pump", D(1), D("0.20"), None),),
    ]
    assert [c.energy_total for c in result.cycles] == [D("0.40"), D("0.40")]


def test_day_that_starts_at_one_because_dst_begins_at_midnight() -> None:
    """Sao Paulo 2018-11-04: 00:00 became 01:00, so the day has 23 hours from 01:00 local; a
    period from 21:00 is at 21:00 on the wall clock, not 21 hours after the day's start."""
    periods = [
        {"name": "shoulder", "end": "21:00", "price": "0.05"},
        {"name": "off", "start": "21:00", "end": "23:00", "price": "0.10"},
        {"name": "peak", "start": "23:00", "price": "0.40"},
    ]
    result = bill(
        tariff("America/Sao_Paulo", energy={"periods": periods}),
        steps(local("America/Sao_Paulo", 2018, 11, 4, 1), 23, 60, "1"),
    )
    assert by_period(result.cycles[0]) == {
        "shoulder": (D(20), D("1.00")),
        "off": (D(2), D("0.20")),
        "peak": (D(1), D("0.40")),
    }


def test_interval_in_local_time_across_spring_forward_is_one_hour() -> None:
    """Intervals may carry the tariff zone's tzinfo: 01:00+01:00 to 03:00+02:00 is one hour (the
    wall clock skips 02:00-03:00), all of it before the off-peak 02:20-03:15."""
    berlin = ZoneInfo("Europe/Berlin")
    periods = [
        {"name": "peak", "end": "02:20", "price": "0.4646"},
        {"name": "off", "start": "02:20", "end": "03:15", "price": "0.1023"},
        {"name": "peak", "start": "03:15", "price": "0.4646"},
    ]
    load = [
        Interval(
            datetime(2021, 3, 28, 1, tzinfo=berlin), datetime(2021, 3, 28, 3, tzinfo=berlin), D(1)
        ),
        Interval(
            datetime(2021, 3, 28, 3, tzinfo=berlin), datetime(2021, 3, 28, 4, tzinfo=berlin), D(1)
        ),
    ]
    rates = interval_rates(tariff("Europe/Berlin", energy={"periods": periods}), load)
    assert [rate.price for rate in rates] == [D("0.4646"), D("0.374025")]  # 15 min off, 45 peak


@pytest.mark.parametrize("sliding", [False, True])
def test_times_in_the_zones_tzinfo_bill_as_in_utc(*, sliding: bool) -> None:
    """Irregular intervals across spring-forward, given in Europe/Berlin time: the same bill
    (energy cut by time, demand windows) as the same instants given in UTC."""
    berlin = ZoneInfo("Europe/Berlin")
    definition = {
        "energy": tou_energy(),
        "demand": {"window_minutes": 15, "sliding": sliding, "flat": [{"price": "2"}]},
        "carbon": {"intensity": "0.3"},
    }
    start = local("Europe/Berlin", 2024, 3, 30, 20)
    lengths = [20, 40, 35, 25, 90, 10, 50] * 12
    utc: list[Interval] = []
    for number, minutes in enumerate(lengths):
        end = start + timedelta(minutes=minutes)
        utc.append(Interval(start, end, D(number % 7) / 4))
        start = end
    in_berlin = [Interval(i.start.astimezone(berlin), i.end.astimezone(berlin), i.kwh) for i in utc]
    berlin_tariff = tariff("Europe/Berlin", **definition)
    assert bill(berlin_tariff, in_berlin) == bill(berlin_tariff, utc)
    rates = interval_rates(berlin_tariff, in_berlin)
    assert [r.price for r in rates] == [r.price for r in interval_rates(berlin_tariff, utc)]


def test_prorated_tiers_with_dynamic_prices() -> None:
    """Prorated tiers share each hour's dynamic price like its kWh: half in each tier here."""
    definition: dict[str, Any] = {
        "energy": {
            "periods": [
                {"name": "all", "tiers": [{"up_to": 10, "price": "0.10"}, {"price": "0.20"}]}
            ],
            "tiers": {"rule": "prorated"},
            "dynamic": True,
        }
    }
    start = datetime(2024, 5, 1, tzinfo=UTC)
    prices = Series.from_points(
        "price",
        [(start + timedelta(hours=n), D(v)) for n, v in enumerate(["0.01", "-0.02", "0.03", "0"])],
    )
    load = steps(start, 4, 60, "5")
    cycle = bill(tariff(**definition), load, prices=prices).cycles[0]
    assert [(line.tier, line.kwh, line.cost) for line in cycle.energy] == [
        (1, D(10), D("1.05")),  # 10 kWh at 0.10, and half of 5 kWh x (0.01 - 0.02 + 0.03)
        (2, D(10), D("2.05")),
    ]
    rates = interval_rates(tariff(**definition), load, prices=prices)
    assert [rate.price for rate in rates] == [D("0.16"), D("0.13"), D("0.18"), D("0.15")]


def test_days_given_are_the_one_cycle() -> None:
    """A meter-read cycle of 10 days: daily charges and daily tiers count 10 days; data outside
    the days is refused."""
    daily = tariff(
        energy={"periods": [{"name": "all", "tiers": [{"up_to": 2, "price": "0.10"},
                                                      {"price": "0.20"}]}],
                "tiers": {"unit": "day"}},
        fixed=[{"name": "service", "amount": "1", "per": "day"}],
    )  # fmt: skip
    start = datetime(2024, 3, 5, tzinfo=UTC)
    load = steps(start, 10, 24 * 60, "3")
    result = bill(daily, load, days=(date(2024, 3, 5), date(2024, 3, 15)))
    [cycle] = result.cycles
    assert (cycle.cycle.first, cycle.cycle.end, cycle.cycle.days) == (
        date(2024, 3, 5),
        date(2024, 3, 15),
        10,
    )
    # 30 kWh: 20 at 0.10 (2 a day for 10 days), 10 at 0.20; 10 x 1 service.
    assert [(e.tier, e.kwh, e.cost) for e in cycle.energy] == [(1, D(20), D(2)), (2, D(10), D(2))]
    assert cycle.total == D(14)
    with pytest.raises(BillInputError, match="is not within the days billed, 2024-03-05 to"):
        bill(daily, load, days=(date(2024, 3, 5), date(2024, 3, 10)))
