"""The `saved_settings` table: each saved setting by its option's name, as JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import asyncpg


async def saved_rows(conn: asyncpg.Connection) -> dict[str, Any]:
    """Return every saved setting by key."""
    rows = await conn.fetch("SELECT key, value::text AS value FROM saved_settings")
    return {row["key"]: json.loads(row["value"]) for row in rows}


async def replace_saved(conn: asyncpg.Connection, saved: Mapping[str, Any]) -> None:
    """Make SAVED the saved settings: other keys are removed (they follow the file again)."""
    async with conn.transaction():
        await conn.execute(
            "DELETE FROM saved_settings WHERE NOT key = ANY($1::text[])", list(saved)
        )
        await conn.executemany(
            """
            INSERT INTO saved_settings (key, value) VALUES ($1, $2::jsonb)
            ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value
            """,
            [(key, json.dumps(value)) for key, value in saved.items()],
        )
