"""Schemathesis against the live engine: no 5xx and no answer outside the OpenAPI document.

Bounded for CI: a fixed seed, a few cases per operation and a time budget. The engine runs as
a real process on a database with devices and an active tariff, so routes answer with data.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from aetherlens_engine.cluster import ManagedCluster
from tests.faults.harness import Engine
from tests.faults.test_faults import cluster, devices, engine  # noqa: F401 - fixtures
from tests.tariff_samples import DAY_NIGHT

SEED = 17
MAX_EXAMPLES = 8  # per operation and phase
MAX_SECONDS = 60


async def test_no_server_error_nor_schema_violation(
    cluster: ManagedCluster,  # noqa: F811
    devices: list[int],  # noqa: F811
    engine: Engine,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    engine.start()
    async with aiohttp.ClientSession() as session:
        await engine.wait_ready(session)
        async with session.post(
            f"{engine.url}/api/v1/tariffs",
            json={"name": "home", "definition": DAY_NIGHT, "activate": True},
            headers=engine.headers,
        ) as resp:
            assert resp.status == 201, await resp.text()
    began = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{engine.url}/api/v1/openapi.json",
        "--checks",
        (
            "not_a_server_error,status_code_conformance,content_type_conformance,"
            "response_schema_conformance"
        ),
        "--seed",
        str(SEED),
        "--max-examples",
        str(MAX_EXAMPLES),
        "--max-time",
        str(MAX_SECONDS),
        "--workers",
        "1",
        "--generation-database",
        "none",
        "--header",
        f"Authorization: {engine.headers['Authorization']}",
        "--report",
        "junit",
        "--report-junit-path",
        str(tmp_path / "schemathesis.xml"),
        "--no-color",
        # The event stream answers for as long as the engine runs; test_api_events tests it.
        "--exclude-path",
        "/api/v1/events",
        # Schemathesis keeps what it finds under .schemathesis/ of its working directory.
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    async with asyncio.timeout(MAX_SECONDS + 120):
        out, _ = await process.communicate()
    seconds = time.monotonic() - began
    output = out.decode(errors="replace")
    cases = re.search(r"(\d+) generated", output)
    summary = {
        "fuzz": "schemathesis",
        "seed": SEED,
        "max_examples": MAX_EXAMPLES,
        "cases": int(cases.group(1)) if cases else None,
        "seconds": round(seconds, 1),
        "exit": process.returncode,
    }
    with capsys.disabled():
        print(f"\n{json.dumps(summary)}")  # noqa: T201 - the run's figures
    assert process.returncode == 0, output[-20000:]
    assert "unexpected error answering" not in engine.log()  # the 500 handler's line
