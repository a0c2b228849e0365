# ruff: noqa: INP001 - benchmarks are scripts run by path, not a package
"""Bill calculation speed: a year of hourly data against NREL PySAM, and 100 devices at 15 minutes.

pysam: one URDB tariff (TOU energy with monthly tiers, flat and TOU demand, a fixed charge) and
one hourly load year, priced by our `bill` and by PySAM's Utilityrate5 in the oracle interpreter
(tests/oracle/pysam_bill.py, `AETHERLENS_ORACLE_PYTHON`). Ours is timed from the imported tariff
and the load to the `Bill`: the load as a `Grid` (start, step and the kWh: meter data as PySAM
gets it, an array) and, for comparison, as one `Interval` object per hour. PySAM's is its own
`execute()`, timed inside the oracle script, so neither start-up, JSON nor the conversion of its
inputs counts. Every monthly total is checked to agree to the cent, for both forms of the load.

devices: our `bill` for a year of 15-minute data (35,040 intervals) with 100 devices attributed,
under a TOU tariff with tiers, a fixed charge, a surcharge and a tax; the household and the
devices as grids, and as `Interval` lists. Goal: under 1 s.

The machine may be shared: the best of `--rounds` is reported, with every round. One JSON line:

    scripts/devenv run python benchmarks/bill.py [--rounds N] [--devices N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from support import REPO

from aetherlens_engine.tariffs import Bill, Grid, Interval, Tariff, bill, build_tariff
from aetherlens_engine.tariffs.urdb import import_urdb

ORACLE = REPO / "tests" / "oracle" / "pysam_bill.py"
ZONE = "Etc/GMT+8"
START = datetime(2018, 1, 1, tzinfo=ZoneInfo(ZONE)).astimezone(UTC)  # a Monday, as PySAM's year
HOURS = 8760
EVENING_PEAK = [[0] * 16 + [1] * 5 + [0] * 3] * 12
URDB_RATE: dict[str, Any] = {
    "name": "Benchmark TOU",
    "energyratestructure": [
        [{"max": 400, "rate": 0.21, "unit": "kWh"}, {"rate": 0.29, "unit": "kWh"}],
        [{"max": 400, "rate": 0.38, "unit": "kWh"}, {"rate": 0.46, "unit": "kWh"}],
    ],
    "energyweekdayschedule": EVENING_PEAK,
    "energyweekendschedule": [[0] * 24] * 12,
    "demandratestructure": [[{"rate": 1.5}], [{"rate": 8.0}]],
    "demandweekdayschedule": EVENING_PEAK,
    "demandweekendschedule": [[0] * 24] * 12,
    "flatdemandstructure": [[{"rate": 3.0}]],
    "flatdemandmonths": [0] * 12,
    "demandwindow": 60,
    "fixedchargefirstmeter": 10,
    "fixedchargeunits": "$/month",
    "dgrules": "Net Billing Instantaneous",
}
DEVICES_TARIFF: dict[str, Any] = {
    "name": "Benchmark TOU with tiers",
    "currency": "EUR",
    "timezone": "Europe/Berlin",
    "energy": {
        "periods": [
            {"name": "off", "end": "07:00", "price": "0.22"},
            {
                "name": "day",
                "start": "07:00",
                "end": "17:00",
                "tiers": [{"up_to": 250, "price": "0.30"}, {"price": "0.36"}],
            },
            {"name": "peak", "start": "17:00", "end": "21:00", "price": "0.45"},
            {"name": "off", "start": "21:00", "price": "0.22"},
        ]
    },
    "fixed": [{"name": "standing charge", "amount": "0.45", "per": "day"}],
    "surcharges": [{"name": "levy", "per_kwh": "0.021"}],
    "taxes": [{"name": "VAT", "percent": "19"}],
}


def kw_profile(steps: int, steps_per_hour: int, seed: int) -> list[Decimal]:
    """Average kW per step: a daily shape and deterministic noise, three decimals."""
    out = []
    for step in range(steps):
        clock = step // steps_per_hour % 24
        shape = 0.9 if 17 <= clock < 22 else 0.4 if 6 <= clock < 9 else 0.0
        noise = ((step + 7919 * seed) * 2654435761 % 1000) / 1000
        out.append(Decimal(f"{0.3 + shape + noise:.3f}"))
    return out


def intervals(kw: list[Decimal], start: datetime, steps_per_hour: int) -> list[Interval]:
    """Intervals from `start` holding the average kW of each step."""
    step = timedelta(hours=1) / steps_per_hour
    return [
        Interval(start + i * step, start + (i + 1) * step, value / steps_per_hour)
        for i, value in enumerate(kw)
    ]


def best_of(rounds: int, run: Callable[[], Bill]) -> tuple[float, list[float], Bill]:
    """Best wall time of `rounds` runs, every round's time, and the last result."""
    times = []
    result = None
    for _ in range(rounds):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    assert result is not None
    return min(times), [round(t, 4) for t in times], result


def check_months(result: Bill, months: list[dict[str, float]]) -> None:
    """Require our twelve monthly totals to be PySAM's to the cent."""
    totals = [cycle.total for cycle in result.cycles]
    assert len(totals) == len(months) == 12, (len(totals), len(months))
    for ours_total, pysam in zip(totals, months, strict=True):
        assert abs(ours_total - Decimal(repr(pysam["total"]))) <= Decimal("0.005"), (
            ours_total,
            pysam["total"],
        )


def pysam_execute(oracle_python: str, request: str) -> tuple[float, list[dict[str, float]]]:
    """Run PySAM once on the request: its execute() time and the monthly results."""
    done = subprocess.run(  # noqa: S603 - the dev environment's own interpreter and script
        [oracle_python, str(ORACLE)],
        input=request,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    answer = json.loads(done.stdout)
    return answer["execute_seconds"], answer["months"]


def timed(run: Callable[[], Bill], warm: int = 3) -> tuple[float, Bill]:
    """Best wall time of `warm` runs in a row (the first after PySAM's process runs cold)."""
    best, _, result = best_of(warm, run)
    return best, result


def against_pysam(rounds: int) -> dict[str, Any]:
    """Time our hourly year and PySAM's execute() on the same tariff and load, round by round.

    Each round times ours (grid, then intervals; best of three runs in a row) and PySAM one
    after the other, so a machine that changes speed between rounds (a shared one) slows both
    alike; the ratio is taken per round as well as of the best times.
    """
    oracle_python = os.environ.get("AETHERLENS_ORACLE_PYTHON")
    if not oracle_python:
        raise SystemExit("AETHERLENS_ORACLE_PYTHON is unset: run with scripts/devenv run")
    kw = kw_profile(HOURS, 1, 1)
    grid = Grid(START, timedelta(hours=1), kw)  # average kW over an hour is the hour's kWh
    load = intervals(kw, START, 1)
    tariff = build_tariff(import_urdb(URDB_RATE, ZONE).definition)
    request = json.dumps({"rate": URDB_RATE, "load_kw": [float(v) for v in kw]})
    ours: list[float] = []
    listed: list[float] = []
    pysam: list[float] = []
    for _ in range(rounds):
        seconds, result = timed(lambda: bill(tariff, grid))
        ours.append(seconds)
        seconds, listed_result = timed(lambda: bill(tariff, load))
        listed.append(seconds)
        seconds, months = pysam_execute(oracle_python, request)
        pysam.append(seconds)
        check_months(result, months)
        check_months(listed_result, months)
    ratios = sorted(o / p for o, p in zip(ours, pysam, strict=True))
    return {
        "hourly_intervals": len(load),
        "ours_s": round(min(ours), 4),
        "pysam_execute_s": round(min(pysam), 4),
        "ours_over_pysam": round(min(ours) / min(pysam), 3),
        "ours_over_pysam_per_round_median": round(ratios[len(ratios) // 2], 3),
        "ours_intervals_s": round(min(listed), 4),
        "ours_intervals_over_pysam": round(min(listed) / min(pysam), 3),
        "ours_rounds_s": [round(t, 4) for t in ours],
        "ours_intervals_rounds_s": [round(t, 4) for t in listed],
        "pysam_rounds_s": [round(t, 4) for t in pysam],
    }


def devices_year(rounds: int, count: int) -> dict[str, Any]:
    """Time a year of 15-minute data for `count` devices, attributed, as grids and as lists."""
    tariff: Tariff = build_tariff(DEVICES_TARIFF)
    start = datetime(2025, 1, 1, tzinfo=ZoneInfo("Europe/Berlin")).astimezone(UTC)
    end = datetime(2026, 1, 1, tzinfo=ZoneInfo("Europe/Berlin")).astimezone(UTC)
    quarter = timedelta(minutes=15)
    steps = int((end - start) / quarter)
    # Each device draws a tenth of the profile; the household adds a base of its own.
    kwh = {f"device {n:03d}": [v / 40 for v in kw_profile(steps, 4, n)] for n in range(count)}
    household = [
        Decimal("0.1") + sum(values, Decimal(0)) for values in zip(*kwh.values(), strict=True)
    ]
    grids = {name: Grid(start, quarter, values) for name, values in kwh.items()}
    lists = {name: list(device) for name, device in grids.items()}
    load = Grid(start, quarter, household)
    listed_load = list(load)
    best, times, result = best_of(rounds, lambda: bill(tariff, load, devices=grids))
    listed, listed_times, listed_result = best_of(
        rounds, lambda: bill(tariff, listed_load, devices=lists)
    )
    assert result == listed_result
    attributed = sum((d.kwh for cycle in result.cycles for d in cycle.devices), Decimal(0))
    metered = sum((cycle.import_kwh for cycle in result.cycles), Decimal(0))
    assert 0 < attributed < metered, (attributed, metered)
    return {
        "intervals": steps,
        "devices": count,
        "seconds": round(best, 4),
        "intervals_seconds": round(listed, 4),
        "rounds_s": times,
        "intervals_rounds_s": listed_times,
        "goal_s": 1.0,
    }


def main() -> None:
    """Parse the command line, run the measurements, print the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--devices", type=int, default=100)
    args = parser.parse_args()
    print(
        json.dumps(
            {
                "benchmark": "bill",
                "pysam": against_pysam(args.rounds),
                "devices": devices_year(args.rounds, args.devices),
            }
        )
    )


if __name__ == "__main__":
    main()
