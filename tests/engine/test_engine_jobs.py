"""The engine's background-job runner: a database vanishing mid-job is a warning, not a crash."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest

from aetherlens_engine.config import load_config
from aetherlens_engine.engine import Engine
from aetherlens_engine.tasks import cancel_and_wait


async def test_job_failing_as_the_server_vanishes_is_a_warning_and_runs_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = Engine(load_config(environ={}, overrides={"data_dir": str(tmp_path)}))
    runs = 0

    async def rollups() -> None:
        nonlocal runs
        runs += 1
        # What asyncpg raises when PostgreSQL stops in the middle of a query's messages.
        raise asyncpg.InternalClientError("cannot switch to state 15; another operation")

    with caplog.at_level(logging.WARNING, logger="aetherlens_engine.engine"):
        task = asyncio.create_task(engine._every(timedelta(milliseconds=10), rollups))
        async with asyncio.timeout(30):
            while runs < 3:  # noqa: ASYNC110 - polling a counter the task sets
                await asyncio.sleep(0.01)
        await cancel_and_wait(task)
    records = [r for r in caplog.records if r.name == "aetherlens_engine.engine"]
    assert records
    assert all(r.levelno == logging.WARNING and r.exc_info is None for r in records)
