"""The init service's logic on a real data directory with the real PostgreSQL programs.

Each start runs `python3 -m aetherlens_engine.supervisor init` in its own process, as the
`init-aetherlens` oneshot does in the container.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from aetherlens_engine.migrations import apply_migrations
from aetherlens_engine.supervisor.backup import manifest_path
from aetherlens_engine.supervisor.paths import AddonPaths

from .addon_process import log_messages, postgres_service, run_addon, running_database

PROBE = "aetherlens_probe"


def _init(paths: AddonPaths) -> str:
    """Run the init command; return its report line (it must succeed)."""
    result = run_addon(paths, "init")
    assert result.returncode == 0, result.stderr
    [report] = [m for m in log_messages(result.stderr) if m.startswith("Database ready")]
    return report


@pytest.fixture
def probe_extension() -> Iterator[Path]:
    """Install a two-version SQL extension in a directory of its own (PostgreSQL 18's path)."""
    with tempfile.TemporaryDirectory(prefix="aetherlens-ext-") as root:
        directory = Path(root, "extension")
        directory.mkdir()
        files = {
            f"{PROBE}.control": "default_version = '1.1'\nrelocatable = true\n",
            f"{PROBE}--1.0.sql": f"CREATE FUNCTION {PROBE}() RETURNS text "
            "LANGUAGE sql AS $$ SELECT '1.0' $$;\n",
            f"{PROBE}--1.0--1.1.sql": f"CREATE OR REPLACE FUNCTION {PROBE}() RETURNS text "
            "LANGUAGE sql AS $$ SELECT '1.1' $$;\n",
        }
        for name, text in files.items():
            (directory / name).write_text(text)
            (directory / name).chmod(0o644)
        directory.chmod(0o755)
        Path(root).chmod(0o755)
        yield Path(root)


async def test_first_start_creates_the_cluster_and_second_start_changes_nothing(
    addon_paths: AddonPaths,
) -> None:
    first = await asyncio.to_thread(_init, addon_paths)
    assert first == (
        "Database ready (created: True, restored from a backup: False, updated: nothing)"
    )
    assert (addon_paths.cluster_dir / "PG_VERSION").exists()
    assert not (addon_paths.cluster_dir / "postmaster.pid").exists()  # stopped again
    async with running_database(addon_paths) as conn:
        extension = await conn.fetchval(
            "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'"
        )
    assert extension is not None

    second = await asyncio.to_thread(_init, addon_paths)
    assert second == (
        "Database ready (created: False, restored from a backup: False, updated: nothing)"
    )


async def test_an_older_extension_is_updated(
    addon_paths: AddonPaths, probe_extension: Path
) -> None:
    await asyncio.to_thread(_init, addon_paths)
    # Where an image update would put a newer version of an installed extension.
    with (addon_paths.cluster_dir / "postgresql.conf").open("a") as conf:
        conf.write(f"extension_control_path = '{probe_extension}:$system'\n")
    async with running_database(addon_paths) as conn:
        await conn.execute(f"CREATE EXTENSION {PROBE} VERSION '1.0'")
        assert await conn.fetchval(f"SELECT {PROBE}()") == "1.0"

    report = await asyncio.to_thread(_init, addon_paths)
    assert report.endswith(f"updated: {PROBE} 1.0 → 1.1)")
    async with running_database(addon_paths) as conn:
        assert await conn.fetchval(f"SELECT {PROBE}()") == "1.1"
    assert (await asyncio.to_thread(_init, addon_paths)).endswith("updated: nothing)")


async def test_a_cluster_of_another_major_version_is_refused(addon_paths: AddonPaths) -> None:
    addon_paths.cluster_dir.mkdir()
    (addon_paths.cluster_dir / "PG_VERSION").write_text("16\n")
    (addon_paths.cluster_dir / "base").mkdir()
    before = sorted(p.name for p in addon_paths.cluster_dir.iterdir())
    installed = addon_paths.cluster().server_major

    result = await asyncio.to_thread(run_addon, addon_paths, "init")
    assert result.returncode == 1
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith(f"aetherlens: the database in {addon_paths.cluster_dir} was made")
    assert f"PostgreSQL 16, and this add-on version runs PostgreSQL {installed}" in message
    assert "Nothing was changed" in message
    assert "restore a backup" in message
    assert sorted(p.name for p in addon_paths.cluster_dir.iterdir()) == before
    assert (addon_paths.cluster_dir / "PG_VERSION").read_text() == "16\n"


async def test_a_stale_lock_file_is_removed(addon_paths: AddonPaths) -> None:
    await asyncio.to_thread(_init, addon_paths)
    # What a killed container leaves: a lock naming a process of the old container.
    (addon_paths.cluster_dir / "postmaster.pid").write_text(f"1\n{addon_paths.cluster_dir}\n")
    result = await asyncio.to_thread(run_addon, addon_paths, "init")
    assert result.returncode == 0, result.stderr
    assert any("did not shut down cleanly" in m for m in log_messages(result.stderr))
    assert not (addon_paths.cluster_dir / "postmaster.pid").exists()


async def test_init_refuses_while_the_server_runs(addon_paths: AddonPaths) -> None:
    await asyncio.to_thread(_init, addon_paths)
    with postgres_service(addon_paths):
        result = await asyncio.to_thread(run_addon, addon_paths, "init")
        assert (addon_paths.cluster_dir / "postmaster.pid").exists()  # left alone
    assert result.returncode == 1
    assert "a PostgreSQL server is running" in result.stderr.strip().splitlines()[-1]


async def test_a_restored_backup_is_loaded_into_a_new_cluster(addon_paths: AddonPaths) -> None:
    await asyncio.to_thread(_init, addon_paths)
    async with running_database(addon_paths) as conn:
        await apply_migrations(conn)
        await conn.execute(
            "INSERT INTO devices (source, source_id, name, kind, unit) "
            "VALUES ('test', 'fridge', 'Fridge', 'appliance', 'W')"
        )
        await conn.execute(
            "INSERT INTO readings (time, device_id, value) "
            "SELECT t, 1, extract(hour FROM t) FROM generate_series("
            "'2026-10-01'::timestamptz, '2026-11-20', '1 hour') AS t"
        )
        before = tuple(await conn.fetchrow("SELECT count(*), sum(value) FROM readings"))
    # The Supervisor's backup_pre, while the add-on (its PostgreSQL service) runs.
    with postgres_service(addon_paths):
        dumped = await asyncio.to_thread(run_addon, addon_paths, "backup")
    assert dumped.returncode == 0, dumped.stderr
    assert addon_paths.dump_file.stat().st_size > 0
    assert manifest_path(addon_paths.dump_file).exists()
    # What a Home Assistant restore leaves: the data without the (excluded) cluster.
    await asyncio.to_thread(shutil.rmtree, addon_paths.cluster_dir)

    report = await asyncio.to_thread(_init, addon_paths)
    assert report.startswith("Database ready (created: True, restored from a backup: True")
    assert not addon_paths.dump_file.exists()
    assert not manifest_path(addon_paths.dump_file).exists()
    async with running_database(addon_paths) as conn:
        after = tuple(await conn.fetchrow("SELECT count(*), sum(value) FROM readings"))
        hypertables = await conn.fetchval(
            "SELECT count(*) FROM timescaledb_information.hypertables "
            "WHERE hypertable_name = 'readings'"
        )
        applied = await apply_migrations(conn)  # the engine's next start: nothing left to do
    assert after == before
    assert before[0] > 0
    assert hypertables == 1
    assert applied == []


async def test_backup_done_removes_the_dump(addon_paths: AddonPaths) -> None:
    addon_paths.backup_dir.mkdir()
    addon_paths.dump_file.write_bytes(b"dump")
    manifest_path(addon_paths.dump_file).write_text("{}")
    result = await asyncio.to_thread(run_addon, addon_paths, "backup-done")
    assert result.returncode == 0, result.stderr
    assert list(addon_paths.backup_dir.iterdir()) == []


async def test_a_failed_restore_leaves_no_half_made_cluster(addon_paths: AddonPaths) -> None:
    addon_paths.backup_dir.mkdir()
    addon_paths.dump_file.write_bytes(b"not a dump")
    manifest_path(addon_paths.dump_file).write_text('{"timescaledb": null}')
    result = await asyncio.to_thread(run_addon, addon_paths, "init")
    assert result.returncode == 1
    assert "pg_restore" in result.stderr.strip().splitlines()[-1]
    assert not addon_paths.cluster_dir.exists()  # the next start tries again
    assert addon_paths.dump_file.exists()


async def test_a_dump_without_manifest_is_refused(addon_paths: AddonPaths) -> None:
    addon_paths.backup_dir.mkdir()
    addon_paths.dump_file.write_bytes(b"made by hand")
    result = await asyncio.to_thread(run_addon, addon_paths, "init")
    assert result.returncode == 1
    assert "it was not made by the add-on's backup" in result.stderr.strip().splitlines()[-1]
    assert not addon_paths.cluster_dir.exists()


async def test_a_dump_of_a_timescaledb_this_image_lacks_is_refused(
    addon_paths: AddonPaths,
) -> None:
    addon_paths.backup_dir.mkdir()
    addon_paths.dump_file.write_bytes(b"dump")
    manifest_path(addon_paths.dump_file).write_text('{"timescaledb": "1.0.0"}')
    result = await asyncio.to_thread(run_addon, addon_paths, "init")
    assert result.returncode == 1
    message = result.stderr.strip().splitlines()[-1]
    assert "the backup was made with TimescaleDB 1.0.0" in message
    assert "restore it with the add-on version that made it" in message
