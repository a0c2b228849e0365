"""A `Grid` of kWh is billed exactly as the same intervals given one by one."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from aetherlens_engine.tariffs import (
    Bill,
    BillInputError,
    Grid,
    Interval,
    Series,
    bill,
    build_tariff,
    interval_rates,
)

from .test_bill_calc import tou_energy

D = Decimal
BERLIN = ZoneInfo("Europe/Berlin")
# Berlin from mid-March to mid-April: a 23-hour day and a cycle start inside.
START = datetime(2024, 3, 14, 23, tzinfo=UTC)
TARIFFS: dict[str, dict[str, Any]] = {
    "tou tiers demand": {
        "energy": tou_energy(tiers={"rule": "chronological", "unit": "day"})
        | {
            "periods": [
                {
                    "name": "off",
                    "end": "16:00",
                    "tiers": [{"up_to": 9, "price": "0.2"}, {"price": "0.3"}],
                },
                {"name": "peak", "start": "16:00", "end": "21:00", "price": "0.4"},
                {
                    "name": "off",
                    "start": "21:00",
                    "tiers": [{"up_to": 9, "price": "0.2"}, {"price": "0.3"}],
                },
            ]
        },
        "demand": {
            "window_minutes": 60,
            "flat": [{"price": "3"}],
            "periods": [{"name": "peak", "start": "16:00", "end": "21:00", "price": "8"}],
        },
        "fixed": [{"name": "meter", "amount": "9.5"}],
        "taxes": [{"name": "VAT", "percent": "19"}],
        "carbon": {"intensity": "0.4"},
    },
    # A change at 16:45 cuts hourly intervals: the grid's pieces are made as the intervals' are.
    "cut by odd minutes, prorated": {
        "energy": {
            "periods": [
                {"name": "off", "end": "16:45", "price": "0.21"},
                {"name": "peak", "start": "16:45", "price": "0.37"},
            ],
            "tiers": {"rule": "prorated"},
        },
        "demand": {"window_minutes": 15, "flat": [{"price": "2"}]},
    },
    "dynamic with export": {
        "energy": {"price": "0.05", "dynamic": True},
        "export": {"rule": "net_billing", "price": "0.08", "dynamic": True},
        "surcharges": [{"name": "grid fee", "per_kwh": "0.09"}],
    },
}


def kwh_values(count: int, seed: int) -> list[Decimal]:
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    values = [D(rng.randrange(0, 4000)) / 1000 for _ in range(count)]
    values[count // 3] = values[count // 2]  # a tied peak
    return values


def as_intervals(grid: Grid) -> list[Interval]:
    start, step = grid.start, grid.step
    return [
        Interval(start + i * step, start + (i + 1) * step, kwh) for i, kwh in enumerate(grid.kwh)
    ]


def options(name: str, minutes: int) -> dict[str, Any]:
    if name != "dynamic with export":
        return {}
    step = timedelta(minutes=30)  # half-hourly prices: they change inside hourly intervals
    values = kwh_values(2000, 3)
    prices = Series.from_points(
        "price", [(START + i * step, value / 10 - D("0.05")) for i, value in enumerate(values)]
    )
    export = Grid(START, timedelta(minutes=minutes), kwh_values(24 * 60 // minutes * 3, 7))
    return {"prices": prices, "export": export}


def plain(result: Bill) -> Any:
    return repr(result)


@pytest.mark.parametrize("minutes", [15, 60])
@pytest.mark.parametrize("name", list(TARIFFS))
def test_grid_bills_as_its_intervals(name: str, minutes: int) -> None:
    tariff = build_tariff(
        {"name": name, "currency": "EUR", "timezone": "Europe/Berlin"} | TARIFFS[name]
    )
    count = 24 * 60 // minutes * 31
    step = timedelta(minutes=minutes)
    load = Grid(START, step, kwh_values(count, 1))
    devices = {"heat pump": Grid(START, step, [v / 3 for v in load.kwh])}
    extra = options(name, minutes)
    as_list = dict(extra)
    if "export" in extra:
        as_list["export"] = as_intervals(extra["export"])
    by_grid = bill(tariff, load, devices=devices, **extra)
    by_list = bill(
        tariff,
        as_intervals(load),
        devices={"heat pump": as_intervals(devices["heat pump"])},
        **as_list,
    )
    assert plain(by_grid) == plain(by_list)
    assert len(by_grid.cycles) == 2
    assert by_grid.cycles[0].devices[0].kwh > 0
    if "demand" in TARIFFS[name]:
        assert any(line.window_start is not None for line in by_grid.cycles[0].demand)
    assert interval_rates(tariff, load, **extra) == interval_rates(
        tariff, as_intervals(load), **as_list
    )


def test_grid_bad_input_is_named() -> None:
    tariff = build_tariff(
        {"name": "flat", "currency": "EUR", "timezone": "UTC", "energy": {"price": "0.3"}}
    )
    hour = timedelta(hours=1)
    with pytest.raises(
        BillInputError, match=r"load interval 2 \(2024-03-15T01:00:00\+00:00\): negative"
    ):
        bill(tariff, Grid(START, hour, [D(1), D(2), D(-1)]))
    with pytest.raises(BillInputError, match=r"load interval 0 .*time zone"):
        bill(tariff, Grid(START.replace(tzinfo=None), hour, [D(1)]))
    with pytest.raises(BillInputError, match=r"load interval 0 .*ends before it starts"):
        bill(tariff, Grid(START, -hour, [D(1)]))
    with pytest.raises(BillInputError, match=r"device 'dryer' interval 1 .*negative"):
        bill(
            tariff,
            Grid(START, hour, [D(1), D(2)]),
            devices={"dryer": Grid(START, hour, [D(1), D(-2)])},
        )
    # A device grid on other times than the load's must match interval by interval.
    with pytest.raises(BillInputError, match=r"device 'dryer' interval at .* does not match"):
        bill(
            tariff,
            Grid(START, hour, [D(1), D(2)]),
            devices={"dryer": Grid(START + hour / 2, hour, [D(1)])},
        )


def test_grid_is_a_sequence_of_intervals() -> None:
    grid = Grid(START, timedelta(minutes=15), [D(1), D(2), D(3)])
    assert len(grid) == 3
    assert grid[-1] == Interval(START + timedelta(minutes=30), START + timedelta(minutes=45), D(3))
    assert list(grid) == as_intervals(grid) == grid[0:3]
    with pytest.raises(IndexError):
        grid[3]
