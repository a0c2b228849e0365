"""The image's first start, and its HEALTHCHECK, as the Supervisor runs them."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

from tests.addon.fake_supervisor import fake_supervisor

from .conftest import make_container
from .container import (
    HOSTNAME,
    AddonContainer,
    RunningAddon,
    image_config,
    start_addon,
)
from .data import connect

ROOT = Path(__file__).resolve().parents[3]
MIGRATIONS = sorted((ROOT / "timescale").glob("*.sql"))


def healthcheck(container: AddonContainer) -> tuple[int, str]:
    """Run the image's own HEALTHCHECK command in the container."""
    test = image_config(container.image)["Healthcheck"]["Test"]
    assert test[0] == "CMD"
    result = container.run(*test[1:], timeout=60)
    return result.returncode, result.stdout + result.stderr


async def test_first_start_creates_the_database_and_announces_the_engine(
    image: str, addon_root: Path, api_port: int, containers: list[AddonContainer]
) -> None:
    async with fake_supervisor() as supervisor:
        container = make_container(image, addon_root, api_port, supervisor.url)
        containers.append(container)
        addon: RunningAddon = await asyncio.to_thread(start_addon, container, api_port)
        await supervisor.wait_for(lambda: len(supervisor.announcements) == 1)
        assert supervisor.announcements == [
            {
                "service": "aetherlens",
                "config": {"host": HOSTNAME, "port": api_port, "token": addon.token},
            }
        ]
        conn = await connect(container)
        try:
            versions = await conn.fetchval(
                "SELECT array_agg(version ORDER BY version) FROM schema_migrations"
            )
            timescaledb = await conn.fetchval(
                "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'"
            )
            hypertables = await conn.fetchval(
                "SELECT count(*) FROM timescaledb_information.hypertables"
            )
        finally:
            await conn.close()
        await asyncio.to_thread(addon.stop)

    assert "created: True" in addon.init_output
    assert (container.data / "postgresql" / "PG_VERSION").read_text().strip() == "17"
    assert versions == [int(path.name.split("_")[0]) for path in MIGRATIONS]
    assert timescaledb is not None
    assert hypertables >= 5  # readings and the hourly and daily rollups
    token_file = container.data / "api_token"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert len(addon.token) >= 32
    assert addon.token not in addon.engine.output()


async def test_healthcheck_follows_the_engine_and_its_database(
    image: str, addon_root: Path, api_port: int, containers: list[AddonContainer]
) -> None:
    async with fake_supervisor() as supervisor:
        container = make_container(image, addon_root, api_port, supervisor.url)
        containers.append(container)
        addon = await asyncio.to_thread(start_addon, container, api_port)
        healthy = await asyncio.to_thread(healthcheck, container)
        # PostgreSQL gone: the engine answers, but cannot store anything.
        await asyncio.to_thread(addon.postgres.stop)
        without_database = await asyncio.to_thread(healthcheck, container)
        await asyncio.to_thread(addon.engine.stop)
        without_engine = await asyncio.to_thread(healthcheck, container)

    assert healthy == (0, "ok\n")
    assert without_database[0] != 0
    assert "the engine is not healthy: " in without_database[1]
    assert "database" in without_database[1]
    assert without_engine[0] != 0
    assert "does not answer" in without_engine[1]
