"""The engine's active tariff: chosen by name, resolved to the version in force."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest

from aetherlens_engine.migrations import apply_migrations
from aetherlens_engine.pricing.store.tariffs import (
    active_tariff_at,
    active_tariff_name,
    save_tariff,
    set_active_tariff,
)
from aetherlens_engine.tariffs.model import TariffError

FLAT = {
    "name": "flat",
    "currency": "EUR",
    "timezone": "Europe/Berlin",
    "energy": {"price": "0.30"},
}


@pytest.fixture
async def conn(db_pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """A connection to a migrated database."""
    async with db_pool.acquire() as connection:
        await apply_migrations(connection)
        yield connection


async def test_no_active_tariff_until_one_is_chosen(conn: asyncpg.Connection) -> None:
    """Saving a tariff does not activate it."""
    await save_tariff(conn, FLAT, datetime(2024, 1, 1, tzinfo=UTC))
    assert await active_tariff_name(conn) is None
    assert await active_tariff_at(conn, datetime(2024, 6, 1, tzinfo=UTC)) is None


async def test_active_tariff_resolves_the_version_in_force(conn: asyncpg.Connection) -> None:
    """The active name picks each instant's version; choosing again replaces the name."""
    first = await save_tariff(conn, FLAT, datetime(2024, 1, 1, tzinfo=UTC))
    second = await save_tariff(
        conn, {**FLAT, "energy": {"price": "0.35"}}, datetime(2024, 7, 1, tzinfo=UTC)
    )
    await set_active_tariff(conn, "flat")
    assert await active_tariff_name(conn) == "flat"
    before = await active_tariff_at(conn, datetime(2024, 3, 1, tzinfo=UTC))
    after = await active_tariff_at(conn, datetime(2024, 8, 1, tzinfo=UTC))
    assert (before and before.id, after and after.id) == (first.id, second.id)
    assert await active_tariff_at(conn, datetime(2023, 12, 31, tzinfo=UTC)) is None


async def test_unknown_tariff_cannot_be_activated(conn: asyncpg.Connection) -> None:
    """Activating a name without versions is refused and keeps the choice."""
    with pytest.raises(TariffError, match="name: no tariff named 'other'"):
        await set_active_tariff(conn, "other")
    assert await active_tariff_name(conn) is None
