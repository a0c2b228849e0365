# ruff: noqa: INP001 - benchmarks are scripts run by path, not a package
"""Plan ranking speed: a year of hourly usage (import and export) ranked under 20 tariffs.

The usage is what `/api/v1/rank` gets from the database: one `Interval` per hour for the import
and for the export (solar middays), America/Los_Angeles, 2025 (both DST days). The 20 tariffs are
of every kind the bill knows, five of each, at different prices: a URDB rate (TOU energy with
monthly tiers, flat and TOU demand, a fixed charge, net billing), TOU with a daily baseline
(chronological tiers) and a daily service charge, TOU with net metering, and flat with monthly
tiers, a per-kWh surcharge and a tax. Timed: `tariffs.ranking.rank` from the built tariffs and
the usage to the ranking, best of `--rounds`. Every ranked bill is then checked to be the bill
of its tariff alone. Goal: under 1 s. One JSON line, with the load average:

    scripts/devenv run python benchmarks/ranking.py [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from bill import URDB_RATE, kw_profile

from aetherlens_engine.tariffs import Interval, Tariff, bill, build_tariff
from aetherlens_engine.tariffs.ranking import Candidate, Ranking, rank
from aetherlens_engine.tariffs.urdb import import_urdb

ZONE = ZoneInfo("America/Los_Angeles")
START = datetime(2025, 1, 1, tzinfo=ZONE).astimezone(UTC)
END = datetime(2026, 1, 1, tzinfo=ZONE).astimezone(UTC)
EACH = 5  # tariffs of each kind


def _tou(name: str, step: Decimal, tiers: str, export: dict[str, Any] | None) -> dict[str, Any]:
    """Off-peak and a 16:00-21:00 peak, each with TIERS added to its price."""

    def period(period: str, price: Decimal, **at: str) -> dict[str, Any]:
        base = {"name": period, **at}
        if not tiers:
            return base | {"price": str(price)}
        return base | {
            "tiers": [{"up_to": 10, "price": str(price)}, {"price": str(price + Decimal("0.08"))}]
        }

    definition: dict[str, Any] = {
        "name": name,
        "currency": "USD",
        "timezone": ZONE.key,
        "energy": {
            "periods": [
                period("off", Decimal("0.20") + step, end="16:00"),
                period("peak", Decimal("0.40") + step, start="16:00", end="21:00"),
                period("off", Decimal("0.20") + step, start="21:00"),
            ]
        },
        "fixed": [{"name": "service", "amount": "0.40", "per": "day"}],
    }
    if tiers:
        definition["energy"]["tiers"] = {"unit": "day", "rule": tiers}
    if export is not None:
        definition["export"] = export
    return definition


def _flat(name: str, step: Decimal) -> dict[str, Any]:
    return {
        "name": name,
        "currency": "USD",
        "timezone": ZONE.key,
        "energy": {
            "periods": [
                {
                    "name": "all day",
                    "tiers": [
                        {"up_to": 350, "price": str(Decimal("0.24") + step)},
                        {"price": "0.31"},
                    ],
                }
            ]
        },
        "fixed": [{"name": "meter", "amount": "11.50"}],
        "surcharges": [{"name": "public purpose", "per_kwh": "0.012"}],
        "taxes": [{"name": "utility users tax", "percent": "7.5"}],
    }


def _urdb(step: Decimal) -> dict[str, Any]:
    structure = [
        [{**tier, "rate": float(Decimal(repr(tier["rate"])) + step)} for tier in period]
        for period in URDB_RATE["energyratestructure"]
    ]
    rate = URDB_RATE | {"name": f"URDB TOU +{step}", "energyratestructure": structure}
    return import_urdb(rate, ZONE.key).definition


def tariffs() -> list[Candidate]:
    """Return the 20 tariffs, five of each kind, the first (a URDB one) the reference."""
    found = []
    for n in range(EACH):
        step = Decimal(n) / 100
        definitions = [
            _urdb(step),
            _tou(f"baseline +{step}", step, "chronological", None),
            _tou(f"net metering +{step}", step, "", {"rule": "net_metering", "price": "0.05"}),
            _flat(f"flat +{step}", step),
        ]
        found += [Candidate(d["name"], build_tariff(d)) for d in definitions]
    return found


def usage() -> tuple[list[Interval], list[Interval]]:
    """Return a year of hourly import, and export in the hours from 10:00 to 15:00 local."""
    hours = int((END - START) / timedelta(hours=1))
    kw = kw_profile(hours, 1, 3)
    load, export = [], []
    for hour, kwh in enumerate(kw):
        start = START + timedelta(hours=hour)
        end = start + timedelta(hours=1)
        load.append(Interval(start, end, kwh))
        if 10 <= start.astimezone(ZONE).hour < 15:
            export.append(Interval(start, end, Decimal("1.25") + kwh / 4))
    return load, export


def check(
    ranking: Ranking, candidates: list[Candidate], load: list[Interval], export: list[Interval]
) -> None:
    """Require every ranked bill to be its tariff's bill alone, on the ranking's cycles."""
    by_source: dict[str, Tariff] = {c.source: c.tariff for c in candidates}
    for ranked in ranking.bills:
        tariff = by_source[ranked.source]
        exported = export if tariff.export is not None else []
        alone = bill(tariff, load, export=exported, cycle_day=ranking.cycle_day)
        assert ranked.bill == alone, ranked.source


def main() -> None:
    """Parse the command line, time the rankings, check them, print the JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    candidates = tariffs()
    load, export = usage()
    times = []
    ranking = None
    for _ in range(args.rounds):
        started = time.perf_counter()
        ranking = rank(candidates, load, export=export)
        times.append(time.perf_counter() - started)
    assert ranking is not None
    check(ranking, candidates, load, export)
    cheapest, dearest = ranking.bills[0].bill, ranking.bills[-1].bill
    print(
        json.dumps(
            {
                "benchmark": "ranking",
                "tariffs": len(candidates),
                "hours": len(load),
                "export_hours": len(export),
                "cycles": len(cheapest.cycles),
                "seconds": round(min(times), 4),
                "rounds_s": [round(t, 4) for t in times],
                "per_tariff_ms": round(min(times) / len(candidates) * 1000, 2),
                "goal_s": 1.0,
                "cheapest": [cheapest.tariff, str(cheapest.total.quantize(Decimal("0.01")))],
                "dearest": [dearest.tariff, str(dearest.total.quantize(Decimal("0.01")))],
                "loadavg": os.getloadavg(),
            }
        )
    )


if __name__ == "__main__":
    main()
