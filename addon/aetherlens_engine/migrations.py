"""Versioned SQL migrations from `timescale/`, each applied once, in its own transaction."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from .errors import MigrationError

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "timescale"
_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
# Any fixed number: engines sharing a database take turns to migrate it.
_LOCK_ID = 0x4145_5448


@dataclass(frozen=True, slots=True)
class Migration:
    """One SQL file of the schema's history."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        """Return the SHA-256 of the SQL, to notice a migration edited after it was applied."""
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Read the migrations of DIRECTORY, numbered 0001, 0002, … without gaps."""
    migrations = []
    for path in sorted(directory.glob("*.sql")):
        match = _FILE_NAME.match(path.name)
        if match is None:
            raise MigrationError(f"{path.name}: migration files are named NNNN_name.sql")
        migrations.append(Migration(int(match[1]), match[2], path.read_text()))
    for expected, migration in enumerate(migrations, start=1):
        if migration.version != expected:
            raise MigrationError(f"migration {expected:04d} is missing from {directory}")
    if not migrations:
        raise MigrationError(f"no migrations found in {directory}")
    return migrations


async def apply_migrations(
    conn: asyncpg.Connection, migrations: list[Migration] | None = None
) -> list[int]:
    """Bring the database's schema up to date; return the versions applied now.

    Refuses a database whose schema is newer than these migrations, or whose applied
    migrations differ from the files.
    """
    migrations = load_migrations() if migrations is None else migrations
    await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_ID)
    try:
        await conn.execute(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version     integer     PRIMARY KEY,
                name        text        NOT NULL,
                checksum    text        NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT now()
            )
            """
        )
        applied = {
            row["version"]: row["checksum"]
            for row in await conn.fetch("SELECT version, checksum FROM schema_migrations")
        }
        known = {m.version: m for m in migrations}
        if newer := sorted(set(applied) - set(known)):
            raise MigrationError(
                f"the database schema is at version {newer[-1]}, newer than this engine "
                f"knows ({max(known, default=0)}): update the engine"
            )
        for version, checksum in applied.items():
            if known[version].checksum != checksum:
                raise MigrationError(
                    f"migration {version:04d} differs from the one applied to the database"
                )
        done = []
        for migration in migrations:
            if migration.version in applied:
                continue
            async with conn.transaction():
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    migration.version,
                    migration.name,
                    migration.checksum,
                )
            done.append(migration.version)
        return done
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_ID)
