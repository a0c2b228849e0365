"""docs/tariff-examples.md: each example tariff file loads and bills to the page's figures."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from aetherlens_engine.tariffs import Interval, Series, Tariff, bill, build_tariff

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "tariffs"
D = Decimal


def example(name: str) -> Tariff:
    """Return the example tariff NAME, built as the engine builds a tariff file."""
    return build_tariff(yaml.safe_load((EXAMPLES / f"{name}.yaml").read_text()))


def steps(start: datetime, count: int, minutes: int, kwh: str) -> list[Interval]:
    step = timedelta(minutes=minutes)
    return [Interval(start + i * step, start + (i + 1) * step, D(kwh)) for i in range(count)]


def test_germany_levies_standing_charge_and_vat() -> None:
    start = datetime(2024, 4, 1, tzinfo=ZoneInfo("Europe/Berlin"))
    (cycle,) = bill(example("germany-levies-vat"), steps(start, 100, 60, "1")).cycles

    assert cycle.energy_total == D("30.00")
    assert [line.amount for line in cycle.surcharges] == [D("2.00")]
    assert [line.amount for line in cycle.fixed] == [D("12.00")]
    assert [line.amount for line in cycle.taxes] == [D("8.36")]
    assert cycle.total == D("52.36")


def test_uk_half_hourly_dynamic_prices_and_daily_standing_charge() -> None:
    start = datetime(2024, 4, 1, tzinfo=ZoneInfo("Europe/London"))
    half_hour = timedelta(minutes=30)
    prices = Series.from_points(
        "price",
        [(start + i * half_hour, D(p)) for i, p in enumerate(["0.40", "0.60", "-0.20", "1.20"])],
    )
    load = steps(start, 4, 30, "0.5")

    (cycle,) = bill(example("uk-agile-dynamic"), load, prices=prices).cycles

    assert cycle.energy_total == D("1.00")
    assert [line.amount for line in cycle.fixed] == [D("12.00")]
    assert [line.amount for line in cycle.taxes] == [D("0.65")]
    assert cycle.total == D("13.65")


def household_with_solar() -> tuple[list[Interval], list[Interval]]:
    """Monday 3 June 2024 in Los Angeles: 15 kWh bought at night, 5 at peak, 20 sold at midday."""
    day = datetime(2024, 6, 3, tzinfo=ZoneInfo("America/Los_Angeles"))
    imported = steps(day, 3, 60, "5") + steps(day + timedelta(hours=17), 1, 60, "5")
    exported = steps(day + timedelta(hours=11), 4, 60, "5")
    return imported, exported


def test_net_metering_nets_each_period_over_the_cycle() -> None:
    imported, exported = household_with_solar()
    (cycle,) = bill(example("us-net-metering"), imported, export=exported).cycles

    assert cycle.export_credit == D("0.25")
    assert cycle.total == D("1.75")


def test_net_billing_bills_every_kwh_and_credits_every_export() -> None:
    imported, exported = household_with_solar()
    (cycle,) = bill(example("us-net-billing"), imported, export=exported).cycles

    assert cycle.energy_total == D("5.00")
    assert cycle.export_credit == D("1.00")
    assert cycle.total == D("4.00")


def test_australian_demand_on_the_highest_peak_half_hour() -> None:
    day = datetime(2024, 6, 3, tzinfo=ZoneInfo("Australia/Sydney"))
    half_hour = timedelta(minutes=30)
    at = [day + timedelta(hours=h) for h in (1, 17, 17.5)]
    load = [
        Interval(at[0], at[0] + 2 * half_hour, D(4)),  # 4 kW at night: outside the window
        Interval(at[1], at[1] + half_hour, D(3)),  # 6 kW: the peak
        Interval(at[2], at[2] + half_hour, D(1)),
    ]

    (cycle,) = bill(example("australia-demand"), load).cycles

    assert cycle.energy_total == D("2.00")
    assert [line.amount for line in cycle.fixed] == [D("33.00")]
    assert [(line.kw, line.cost) for line in cycle.demand] == [(D(6), D("54.00"))]
    assert [line.amount for line in cycle.taxes] == [D("8.90")]
    assert cycle.total == D("97.90")


def test_us_tou_with_a_daily_baseline() -> None:
    zone = ZoneInfo("America/Los_Angeles")
    load: list[Interval] = []
    for day in range(1, 31):  # June 2024: 10 kWh off-peak before 10:00, 4 kWh at peak each day
        midnight = datetime(2024, 6, day, tzinfo=zone)
        load += steps(midnight, 10, 60, "1") + steps(midnight + timedelta(hours=17), 2, 60, "2")

    (cycle,) = bill(example("us-tou-baseline"), load).cycles

    # The baseline of 300 kWh fills at 06:00 on 22 June: off-peak 216 and peak 84 kWh in it.
    assert cycle.energy_total == D("153.60")
    assert [line.amount for line in cycle.fixed] == [D("12.00")]
    assert cycle.total == D("165.60")


def test_every_example_file_is_on_the_page_and_billed_here() -> None:
    files = sorted(path.stem for path in EXAMPLES.glob("*.yaml"))
    page = (EXAMPLES.parents[1] / "tariff-examples.md").read_text()
    billed = Path(__file__).read_text()
    assert len(files) >= 5
    for name in files:
        assert f'"docs/examples/tariffs/{name}.yaml"' in page, name
        assert f'example("{name}")' in billed, name
