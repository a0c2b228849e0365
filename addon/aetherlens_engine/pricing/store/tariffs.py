"""Versioned tariffs in the `tariffs` table.

Saving a definition validates it first and adds the next version of its name; the version in
force until then ends where the new one starts, so validity never overlaps. Every version of a
name prices the same commodity.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import asyncpg

from aetherlens_engine.models import Commodity
from aetherlens_engine.tariffs.load import build_tariff
from aetherlens_engine.tariffs.model import TariffError
from aetherlens_engine.tariffs.source import EPOCH
from aetherlens_engine.tariffs.versions import StoredTariff

COLUMNS = "id, name, version, definition::text AS definition, valid_from, valid_to"
_COMMODITY = "coalesce(definition->>'commodity', 'electricity')"  # build_tariff's default
_LATEST_SQL = """
SELECT DISTINCT ON (name) name, version, valid_from, valid_to, created_at
FROM tariffs ORDER BY name, version DESC
"""
_VERSIONS_SQL = """
SELECT id, version, valid_from, valid_to, created_at, definition::text AS definition
FROM tariffs WHERE name = $1 ORDER BY version
"""
# The engine setting naming each commodity's active tariff.
ACTIVE_KEYS = {
    Commodity.ELECTRICITY: "active_tariff",
    Commodity.GAS: "active_tariff_gas",
    Commodity.WATER: "active_tariff_water",
}


def stored_from_row(row: asyncpg.Record) -> StoredTariff:
    """Return the version a row of `COLUMNS` describes."""
    return StoredTariff(
        row["id"],
        row["name"],
        row["version"],
        json.loads(row["definition"]),
        row["valid_from"],
        row["valid_to"],
    )


async def save_tariff(
    conn: asyncpg.Connection, definition: Mapping[str, Any], valid_from: datetime
) -> StoredTariff:
    """Validate the definition and store it as the next version of its name from `valid_from`."""
    if valid_from.tzinfo is None:
        raise TariffError("valid_from: give a time with a time zone")
    # YAML dates become ISO text, as JSON would have them.
    canonical = json.loads(json.dumps(definition, default=str))
    tariff = build_tariff(canonical)
    async with conn.transaction():
        # Serialise versions of one name: concurrent saves would pick the same number.
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext('tariffs:' || $1))", tariff.name)
        latest = await conn.fetchrow(
            f"SELECT id, version, valid_from, valid_to, {_COMMODITY} AS commodity FROM tariffs "
            "WHERE name = $1 ORDER BY version DESC LIMIT 1",
            tariff.name,
        )
        version = 1
        if latest is not None:
            if latest["commodity"] != tariff.commodity:
                raise TariffError(
                    f"commodity: {tariff.name!r} prices {latest['commodity']}: its versions "
                    f"cannot price {tariff.commodity} (give the tariff another name)"
                )
            if valid_from <= latest["valid_from"]:
                raise TariffError(
                    f"valid_from: must be after {latest['valid_from'].isoformat()}, when version "
                    f"{latest['version']} of {tariff.name!r} became valid"
                )
            if latest["valid_to"] is None or latest["valid_to"] > valid_from:
                await conn.execute(
                    "UPDATE tariffs SET valid_to = $2 WHERE id = $1", latest["id"], valid_from
                )
            version = latest["version"] + 1
        row = await conn.fetchrow(
            "INSERT INTO tariffs (name, version, definition, valid_from) "
            f"VALUES ($1, $2, $3::jsonb, $4) RETURNING {COLUMNS}",
            tariff.name,
            version,
            json.dumps(canonical),
            valid_from,
        )
    return stored_from_row(row)


async def default_valid_from(conn: asyncpg.Connection, name: str, now: datetime) -> datetime:
    """Where a new version starts when none is given.

    The first version of a name is in force since EPOCH, so energy recorded or backfilled at
    any time is priced; a later one starts NOW.
    """
    exists = await conn.fetchval("SELECT EXISTS (SELECT 1 FROM tariffs WHERE name = $1)", name)
    return now if exists else EPOCH


async def latest_definition(conn: asyncpg.Connection, name: str) -> dict[str, Any] | None:
    """Return the definition of the named tariff's latest version, if it has one."""
    latest = await conn.fetchval(
        "SELECT definition FROM tariffs WHERE name = $1 ORDER BY version DESC LIMIT 1", name
    )
    return json.loads(latest) if latest is not None else None


async def tariff_at(conn: asyncpg.Connection, name: str, instant: datetime) -> StoredTariff | None:
    """Return the version of the named tariff in force at the instant, if any."""
    row = await conn.fetchrow(
        f"SELECT {COLUMNS} FROM tariffs WHERE name = $1 AND valid_from <= $2 "
        "AND (valid_to IS NULL OR valid_to > $2)",
        name,
        instant,
    )
    return stored_from_row(row) if row is not None else None


async def tariff_versions(conn: asyncpg.Connection, name: str) -> list[StoredTariff]:
    """Return every version of the named tariff, oldest first."""
    rows = await conn.fetch(f"SELECT {COLUMNS} FROM tariffs WHERE name = $1 ORDER BY version", name)
    return [stored_from_row(row) for row in rows]


async def tariff_names(conn: asyncpg.Connection, commodity: Commodity | None = None) -> list[str]:
    """Return the name of every stored tariff (of COMMODITY, if given), in name order."""
    rows = await conn.fetch(
        f"SELECT DISTINCT name FROM tariffs WHERE $1::text IS NULL OR {_COMMODITY} = $1 "
        "ORDER BY name",
        None if commodity is None else str(commodity),
    )
    return [row["name"] for row in rows]


async def active_tariff_name(conn: asyncpg.Connection) -> str | None:
    """Return the name of the tariff the engine prices electricity with, if one is chosen."""
    name: str | None = await conn.fetchval(
        "SELECT value #>> '{}' FROM engine_settings WHERE key = 'active_tariff'"
    )
    return name


async def set_active_tariff(conn: asyncpg.Connection, name: str) -> Commodity:
    """Make the named tariff the one the engine prices its commodity with; return that.

    One tariff is active per commodity: electricity's prices the household's hours (and is
    `active_tariff_name`), gas's and water's the ledger (`pricing.ledger`).
    """
    commodity = await conn.fetchval(
        f"SELECT {_COMMODITY} FROM tariffs WHERE name = $1 ORDER BY version DESC LIMIT 1", name
    )
    if commodity is None:
        raise TariffError(f"name: no tariff named {name!r}")
    await conn.execute(
        "INSERT INTO engine_settings (key, value) VALUES ($2, to_jsonb($1::text)) "
        "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()",
        name,
        ACTIVE_KEYS[Commodity(commodity)],
    )
    return Commodity(commodity)


async def active_tariff_names(conn: asyncpg.Connection) -> dict[Commodity, str]:
    """Return the active tariff's name of each commodity that has one."""
    rows = await conn.fetch(
        "SELECT key, value #>> '{}' AS name FROM engine_settings WHERE key = ANY($1::text[])",
        list(ACTIVE_KEYS.values()),
    )
    by_key = {key: commodity for commodity, key in ACTIVE_KEYS.items()}
    return {by_key[row["key"]]: row["name"] for row in rows}


async def connection_tariffs(conn: asyncpg.Connection) -> dict[str, str]:
    """Return the tariff's name of each grid connection that has one of its own."""
    rows = await conn.fetch("SELECT connection, tariff FROM connection_tariffs ORDER BY connection")
    return {row["connection"]: row["tariff"] for row in rows}


async def attach_tariff(conn: asyncpg.Connection, connection: str, name: str) -> None:
    """Price the grid CONNECTION (its meters' `devices.connection`) with the tariff NAME.

    The tariff must price electricity; the connection's devices leave the active tariff's
    household for their own, with the tariff's own billing cycle (timescale/0022).
    """
    commodity = await conn.fetchval(
        f"SELECT {_COMMODITY} FROM tariffs WHERE name = $1 ORDER BY version DESC LIMIT 1", name
    )
    if commodity is None:
        raise TariffError(f"name: no tariff named {name!r}")
    if commodity != Commodity.ELECTRICITY:
        raise TariffError(
            f"name: {name!r} prices {commodity}; a grid connection's tariff prices electricity"
        )
    if not await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM devices WHERE connection = $1)", connection
    ):
        raise TariffError(f"connection: no grid connection {connection!r} is recorded")
    await conn.execute(
        "INSERT INTO connection_tariffs (connection, tariff) VALUES ($1, $2) "
        "ON CONFLICT (connection) DO UPDATE SET tariff = EXCLUDED.tariff, attached_at = now()",
        connection,
        name,
    )


async def detach_tariff(conn: asyncpg.Connection, connection: str) -> str | None:
    """Leave the grid CONNECTION to the active tariff; return the tariff it had (None: none).

    Its own rates and pending recompute go with it: nothing prices by them any more.
    """
    name: str | None = await conn.fetchval(
        "DELETE FROM connection_tariffs WHERE connection = $1 RETURNING tariff", connection
    )
    if name is not None:
        await conn.execute("DELETE FROM cost_rates WHERE connection = $1", connection)
        await conn.execute("DELETE FROM tariff_recompute WHERE connection = $1", connection)
    return name


async def active_tariff_at(conn: asyncpg.Connection, instant: datetime) -> StoredTariff | None:
    """Return the version of the active tariff in force at the instant, if any."""
    name = await active_tariff_name(conn)
    return await tariff_at(conn, name, instant) if name is not None else None


async def latest_versions(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """Return the latest version of every tariff by name: its validity and when it was saved."""
    rows: list[asyncpg.Record] = await conn.fetch(_LATEST_SQL)
    return rows


async def version_rows(conn: asyncpg.Connection, name: str) -> list[asyncpg.Record]:
    """Return every version of the named tariff, oldest first, as saved (definition as text)."""
    rows: list[asyncpg.Record] = await conn.fetch(_VERSIONS_SQL, name)
    return rows


async def delete_inactive_tariff(conn: asyncpg.Connection, name: str) -> bool:
    """Delete every version of NAME (and their costs) unless it is active; return if it was not.

    Serialised with activation: an activation between the check and the delete would leave the
    engine pricing with a tariff that no longer exists.
    """
    async with conn.transaction():
        await conn.execute("LOCK TABLE engine_settings IN SHARE ROW EXCLUSIVE MODE")
        if await active_tariff_name(conn) == name:
            return False
        await conn.execute("DELETE FROM tariffs WHERE name = $1", name)
    return True
