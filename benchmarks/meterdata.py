# ruff: noqa: INP001 - benchmarks are scripts run by path, not a package
"""Green Button import speed: a year of hourly readings, read, stored and rolled up.

A Green Button feed of one usage point with 8 760 hourly IntervalReadings (2025, UTC) and twelve
usage summaries, as a utility's "Download my data" gives a year. Timed, each on a fresh
database of a throw-away TimescaleDB cluster (the engine's settings): reading the file
(`read_greenbutton`), storing it (`store_meter_data`, one transaction), the rollups of its
readings (`RollupMaintainer.process_queue` until the queue is empty), and the same file stored
again (all duplicates). The stored hours are checked to hold the file's energy. One JSON line,
with the file's size and the load average:

    scripts/devenv run python benchmarks/meterdata.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from support import fresh_database, throwaway_cluster

from aetherlens_engine.cluster import ManagedCluster
from aetherlens_engine.meterdata.greenbutton import read_greenbutton
from aetherlens_engine.meterdata.store import store_meter_data
from aetherlens_engine.storage.rollups import RollupMaintainer

START = datetime(2025, 1, 1, tzinfo=UTC)
HOURS = 8760
NOW = datetime(2026, 1, 2, tzinfo=UTC)
FEED = "http://www.w3.org/2005/Atom"
BASE = "https://utility.example/espi/1_1/resource/RetailCustomer/1/UsagePoint/1"


def _wh(hour: int) -> int:
    """Return an hour's Wh: 300 at night, 1 200 from 16:00 to 21:00, 600 otherwise."""
    of_day = hour % 24
    return 1200 if 16 <= of_day < 21 else 300 if of_day < 7 else 600


def _entry(self_href: str, up: str, related: list[str], content: str) -> str:
    links = "".join(f'<link rel="related" href="{href}"/>' for href in related)
    return (
        f'<entry><id>{self_href}</id><link rel="self" href="{self_href}"/>'
        f'<link rel="up" href="{up}"/>{links}<title>bench</title>'
        f"<content>{content}</content></entry>\n"
    )


def year_feed() -> bytes:
    """Return the year's feed: one IntervalBlock per day, a UsageSummary per month."""
    espi = 'xmlns="http://naesb.org/espi"'
    reading_type = f"{BASE}/ReadingType/1"
    parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="{FEED}">\n']
    parts.append(
        _entry(
            BASE,
            BASE.rsplit("/", 1)[0],
            [f"{BASE}/MeterReading", f"{BASE}/UsageSummary"],
            f"<UsagePoint {espi}><ServiceCategory><kind>0</kind></ServiceCategory></UsagePoint>",
        )
    )
    parts.append(
        _entry(
            f"{BASE}/MeterReading/1",
            f"{BASE}/MeterReading",
            [f"{BASE}/MeterReading/1/IntervalBlock", reading_type],
            f"<MeterReading {espi}/>",
        )
    )
    parts.append(
        _entry(
            reading_type,
            f"{BASE}/ReadingType",
            [],
            f"<ReadingType {espi}><accumulationBehaviour>4</accumulationBehaviour>"
            "<flowDirection>1</flowDirection><intervalLength>3600</intervalLength>"
            "<powerOfTenMultiplier>0</powerOfTenMultiplier><uom>72</uom></ReadingType>",
        )
    )
    epoch = int(START.timestamp())
    for day in range(HOURS // 24):
        readings = "".join(
            f"<IntervalReading><timePeriod><duration>3600</duration>"
            f"<start>{epoch + 3600 * hour}</start></timePeriod><value>{_wh(hour)}</value>"
            "</IntervalReading>"
            for hour in range(24 * day, 24 * day + 24)
        )
        parts.append(
            _entry(
                f"{BASE}/MeterReading/1/IntervalBlock/{day}",
                f"{BASE}/MeterReading/1/IntervalBlock",
                [],
                f"<IntervalBlock {espi}>{readings}</IntervalBlock>",
            )
        )
    for month in range(12):
        first = datetime(2025, month + 1, 1, tzinfo=UTC)
        end = (first + timedelta(days=32)).replace(day=1)
        parts.append(
            _entry(
                f"{BASE}/UsageSummary/{month}",
                f"{BASE}/UsageSummary",
                [],
                f"<UsageSummary {espi}><billingPeriod>"
                f"<duration>{int((end - first).total_seconds())}</duration>"
                f"<start>{int(first.timestamp())}</start></billingPeriod>"
                "<billLastPeriod>10000000</billLastPeriod><currency>840</currency>"
                "</UsageSummary>",
            )
        )
    parts.append("</feed>\n")
    return "".join(parts).encode()


async def _round(cluster: ManagedCluster, number: int, feed: bytes) -> dict[str, float]:
    async with fresh_database(cluster, f"bench_meterdata_{number}") as pool:
        began = time.perf_counter()
        data = read_greenbutton(feed)
        read = time.perf_counter()
        async with pool.acquire() as conn:
            imported = await store_meter_data(conn, data, NOW)
        stored = time.perf_counter()
        rollups = RollupMaintainer(pool, ZoneInfo("UTC"), settle=timedelta(0))
        while await rollups.process_queue():
            pass
        rolled = time.perf_counter()
        async with pool.acquire() as conn:
            again = await store_meter_data(conn, data, NOW)
        repeated = time.perf_counter()
        [meter] = imported.meters
        kwh = await pool.fetchval(
            "SELECT sum(energy_kwh) FROM energy_hourly WHERE device_id = $1", meter.device_id
        )
        expected = sum(_wh(hour) for hour in range(HOURS)) / 1000
        if (
            meter.stored != HOURS
            or again.meters[0].duplicates != HOURS
            or abs(kwh - expected) > 1e-6
        ):
            raise SystemExit(f"wrong import: {meter.stored} stored, {kwh} kWh of {expected}")
        return {
            "read_s": read - began,
            "store_s": stored - read,
            "rollup_s": rolled - stored,
            "again_s": repeated - rolled,
        }


async def main(rounds: int) -> None:
    """Time ROUNDS imports of the year's feed; print the best of each phase."""
    feed = year_feed()
    with throwaway_cluster(engine_settings=True) as cluster:
        results = [await _round(cluster, n, feed) for n in range(rounds)]
    best = {key: round(min(r[key] for r in results), 3) for key in results[0]}
    print(
        json.dumps(
            {
                "benchmark": "meterdata",
                "intervals": HOURS,
                "file_mib": round(len(feed) / 2**20, 2),
                "rounds": rounds,
                **best,
                "loadavg": os.getloadavg(),
            }
        )
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    asyncio.run(main(parser.parse_args().rounds))
