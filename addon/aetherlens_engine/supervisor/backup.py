"""Consistent database dumps for Home Assistant backups, and their restore.

The Supervisor runs `backup_pre` inside the running container before it archives `/data`: a
`pg_dump` in custom format (one snapshot of the whole database) lands in `/data/backup`, beside a
manifest naming the TimescaleDB version it was made with, while the live cluster files are left
out of the archive. `backup_post` removes both again. After a restore `/data` holds the dump and
no cluster: the init service creates a new cluster and loads the dump into it.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import asyncpg

from aetherlens_engine.errors import EngineError

MANIFEST_SUFFIX = ".json"
_VERSION = re.compile(r"[0-9A-Za-z.\-]+")


class BackupError(EngineError):
    """A dump could not be made or loaded."""


def manifest_path(dump: Path) -> Path:
    """Return the manifest that goes with DUMP."""
    return dump.with_name(dump.name + MANIFEST_SUFFIX)


async def _timescaledb_version(dsn: str) -> str | None:
    conn = await asyncpg.connect(dsn)
    try:
        version: str | None = await conn.fetchval(
            "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'"
        )
    finally:
        await conn.close()
    return version


async def _run(program: Path, *args: str) -> None:
    process = await asyncio.create_subprocess_exec(
        str(program),
        *args,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await process.communicate()
    if process.returncode != 0:
        detail = " ".join(stderr.decode(errors="replace").strip().splitlines()[-3:])
        raise BackupError(f"{program.name} failed: {detail}")


async def dump_database(dsn: str, target: Path, bindir: Path) -> Path:
    """Write a custom-format dump of the database at DSN to TARGET, and its manifest.

    Both appear complete or not at all; a TimescaleDB dump must be loaded into the same
    TimescaleDB version, so the manifest records it.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    manifest = {"timescaledb": await _timescaledb_version(dsn)}
    partial = target.with_name(f".{target.name}.partial")
    try:
        await _run(bindir / "pg_dump", "--format=custom", f"--file={partial}", f"--dbname={dsn}")
    except BackupError:
        partial.unlink(missing_ok=True)
        raise
    manifest_path(target).write_text(json.dumps(manifest) + "\n")
    partial.replace(target)
    return target


def remove_dump(dump: Path) -> None:
    """Remove DUMP and its manifest (after the backup took them, or after a restore)."""
    dump.unlink(missing_ok=True)
    manifest_path(dump).unlink(missing_ok=True)


def _dumped_timescaledb(dump: Path) -> str | None:
    try:
        manifest = json.loads(manifest_path(dump).read_text())
    except (OSError, ValueError) as err:
        raise BackupError(
            f"{dump} has no readable manifest ({manifest_path(dump).name}): it was not made by "
            "the add-on's backup"
        ) from err
    version = manifest.get("timescaledb") if isinstance(manifest, dict) else None
    if version is not None and not (isinstance(version, str) and _VERSION.fullmatch(version)):
        raise BackupError(f"{manifest_path(dump)} names no valid TimescaleDB version")
    return version


async def restore_dump(dsn: str, dump: Path, bindir: Path) -> None:
    """Load DUMP into the new, empty database at DSN.

    A TimescaleDB dump goes into the TimescaleDB version it was made with, in restore mode, so
    the hypertables' catalog and chunks load as they are; updating the extension afterwards
    (see initialize.update_extensions) brings it to the image's version.
    """
    version = _dumped_timescaledb(dump)
    conn = await asyncpg.connect(dsn)
    try:
        if version is not None:
            try:
                await conn.execute(
                    f"CREATE EXTENSION IF NOT EXISTS timescaledb VERSION '{version}'"
                )
            except asyncpg.PostgresError as err:
                raise BackupError(
                    f"the backup was made with TimescaleDB {version}, which this add-on version "
                    f"cannot load ({err}): restore it with the add-on version that made it"
                ) from err
            await conn.execute("SELECT timescaledb_pre_restore()")
    finally:
        await conn.close()
    try:
        await _run(
            bindir / "pg_restore", "--exit-on-error", "--no-owner", f"--dbname={dsn}", str(dump)
        )
    finally:
        if version is not None:
            conn = await asyncpg.connect(dsn)
            try:
                await conn.execute("SELECT timescaledb_post_restore()")
            finally:
                await conn.close()
