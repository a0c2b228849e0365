"""Our bill against NREL PySAM (Utilityrate5), month by month and component by component.

Each tariff is written in URDB form, imported with our `import_urdb`, and priced with our `bill`
on a synthetic load year; PySAM prices the same year from the same URDB fields (through its own
URDB converter) in tests/oracle/pysam_bill.py, run by the oracle interpreter. Every component of
every month must agree to the cent.

Inputs chosen so that both define the bill the same way:
- 2018 starts on a Monday and the zone has a fixed offset (Etc/GMT+8): PySAM's year is 365 days
  from a Monday in local standard time, without DST or holidays. Billing cycles are calendar months.
- Fixed and minimum charges are in $/month: PySAM turns $/day into 365/12 days per month, while
  we charge the days of the cycle.
- PySAM bills demand on one time step's average kW, so the demand window equals the data's step.
- Without `dgrules` PySAM assumes net metering (tiers prorated across periods, surplus kWh rolled
  to the next month), our import bills per interval with chronological tiers. Tariffs with one
  period a month, where the two rules agree, leave `dgrules` out; the TOU tariff with tiers is
  priced under both rules, each named explicitly and without export, where both define the same
  bill. Net billing ("Net Billing Instantaneous") is PySAM's per-step reconciliation: chronological
  tiers counted over the month, every exported kWh credited at the period's sell rate. Net
  metering with export is compared on a year where every period nets an import each month: PySAM
  rolls a surplus over to the next month (kWh, paid at year end), we credit it in the cycle.
- PySAM wants the same tier limits in every period of a month (energy and demand).
- No minimum charge where a month can end in credit: PySAM takes the minimum against a bill
  clamped at zero, we against the subtotal.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from aetherlens_engine.tariffs import CycleBill, Interval, bill, build_tariff
from aetherlens_engine.tariffs.urdb import import_urdb

ORACLE_PYTHON = os.environ.get("AETHERLENS_ORACLE_PYTHON")
ORACLE = Path(__file__).parents[1] / "oracle" / "pysam_bill.py"
needs_oracle = pytest.mark.skipif(
    not ORACLE_PYTHON,
    reason="AETHERLENS_ORACLE_PYTHON is unset: the PySAM oracle is installed only in the dev "
    "environment (run the tests with scripts/devenv run)",
)

D = Decimal
CENT = D("0.005")  # equal to the cent
ZONE = "Etc/GMT+8"
START = datetime(2018, 1, 1, tzinfo=ZoneInfo(ZONE)).astimezone(UTC)
DAYS = 365
MONTH_STARTS = [(date(2018, m, 1) - date(2018, 1, 1)).days for m in range(1, 13)]
# How much of the average load each month draws: some months stay under a minimum charge.
SEASON = [1.3, 1.1, 0.8, 0.35, 0.3, 0.9, 1.5, 1.6, 1.1, 0.6, 0.9, 1.25]
SUN = [0.5, 0.6, 0.8, 0.95, 1.0, 1.0, 1.0, 0.95, 0.85, 0.7, 0.55, 0.45]
ALL_DAY = [[0] * 24] * 12
# Weekday peak 16:00-21:00 (period index 1), all year.
EVENING_PEAK = [[0] * 16 + [1] * 5 + [0] * 3] * 12
MIDDAY_PEAK = [[0] * 12 + [1] * 6 + [0] * 6] * 12
SUMMER = [[0] * 24] * 5 + [[1] * 24] * 4 + [[0] * 24] * 3


def month_of(day: int) -> int:
    """Month index (0-11) of a day of 2018."""
    return sum(1 for first in MONTH_STARTS if first <= day) - 1


def load_kw(steps_per_hour: int, scale: float) -> list[Decimal]:
    """Average kW of every step of the year: a daily shape, weekends, seasons and some noise."""
    out = []
    for step in range(DAYS * 24 * steps_per_hour):
        hour, part = divmod(step, steps_per_hour)
        day, clock = divmod(hour, 24)
        evening = 0.9 if 17 <= clock < 22 else 0.0
        morning = 0.4 if 6 <= clock < 9 else 0.0
        weekend = 0.3 if day % 7 >= 5 else 0.0
        noise = (step * 2654435761 % 1000) / 1000 * (0.5 + 0.5 * part)
        kw = scale * SEASON[month_of(day)] * (0.35 + evening + morning + weekend + noise)
        out.append(D(f"{kw:.3f}"))
    return out


def solar_kw(peak: float, months: Sequence[float] = SUN) -> list[Decimal]:
    """Hourly generation: a sine from 06:00 to 18:00, scaled by the month's factor."""
    out = []
    for hour in range(DAYS * 24):
        day, clock = divmod(hour, 24)
        height = max(0.0, math.sin(math.pi * (clock + 0.5 - 6) / 12))
        out.append(D(f"{peak * months[month_of(day)] * height:.3f}"))
    return out


def intervals(kw: Sequence[Decimal], steps_per_hour: int) -> list[Interval]:
    """Intervals of the year from average kW per step."""
    step = timedelta(hours=1) / steps_per_hour
    return [
        Interval(START + i * step, START + (i + 1) * step, value / steps_per_hour)
        for i, value in enumerate(kw)
    ]


@dataclass(frozen=True, slots=True)
class Case:
    """A URDB rate and the year it is priced on (generation optional, hourly)."""

    rate: dict[str, Any]
    load: list[Decimal]
    steps_per_hour: int = 1
    gen: list[Decimal] | None = None


def tiers(unit: str, limits: Sequence[float], prices: Sequence[float]) -> list[dict[str, Any]]:
    """URDB tiers: one per price, the first ones capped at the limits."""
    out: list[dict[str, Any]] = [{"rate": price, "unit": unit} for price in prices]
    for tier, limit in zip(out, limits, strict=False):
        tier["max"] = limit
    return out


def tou_baseline(dgrules: str) -> dict[str, Any]:
    """(a) TOU with daily baseline tiers (kWh/day) and a monthly minimum charge."""
    return {
        "name": f"TOU baseline ({dgrules})",
        "energyratestructure": [
            tiers("kWh daily", [9.5, 19], [0.21, 0.29, 0.38]),
            tiers("kWh daily", [9.5, 19], [0.33, 0.41, 0.50]),
        ],
        "energyweekdayschedule": EVENING_PEAK,
        "energyweekendschedule": ALL_DAY,
        "mincharge": 75,
        "minchargeunits": "$/month",
        "dgrules": dgrules,
    }


SEASONAL_BLOCKS = {
    "name": "Seasonal blocks",
    "energyratestructure": [
        tiers("kWh", [350, 800], [0.12, 0.17, 0.23]),
        tiers("kWh", [500, 1000], [0.14, 0.20, 0.27]),
    ],
    "energyweekdayschedule": SUMMER,
    "energyweekendschedule": SUMMER,
    "fixedchargefirstmeter": 12.5,
    "fixedchargeunits": "$/month",
}
TIERED_DEMAND = {
    "name": "Tiered energy, TOU demand",
    "energyratestructure": [tiers("kWh", [600], [0.11, 0.15])],
    "energyweekdayschedule": ALL_DAY,
    "energyweekendschedule": ALL_DAY,
    # PySAM wants the same tier limits in every period of a month.
    "demandratestructure": [tiers("kW", [4], [2.0, 3.0]), tiers("kW", [4], [9.0, 14.0])],
    "demandweekdayschedule": MIDDAY_PEAK,
    "demandweekendschedule": ALL_DAY,
    "flatdemandstructure": [[{"rate": 4.0}], tiers("kW", [5], [6.0, 7.5])],
    "flatdemandmonths": [0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0],
    "demandwindow": 15,
}
NET_BILLING = {
    "name": "Net billing",
    "energyratestructure": [
        [{**tier, "sell": 0.06} for tier in tiers("kWh", [400], [0.24, 0.31])],
        [{**tier, "sell": 0.11} for tier in tiers("kWh", [400], [0.42, 0.50])],
    ],
    "energyweekdayschedule": EVENING_PEAK,
    "energyweekendschedule": ALL_DAY,
    "fixedchargefirstmeter": 9,
    "fixedchargeunits": "$/month",
    "dgrules": "Net Billing Instantaneous",
}
# Solar that exports at midday but leaves every period a net import over each month: PySAM rolls
# a month's surplus kWh over to the next month, we credit it in the cycle; without a surplus both
# bill each period's net kWh, tiers prorated.
NET_METERING = {
    "name": "Net metering",
    "energyratestructure": [
        [{**tier, "sell": 0.05} for tier in tiers("kWh", [250], [0.19, 0.27])],
        [{**tier, "sell": 0.05} for tier in tiers("kWh", [250], [0.38, 0.46])],
    ],
    "energyweekdayschedule": EVENING_PEAK,
    "energyweekendschedule": ALL_DAY,
    "dgrules": "Net Metering",
}
CASES = {
    "tou_daily_baseline_minimum_chronological": lambda: Case(
        tou_baseline("Net Billing Instantaneous"), load_kw(1, 0.9)
    ),
    "tou_daily_baseline_minimum_prorated": lambda: Case(
        tou_baseline("Net Metering"), load_kw(1, 0.9)
    ),
    "monthly_blocks_fixed": lambda: Case(SEASONAL_BLOCKS, load_kw(1, 1.2)),
    "tiered_tou_demand_15_minutes": lambda: Case(TIERED_DEMAND, load_kw(4, 1.1), 4),
    "net_billing_export": lambda: Case(NET_BILLING, load_kw(1, 0.8), gen=solar_kw(6.0)),
    "net_metering_export": lambda: Case(NET_METERING, load_kw(1, 1.0), gen=solar_kw(1.6, SEASON)),
}


def oracle(case: Case) -> list[dict[str, float]]:
    """PySAM's twelve months for the case."""
    assert ORACLE_PYTHON is not None
    request: dict[str, Any] = {"rate": case.rate, "load_kw": [float(kw) for kw in case.load]}
    if case.gen is not None:
        request["gen_kw"] = [float(kw) for kw in case.gen]
    done = subprocess.run(
        [ORACLE_PYTHON, str(ORACLE)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    months: list[dict[str, float]] = json.loads(done.stdout)["months"]
    return months


def components(cycle: CycleBill) -> dict[str, Decimal]:
    """Our cycle in PySAM's components."""
    flat = sum((line.cost for line in cycle.demand if line.name == "flat"), D(0))
    tou = sum((line.cost for line in cycle.demand if line.name != "flat"), D(0))
    return {
        "energy": cycle.energy_total - cycle.export_credit,
        "energy_gross": cycle.energy_total,
        "net_billing_credit": cycle.export_credit,
        "demand_flat": flat,
        "demand_tou": tou,
        "fixed": sum((line.amount for line in cycle.fixed), D(0)),
        "minimum": cycle.minimum,
        "total": cycle.total,
    }


def ours(case: Case) -> list[CycleBill]:
    """Our bill of the case, one cycle per calendar month of 2018."""
    imported = import_urdb(case.rate, ZONE)
    assert imported.unsupported == ()
    tariff = build_tariff(imported.definition)
    if case.gen is None:
        result = bill(tariff, intervals(case.load, case.steps_per_hour))
    else:
        net = [gen - load for load, gen in zip(case.load, case.gen, strict=True)]
        imports = intervals([max(-kw, D(0)) for kw in net], case.steps_per_hour)
        exports = intervals([max(kw, D(0)) for kw in net], case.steps_per_hour)
        result = bill(tariff, imports, export=exports)
    assert [cycle.cycle.first.month for cycle in result.cycles] == list(range(1, 13))
    return list(result.cycles)


@needs_oracle
@pytest.mark.parametrize("name", CASES)
def test_bill_matches_pysam(name: str) -> None:
    case = CASES[name]()
    cycles = ours(case)
    expected = oracle(case)
    differences = [
        f"month {month + 1} {component}: ours {mine}, PySAM {pysam[component]}"
        for month, (cycle, pysam) in enumerate(zip(cycles, expected, strict=True))
        for component, mine in components(cycle).items()
        if abs(mine - D(repr(pysam[component]))) > CENT
    ]
    assert not differences, "\n".join(differences)


def tiers_reached(cycles: Sequence[CycleBill]) -> set[int]:
    return {line.tier for cycle in cycles for line in cycle.energy if line.kwh > 0}


def test_cases_exercise_what_they_name() -> None:
    """The synthetic years reach the features the comparison is meant to cover."""
    baseline = ours(CASES["tou_daily_baseline_minimum_chronological"]())
    assert tiers_reached(baseline) == {1, 2, 3}
    assert {line.period for line in baseline[0].energy} == {"period 1", "period 2"}
    minimums = [cycle.minimum > 0 for cycle in baseline]
    assert any(minimums)
    assert not all(minimums)
    assert tiers_reached(ours(CASES["monthly_blocks_fixed"]())) == {1, 2, 3}
    demand = ours(CASES["tiered_tou_demand_15_minutes"]())
    assert tiers_reached(demand) == {1, 2}
    july = {line.name: line.kw for line in demand[6].demand}
    assert july["flat"] > 5  # the second flat tier
    assert july["demand period 2"] > 4  # the second TOU tier
    net_billing = ours(CASES["net_billing_export"]())
    assert all(cycle.export_credit > 0 for cycle in net_billing)
    assert tiers_reached(net_billing) == {1, 2}
    net_metering = ours(CASES["net_metering_export"]())
    assert all(cycle.export_kwh > 0 and cycle.export_credit == 0 for cycle in net_metering)
    assert tiers_reached(net_metering) == {1, 2}


@needs_oracle
def test_oracle_rejects_a_load_that_is_not_a_year() -> None:
    assert ORACLE_PYTHON is not None
    done = subprocess.run(
        [ORACLE_PYTHON, str(ORACLE)],
        input=json.dumps({"rate": SEASONAL_BLOCKS, "load_kw": [1.0] * 100}),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "load_kw: 100 values" in done.stderr


def test_a_demand_period_split_over_the_day_has_one_peak() -> None:
    """Off-peak before and after the peak is one period: one peak, one charge per cycle.

    PySAM found this: each rule of a period used to get a demand charge of its own.
    """
    tariff = build_tariff(
        {
            "name": "split period",
            "currency": "USD",
            "timezone": "UTC",
            "energy": {"price": "0.10"},
            "demand": {
                "window_minutes": 60,
                "periods": [
                    {"name": "off", "end": "12:00", "price": 2},
                    {"name": "peak", "start": "12:00", "end": "18:00", "price": 10},
                    {"name": "off", "start": "18:00", "price": 2},
                ],
            },
        }
    )
    kw = [D(0)] * 24
    kw[8], kw[13], kw[20] = D(3), D(4), D(5)
    start = datetime(2024, 5, 6, tzinfo=UTC)
    load = [
        Interval(start + timedelta(hours=h), start + timedelta(hours=h + 1), value)
        for h, value in enumerate(kw)
    ]
    (cycle,) = bill(tariff, load).cycles
    lines = [(line.name, line.kw, line.window_start, line.cost) for line in cycle.demand]
    assert lines == [
        ("off", D(5), start + timedelta(hours=20), D(10)),
        ("peak", D(4), start + timedelta(hours=13), D(40)),
    ]


def test_net_metering_nets_a_period_split_over_the_day() -> None:
    """Export in the morning off-peak offsets import in the evening off-peak: one period.

    PySAM found this too: each rule of a period used to be netted on its own.
    """
    tariff = build_tariff(
        {
            "name": "split period",
            "currency": "USD",
            "timezone": "UTC",
            "energy": {
                "periods": [
                    {"name": "off", "end": "12:00", "price": "0.20"},
                    {"name": "peak", "start": "12:00", "end": "18:00", "price": "0.50"},
                    {"name": "off", "start": "18:00", "price": "0.20"},
                ]
            },
            "export": {"rule": "net_metering", "price": "0.05"},
        }
    )
    start = datetime(2024, 5, 6, tzinfo=UTC)

    def hour(at: int, kwh: str) -> list[Interval]:
        return [Interval(start + timedelta(hours=at), start + timedelta(hours=at + 1), D(kwh))]

    (cycle,) = bill(tariff, hour(20, "5"), export=hour(8, "2")).cycles
    assert cycle.export_credit == 0
    assert [(line.period, line.kwh, line.cost) for line in cycle.energy] == [
        ("off", D(3), D("0.60"))
    ]
