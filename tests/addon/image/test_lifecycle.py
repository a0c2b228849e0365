"""Restarts of the image: changed options, a stop by SIGTERM, a crash of the engine."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from pathlib import Path

import aiohttp

from tests.addon.fake_supervisor import fake_supervisor

from .conftest import default_options, make_container
from .container import (
    STOP_TIMEOUT,
    AddonContainer,
    Service,
    get_json,
    start_addon,
    wait_for_health,
)
from .data import (
    batch,
    count_readings,
    database_only,
    post_readings,
    recent,
    start_with_meter,
)


async def test_a_second_start_keeps_the_data_and_applies_changed_options(
    image: str, addon_root: Path, api_port: int, containers: list[AddonContainer]
) -> None:
    async with fake_supervisor() as supervisor:
        container = make_container(image, addon_root, api_port, supervisor.url)
        containers.append(container)
        first, meter = await asyncio.to_thread(start_with_meter, container, api_port)
        async with aiohttp.ClientSession() as session:
            status = await post_readings(
                session, first.url, first.token, batch(meter, recent(30), 600)
            )
        summary_before = get_json(f"{first.url}/api/v1/summary", first.token)
        await asyncio.to_thread(first.stop)

        # The user changes the configuration page; the Supervisor rewrites options.json and
        # restarts the add-on.
        container.write_options(default_options() | {"currency": "USD", "timezone": "Asia/Tokyo"})
        second = await asyncio.to_thread(start_addon, container, api_port)
        summary_after = get_json(f"{second.url}/api/v1/summary", second.token)
        stored = await count_readings(container, meter)
        await supervisor.wait_for(lambda: len(supervisor.announcements) == 2)
        await asyncio.to_thread(second.stop)

    assert status == 200
    assert "created: False" in second.init_output
    assert second.token == first.token
    assert stored == 1 + 600
    assert (summary_before["currency"], summary_before["timezone"]) == ("EUR", "Europe/Berlin")
    assert (summary_after["currency"], summary_after["timezone"]) == ("USD", "Asia/Tokyo")
    assert [a["config"]["token"] for a in supervisor.announcements] == [first.token] * 2


async def test_sigterm_writes_every_buffered_reading_within_the_timeout(
    image: str, addon_root: Path, api_port: int, containers: list[AddonContainer]
) -> None:
    # Readings wait in the buffer for up to 30 s (a slow flush), so SIGTERM finds them there.
    container = make_container(image, addon_root, api_port, "http://127.0.0.1:9")
    containers.append(container)
    (container.config / "engine.yaml").write_text(
        json.dumps({"ingest": {"flush_interval_seconds": 30, "batch_size": 5000}})
    )
    addon, meter = await asyncio.to_thread(start_with_meter, container, api_port)
    batches = [batch(meter, recent(60 - i), 50) for i in range(40)]
    async with aiohttp.ClientSession() as session:
        posts = [
            asyncio.create_task(post_readings(session, addon.url, addon.token, readings))
            for readings in batches
        ]
        health_url = f"{addon.url}/api/v1/health"
        # The engine is another process: there is no event to wait on.
        while (health := get_json(health_url, addon.token))["ingest"]["buffered"] < 2000:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
        started = time.monotonic()
        addon.engine.send(signal.SIGTERM)
        statuses = await asyncio.gather(*posts)
        engine_exit = await asyncio.to_thread(addon.engine.wait)
        stop_seconds = time.monotonic() - started
    await asyncio.to_thread(addon.postgres.stop)
    with database_only(container):
        stored = await count_readings(container, meter)

    assert health["ingest"]["committed"] == 1  # the probe: the 2000 were still in memory
    assert statuses == [200] * len(batches)
    assert engine_exit == 0, addon.engine.output()
    assert stop_seconds < STOP_TIMEOUT
    assert stored == 1 + 2000


async def test_a_killed_engine_is_started_again_with_its_data(
    image: str, addon_root: Path, api_port: int, containers: list[AddonContainer]
) -> None:
    container = make_container(image, addon_root, api_port, "http://127.0.0.1:9")
    containers.append(container)
    addon, meter = await asyncio.to_thread(start_with_meter, container, api_port)
    async with aiohttp.ClientSession() as session:
        status = await post_readings(session, addon.url, addon.token, batch(meter, recent(20), 300))
    addon.engine.send(signal.SIGKILL)  # as the kernel's out-of-memory killer would
    engine_exit = await asyncio.to_thread(addon.engine.wait)
    # s6-supervise runs the finish script with the exit code 256 (a signal) and the signal...
    results = "/tmp/s6-results"  # noqa: S108 - inside the container
    finish = container.run(
        "/bin/sh",
        "-c",
        f"mkdir -p {results} && S6_CONTAINER_RESULTS={results} S6_HALT=/bin/false "
        f"/bin/sh /etc/s6-overlay/s6-rc.d/engine/finish 256 9 && test ! -e {results}/exitcode",
    )
    # ... and, the container left running, starts the run script again.
    engine = Service(container, "engine")
    engine.start()
    await asyncio.to_thread(wait_for_health, addon.url, engine)
    async with aiohttp.ClientSession() as session:
        status_after = await post_readings(
            session, addon.url, addon.token, batch(meter, recent(10), 300)
        )
    stored = await count_readings(container, meter)
    engine.stop()
    addon.postgres.stop()

    assert status == status_after == 200
    assert engine_exit != 0
    assert finish.returncode == 0, finish.stderr
    assert "killed by signal 9; restarting it" in finish.stderr
    assert stored == 1 + 600
