"""The add-on's community build of TimescaleDB: its licence, the engine's compression, same answers.

It needs an image with the community build (`scripts/addon-image build --timescaledb source`, a
compile of TimescaleDB's source); `scripts/addon-image test` passes one of this build context
when it exists (AETHERLENS_ADDON_IMAGE_COMMUNITY), and these tests are skipped otherwise.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import asyncpg
import pytest

from tests.addon.fake_supervisor import fake_supervisor

from .conftest import make_container
from .container import AddonContainer, start_addon
from .data import add_meter, connect

COMMUNITY_VARIABLE = "AETHERLENS_ADDON_IMAGE_COMMUNITY"
COMPRESSION_JOB = (
    "SELECT job_id FROM timescaledb_information.jobs "
    "WHERE proc_name = 'policy_compression' AND hypertable_name = 'readings'"
)
COMPRESSED_CHUNKS = (
    "SELECT count(*) FROM timescaledb_information.chunks "
    "WHERE hypertable_name = 'readings' AND is_compressed"
)
# A day of a meter's readings, one per 10 s, three UTC days ago by the server's clock (the policy
# compresses after a day by that clock): a counter rising 1 Wh a reading.
DAY_OF_READINGS = """
INSERT INTO readings (time, device_id, value, quality)
SELECT date_trunc('day', now() - interval '3 days', 'UTC') + n * interval '10 s', $1,
       1000 + n / 1000.0, 0
FROM generate_series(0, 8639) AS n
"""
# Probe times within that day, as offsets from its start.
PROBES = ("0 s", "5 s", "1 hour 13 min 7 s", "11 hours 59 min 59 s", "23 hours 59 min 55 s")


@pytest.fixture
def community_image() -> str:
    """Return the community image of this build context, or skip."""
    name = os.environ.get(COMMUNITY_VARIABLE)
    if not name:
        pytest.skip(
            "no image with the community build (scripts/addon-image build --timescaledb source)"
        )
    return name


async def answers(conn: asyncpg.Connection, device: int) -> list[list[asyncpg.Record]]:
    """Return what the engine's queries of raw readings answer about DEVICE on that day."""
    start = await conn.fetchval("SELECT date_trunc('day', now() - interval '3 days', 'UTC')")
    result: list[list[asyncpg.Record]] = [
        await conn.fetch(
            "SELECT date_trunc('hour', time) AS hour, count(*), sum(value), min(time), max(time)"
            " FROM readings WHERE device_id = $1 GROUP BY 1 ORDER BY 1",
            device,
        )
    ]
    for offset in PROBES:
        at = await conn.fetchval("SELECT $1::timestamptz + $2::interval", start, offset)
        for usable in (True, False):
            result.extend(
                [
                    await conn.fetch(f"SELECT * FROM {function}($1, $2, 3, $3)", device, at, usable)
                    for function in ("readings_before", "readings_after")
                ]
            )
        result.append(
            await conn.fetch(
                "SELECT * FROM readings_between($1, $2, $2 + interval '70 min') ORDER BY time",
                device,
                at,
            )
        )
    return result


async def test_readings_a_day_old_are_compressed_and_answer_the_same(
    community_image: str, addon_root: Path, api_port: int, containers: list[AddonContainer]
) -> None:
    async with fake_supervisor() as supervisor:
        container = make_container(community_image, addon_root, api_port, supervisor.url)
        containers.append(container)
        addon = await asyncio.to_thread(start_addon, container, api_port)
        meter = await add_meter(container)
        conn = await connect(container)
        try:
            licence = await conn.fetchval("SELECT current_setting('timescaledb.license')")
            # The engine installed its compression policy when it started.
            job = await conn.fetchval(COMPRESSION_JOB)
            assert job is not None, "the engine installed no compression policy"
            await conn.execute(DAY_OF_READINGS, meter)
            before = await answers(conn, meter)
            compressed_before = await conn.fetchval(COMPRESSED_CHUNKS)
            await conn.execute(f"CALL run_job({int(job)})")
            compressed_after = await conn.fetchval(COMPRESSED_CHUNKS)
            after = await answers(conn, meter)
        finally:
            await conn.close()
        await asyncio.to_thread(addon.stop)

    assert licence == "timescale"
    assert (compressed_before, compressed_after) == (0, 1)
    assert len(before[0]) == 24
    assert sum(map(len, before[1:])) > 100  # the probes found readings
    assert after == before
