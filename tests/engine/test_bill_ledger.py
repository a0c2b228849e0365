"""Gas and water bills in the native format, each equal to its hand computation to the cent.

The gas bill converts m³ to kWh per conversion period, across the October DST change of
Europe/London; the water bill has daily tiers and sewage on a share of the volume, over two
cycles of day 15 in America/New_York, the first with the March DST change (a 671-hour cycle).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from aetherlens_engine.tariffs import BillInputError, Interval, TariffError, bill, build_tariff
from aetherlens_engine.tariffs.metered import billed_load

D = Decimal
HOUR = timedelta(hours=1)

GAS: dict[str, Any] = {
    "name": "British Gas",
    "commodity": "gas",
    "currency": "GBP",
    "timezone": "Europe/London",
    "cycle_day": 20,
    "conversion": [  # as the bill states it: m³ x 1.02264 x calorific value / 3.6
        {"from": "2026-09-01", "calorific_value": "39.2", "volume_correction": "1.02264"},
        {"from": "2026-11-01", "calorific_value": "39.6", "volume_correction": "1.02264"},
    ],
    "energy": {"price": "0.0624"},
    "fixed": [{"name": "standing charge", "amount": "0.3142", "per": "day"}],
    "taxes": [{"name": "VAT", "percent": "5"}],
}

WATER: dict[str, Any] = {
    "name": "City water",
    "commodity": "water",
    "currency": "USD",
    "timezone": "America/New_York",
    "cycle_day": 15,
    "energy": {
        "tiers": {"unit": "day"},
        "periods": [
            {"name": "all", "tiers": [{"up_to": "0.15", "price": "1.80"}, {"price": "2.40"}]}
        ],
    },
    "sewage": {"price": "2.10", "share": "0.95"},
    "fixed": [{"name": "meter charge", "amount": "8.50"}],
    "minimum": {"amount": "5"},
    "taxes": [{"name": "sales tax", "percent": "7"}],
}


def hourly(first: datetime, last: datetime, each: str) -> list[Interval]:
    """The same quantity in every UTC hour from FIRST up to LAST."""
    count = int((last - first) / HOUR)
    return [Interval(first + n * HOUR, first + (n + 1) * HOUR, D(each)) for n in range(count)]


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(D("0.01"), ROUND_HALF_UP)


def test_gas_bill_converts_each_period_and_equals_the_hand_computation() -> None:
    tariff = build_tariff(GAS)
    assert (tariff.unit, len(tariff.conversion)) == ("kWh", 2)
    # The cycle 20 October - 20 November in London: 00:00 BST is 23:00 UTC the day before.
    start = datetime(2026, 10, 19, 23, tzinfo=UTC)
    end = datetime(2026, 11, 20, tzinfo=UTC)
    load = hourly(start, end, "0.1")
    (cycle,) = bill(tariff, load, unit="m³").cycles
    assert (cycle.cycle.days, len(load)) == (31, 745)  # the October change adds an hour

    # By hand: 289 hours on local dates in October (20th-31st, 25 hours on the 25th) at
    # 39.2 MJ/m³, 456 hours in November at 39.6; standing charge 31 days; VAT 5 % on all.
    october = 289 * D("0.1") * D("1.02264") * D("39.2") / D("3.6")
    november = 456 * D("0.1") * D("1.02264") * D("39.6") / D("3.6")
    energy = (october + november) * D("0.0624")
    standing = 31 * D("0.3142")
    total = (energy + standing) * D("1.05")
    # Exact but for Decimal's 28 digits (each interval's m³ is converted on its own).
    assert abs(cycle.import_kwh - (october + november)) < D("1e-20")
    assert cents(cycle.total) == cents(total) == D("64.92")


def test_gas_priced_per_m3_takes_the_meter_as_it_is() -> None:
    tariff = build_tariff(_without(GAS, "conversion"))
    assert tariff.unit == "m³"
    start = datetime(2026, 10, 19, 23, tzinfo=UTC)
    (cycle,) = bill(tariff, hourly(start, start + 24 * HOUR, "0.5"), unit="m³").cycles
    assert cycle.import_kwh == D("12.0")
    assert cycle.energy_total == D("12.0") * D("0.0624")


def test_water_bill_with_daily_tiers_and_sewage_share_over_two_cycles() -> None:
    tariff = build_tariff(WATER)
    # Cycles 15 February - 15 March (DST on 8 March: 671 hours) and 15 March - 15 April.
    start = datetime(2026, 2, 15, 5, tzinfo=UTC)  # local midnight, EST
    end = datetime(2026, 4, 15, 4, tzinfo=UTC)  # local midnight, EDT
    first, second = bill(tariff, hourly(start, end, "0.01"), unit="m³").cycles
    assert [(c.cycle.days, c.import_kwh) for c in (first, second)] == [
        (28, D("6.71")),
        (31, D("7.44")),
    ]

    def by_hand(days: int, m3: Decimal) -> Decimal:
        first_tier = D("0.15") * days  # the daily limit times the cycle's days
        energy = first_tier * D("1.80") + (m3 - first_tier) * D("2.40")
        sewage = D("0.95") * m3 * D("2.10")
        return (energy + sewage + D("8.50")) * D("1.07")

    assert [cents(c.total) for c in (first, second)] == [
        cents(by_hand(28, D("6.71"))),
        cents(by_hand(31, D("7.44"))),
    ]
    assert [cents(c.total) for c in (first, second)] == [D("37.95"), D("41.10")]
    (sewage,) = first.surcharges
    assert (sewage.name, sewage.basis, sewage.rate) == ("sewage", D("0.95") * D("6.71"), D("2.10"))


def test_a_gas_meter_before_the_first_conversion_period_is_refused() -> None:
    tariff = build_tariff(GAS)
    early = hourly(
        datetime(2026, 8, 31, 22, tzinfo=UTC), datetime(2026, 8, 31, 23, tzinfo=UTC), "1"
    )
    with pytest.raises(BillInputError, match=r"2026-08-31T22:00:00\+00:00: before the first"):
        billed_load(tariff, early, "m³")
    with pytest.raises(BillInputError, match="counting kWh cannot be billed per m³"):
        billed_load(build_tariff(WATER), early, "kWh")
    assert billed_load(tariff, early, "kWh") == early


def _without(spec: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in spec.items() if k != key}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (GAS | {"commodity": "steam"}, "commodity: value must be one of"),
        (GAS | {"unit": "m³"}, "conversion: only a gas tariff priced per kWh"),
        (WATER | {"unit": "kWh"}, "unit: water is priced per m³"),
        (GAS | {"commodity": "electricity"}, "conversion: only a gas tariff"),
        (_without(GAS, "conversion") | {"sewage": {"price": "1"}}, "sewage: only a water"),
        (WATER | {"export": {"rule": "net_billing", "price": "0"}}, "export: a water tariff"),
        (GAS | {"demand": {"flat": [{"price": "1"}]}}, "demand: a gas tariff has no demand"),
        (WATER | {"sewage": {"price": "2", "share": "1.2"}}, "sewage.share: expected a share"),
        (
            GAS | {"conversion": [GAS["conversion"][1], GAS["conversion"][0]]},
            r"conversion\[1\]\.from: must be after",
        ),
        (
            GAS | {"conversion": [{"from": "2026-01-01", "calorific_value": "-1"}]},
            r"conversion\[0\]\.calorific_value: must be positive",
        ),
    ],
)
def test_gas_and_water_fields_are_checked_by_name(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(TariffError, match=message):
        build_tariff(spec)


def test_electricity_tariffs_are_unchanged_by_default() -> None:
    tariff = build_tariff(_without(_without(GAS, "conversion"), "commodity"))
    assert (tariff.commodity, tariff.unit, tariff.conversion) == ("electricity", "kWh", ())
    assert [s.share for s in build_tariff(WATER).surcharges] == [D("0.95")]
