"""Surcharges, taxes, the minimum bill and export credit: each option, hand-computed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from aetherlens_engine.api.present import command_json
from aetherlens_engine.tariffs import Interval, TariffError, bill, build_tariff
from aetherlens_engine.tariffs.present import bill_to_table

D = Decimal
DAY = datetime(2024, 6, 3, tzinfo=UTC)


def tariff(**extra: Any) -> Any:
    """UTC, off-peak 0.20 and peak 16:00-21:00 at 0.40 (before `extra`)."""
    return build_tariff(
        {
            "name": "test",
            "currency": "USD",
            "timezone": "UTC",
            "energy": {
                "periods": [
                    {"name": "off", "end": "16:00", "price": "0.20"},
                    {"name": "peak", "start": "16:00", "end": "21:00", "price": "0.40"},
                    {"name": "off", "start": "21:00", "price": "0.20"},
                ]
            },
        }
        | extra
    )


def hours(*rows: tuple[int, str], day: datetime = DAY) -> list[Interval]:
    """One-hour intervals: (hour of DAY, kWh)."""
    out = []
    for hour, kwh in rows:
        start = day + timedelta(hours=hour)
        out.append(Interval(start, start + timedelta(hours=1), D(kwh)))
    return out


SURCHARGES = [
    {"name": "public purpose", "per_kwh": "0.02"},  # on gross import, the default
    {"name": "netted levy", "per_kwh": "0.01", "basis": "net"},
]
# 10 kWh at peak, 20 kWh off-peak imported; 25 kWh exported off-peak.
IMPORT = hours((8, "20"), (17, "10"))
EXPORT = hours((12, "25"))


def test_surcharges_on_gross_import_or_netted_kwh_under_net_metering() -> None:
    export = {"rule": "net_metering", "price": "0.05"}
    (cycle,) = bill(tariff(surcharges=SURCHARGES, export=export), IMPORT, export=EXPORT).cycles
    # Off-peak nets to -5 kWh (billed 0, 5 kWh credited at 0.05); peak bills its 10 kWh.
    assert [(e.period, e.kwh, e.cost) for e in cycle.energy] == [
        ("off", D(0), D(0)),
        ("peak", D(10), D("4.00")),
    ]
    assert cycle.export_credit == D("0.25")
    # Gross import: 30 kWh x 0.02. Netted: max(0, 20 - 25) + max(0, 10 - 0) = 10 kWh x 0.01.
    assert [(s.name, s.basis, s.rate, s.amount) for s in cycle.surcharges] == [
        ("public purpose", D(30), D("0.02"), D("0.60")),
        ("netted levy", D(10), D("0.01"), D("0.10")),
    ]
    assert cycle.total == D("4.45")  # 4.00 + 0.60 + 0.10 - 0.25


def test_surcharges_under_net_billing_net_the_same_way() -> None:
    export = {"rule": "net_billing", "price": "0.05"}
    (cycle,) = bill(tariff(surcharges=SURCHARGES, export=export), IMPORT, export=EXPORT).cycles
    # Energy on every imported kWh (20 x 0.20 + 10 x 0.40), every export credited (25 x 0.05).
    assert (cycle.energy_total, cycle.export_credit) == (D("8.00"), D("1.25"))
    assert [(s.basis, s.amount) for s in cycle.surcharges] == [
        (D(30), D("0.60")),
        (D(10), D("0.10")),
    ]
    shown = command_json(bill(tariff(surcharges=SURCHARGES, export=export), IMPORT, export=EXPORT))
    assert shown["cycles"][0]["surcharges"][1] == {
        "name": "netted levy",
        "kwh": "10.000",
        "per_kwh": "0.01",
        "amount": "0.10",
    }


def test_an_unknown_surcharge_basis_is_refused() -> None:
    with pytest.raises(TariffError, match=r"^surcharges\[0\]\.basis: "):
        tariff(surcharges=[{"name": "x", "per_kwh": "0.01", "basis": "export"}])


# 50 kWh off-peak (10.00), a fixed 5.00, 40 kWh exported at 0.10 under net billing (4.00).
LOAD = hours((8, "50"))
CREDITED = hours((12, "40"))
NET_BILLING = {"rule": "net_billing", "price": "0.10"}
FIXED = [{"name": "service", "amount": "5.00"}]


def test_taxes_on_chosen_components_compounding_in_order() -> None:
    taxes = [
        {"name": "state", "percent": 10, "components": ["energy", "fixed"]},
        {"name": "county", "percent": 5, "compound": True},
        {"name": "levy", "percent": 2},
    ]
    result = bill(
        tariff(fixed=FIXED, taxes=taxes, export=NET_BILLING),
        LOAD,
        export=CREDITED,
        devices={"heater": LOAD},
    )
    (cycle,) = result.cycles
    assert [(t.name, t.basis, t.amount) for t in cycle.taxes] == [
        ("state", D("15.00"), D("1.50")),  # 10 % of energy 10 + fixed 5
        ("county", D("12.50"), D("0.625")),  # 5 % of the net bill 11 and the state tax 1.50
        ("levy", D("11.00"), D("0.22")),  # 2 % of the net bill 10 + 5 - 4
    ]
    assert cycle.total == D("13.345")
    # A device's kWh pays the energy price with the taxes as levied on energy:
    # 1 + 0.10 + 0.05 x (1 + 0.10) + 0.02 = 1.175, so 10.00 x 1.175.
    assert [(d.device, d.cost) for d in cycle.devices] == [("heater", D("11.75"))]


@pytest.mark.parametrize(("negative", "tax"), [(True, "-1.00"), (False, "0")])
def test_a_tax_on_a_credit_month_goes_negative_unless_told_not_to(negative: bool, tax: str) -> None:
    taxes = [{"name": "VAT", "percent": 10, "negative": negative}]
    export = {"rule": "net_billing", "price": "0.50"}
    (cycle,) = bill(tariff(taxes=taxes, export=export), LOAD, export=CREDITED).cycles
    # Energy 10.00 less a credit of 40 x 0.50 = 20.00: the bill is -10.00 before tax.
    ((line),) = cycle.taxes
    assert (line.basis, line.amount) == (D("-10.00"), D(tax))
    assert cycle.total == D("-10.00") + D(tax)


def test_a_tax_on_no_component_is_refused() -> None:
    with pytest.raises(TariffError, match=r"^taxes\[0\]\.components"):
        tariff(taxes=[{"name": "x", "percent": 1, "components": []}])
    with pytest.raises(TariffError, match=r"^taxes\[0\]\.components\[0\]"):
        tariff(taxes=[{"name": "x", "percent": 1, "components": ["devices"]}])


def minimum_bill(credit_kwh: str, load_kwh: str = "50", **minimum: Any) -> Any:
    """Minimum 20.00; energy LOAD_KWH x 0.20 and fixed 5.00; CREDIT_KWH exported at 0.10."""
    rules = tariff(fixed=FIXED, export=NET_BILLING, minimum={"amount": 20, **minimum})
    (cycle,) = bill(rules, hours((8, load_kwh)), export=hours((12, credit_kwh))).cycles
    return cycle


@pytest.mark.parametrize(
    ("load_kwh", "credit_kwh", "top_up", "unused", "total"),
    [
        ("50", "80", "5.00", "8.00", "20.00"),  # charges 15: topped up to 20, credit 8 unused
        ("100", "80", "0", "3.00", "20.00"),  # charges 25: 5 of the 8 credit used, 3 unused
        ("100", "30", "0", "0", "22.00"),  # charges 25 less 3 stay above the minimum
    ],
)
def test_the_minimum_after_the_export_credit(
    load_kwh: str, credit_kwh: str, top_up: str, unused: str, total: str
) -> None:
    cycle = minimum_bill(credit_kwh, load_kwh)
    assert (cycle.minimum, cycle.unused_credit, cycle.total) == (D(top_up), D(unused), D(total))


@pytest.mark.parametrize(
    ("credit_kwh", "unused", "total"),
    [
        ("80", "0", "12.00"),  # charges 15, topped up to 20, then the whole 8 credited
        ("300", "10.00", "0"),  # a 30 credit takes the 20 to zero; 10 cannot be used
    ],
)
def test_the_minimum_before_the_export_credit(credit_kwh: str, unused: str, total: str) -> None:
    cycle = minimum_bill(credit_kwh, compare="before_credit")
    assert (cycle.minimum, cycle.unused_credit, cycle.total) == (D("5.00"), D(unused), D(total))


def test_a_negative_export_credit_is_never_unused_credit() -> None:
    # Exporting 10 kWh at -0.50 costs 5.00: charges 15 + 5 stay above the minimum of 20.
    export = {"rule": "net_billing", "price": "-0.50"}
    rules = tariff(fixed=FIXED, export=export, minimum={"amount": 20})
    (cycle,) = bill(rules, hours((8, "50")), export=hours((12, "10"))).cycles
    assert (cycle.export_credit, cycle.minimum, cycle.unused_credit) == (D("-5.00"), D(0), D(0))
    assert cycle.total == D("20.00")


def test_unused_credit_is_carried_to_the_next_cycle() -> None:
    rules = tariff(
        fixed=FIXED, export=NET_BILLING, minimum={"amount": 20, "excess_credit": "carry"}
    )
    july = datetime(2024, 7, 3, tzinfo=UTC)
    load = hours((8, "50")) + hours((8, "150"), day=july)  # charges 15, then 35
    june, july_cycle = bill(rules, load, export=hours((12, "80"))).cycles
    assert (june.minimum, june.unused_credit, june.total) == (D("5.00"), D("8.00"), D("20.00"))
    # July: charges 35 less the 8 carried in.
    assert (july_cycle.carried_credit, july_cycle.unused_credit) == (D("8.00"), D(0))
    assert july_cycle.total == D("27.00")
    forfeit = tariff(fixed=FIXED, export=NET_BILLING, minimum={"amount": 20})
    assert bill(forfeit, load, export=hours((12, "80"))).cycles[1].total == D("35.00")
    table = bill_to_table(bill(rules, load, export=hours((12, "80"))))
    assert "credit unused (minimum bill)" in table
    assert "credit carried in" in table


def test_rounded_lines_add_up_with_the_rounding_line() -> None:
    rules = build_tariff(
        {
            "name": "odd prices",
            "currency": "USD",
            "timezone": "UTC",
            "energy": {
                "periods": [
                    {"name": "off", "end": "16:00", "price": "0.125"},
                    {"name": "peak", "start": "16:00", "price": "0.375"},
                ]
            },
        }
    )
    result = bill(rules, hours((8, "1"), (17, "1")))
    shown = command_json(result)
    (cycle,) = shown["cycles"]
    # 0.125 and 0.375 round (half up) to 0.13 and 0.38, but the exact total is 0.50.
    assert [e["cost"] for e in cycle["energy"]] == ["0.13", "0.38"]
    assert (cycle["rounding"], cycle["total"], shown["rounding"]) == ("-0.01", "0.50", "0.00")
    assert ["rounding", "-0.01"] in [line.split() for line in bill_to_table(result).splitlines()]


def test_every_shown_line_adds_up_to_the_shown_total() -> None:
    taxes = [
        {"name": "VAT", "percent": "7.7"},
        {"name": "levy", "percent": "1.3", "compound": True},
    ]
    rules = tariff(
        surcharges=SURCHARGES, fixed=FIXED, taxes=taxes, export=NET_BILLING, minimum={"amount": 9}
    )
    load = hours(*[(h, "1.337") for h in range(24)])
    (cycle,) = command_json(bill(rules, load, export=hours((12, "3.3"))))["cycles"]
    lines = [
        *(e["cost"] for e in cycle["energy"]),
        *(s["amount"] for s in cycle["surcharges"]),
        *(f["amount"] for f in cycle["fixed"]),
        "-" + cycle["export_credit"],
        cycle["unused_credit"],
        cycle["minimum"],
        *(t["amount"] for t in cycle["taxes"]),
        cycle["rounding"],
    ]
    assert sum(map(D, lines)) == D(cycle["total"])
    # Each line from what it shows: the shown figures, multiplied, give it to the cent.
    for surcharge in cycle["surcharges"]:
        recomputed = D(surcharge["kwh"]) * D(surcharge["per_kwh"])
        assert abs(recomputed - D(surcharge["amount"])) < D("0.01")
    for tax in cycle["taxes"]:
        assert abs(D(tax["base"]) * D(tax["percent"]) / 100 - D(tax["amount"])) < D("0.01")
