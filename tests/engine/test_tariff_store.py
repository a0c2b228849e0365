"""Versioned tariffs in PostgreSQL (with and without TimescaleDB)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from aetherlens_engine.migrations import apply_migrations
from aetherlens_engine.pricing.store.tariffs import save_tariff, tariff_at, tariff_versions
from aetherlens_engine.tariffs import TariffError


@pytest.fixture
async def pool(db_pool: asyncpg.Pool) -> asyncpg.Pool:
    async with db_pool.acquire() as conn:
        await apply_migrations(conn)
    return db_pool


def definition(price: str) -> dict[str, Any]:
    return {
        "name": "Home",
        "currency": "EUR",
        "timezone": "Europe/Berlin",
        "energy": {"price": price},
        "holidays": {"dates": [date(2024, 12, 24)]},  # a YAML date, stored as text
    }


async def test_versions_follow_each_other(pool: asyncpg.Pool) -> None:
    january = datetime(2024, 1, 1, tzinfo=UTC)
    july = datetime(2024, 7, 1, tzinfo=UTC)
    async with pool.acquire() as conn:
        first = await save_tariff(conn, definition("0.30"), january)
        second = await save_tariff(conn, definition("0.35"), july)
        assert (first.version, second.version) == (1, 2)
        versions = await tariff_versions(conn, "Home")
        assert [(v.valid_from, v.valid_to) for v in versions] == [(january, july), (july, None)]
        before = await tariff_at(conn, "Home", datetime(2024, 6, 30, 23, tzinfo=UTC))
        after = await tariff_at(conn, "Home", july)
        assert before is not None
        assert after is not None
        assert before.tariff().energy.rules[0].value[0].price == Decimal("0.30")
        assert after.tariff().energy.rules[0].value[0].price == Decimal("0.35")
        assert after.definition["holidays"]["dates"] == ["2024-12-24"]
        assert await tariff_at(conn, "Home", datetime(2023, 12, 31, tzinfo=UTC)) is None


async def test_invalid_or_out_of_order_versions_are_refused(pool: asyncpg.Pool) -> None:
    july = datetime(2024, 7, 1, tzinfo=UTC)
    async with pool.acquire() as conn:
        with pytest.raises(TariffError, match=r"energy\.price: expected a number"):
            await save_tariff(conn, definition("cheap"), july)
        await save_tariff(conn, definition("0.30"), july)
        with pytest.raises(TariffError, match="valid_from: must be after 2024-07-01"):
            await save_tariff(conn, definition("0.25"), datetime(2024, 1, 1, tzinfo=UTC))
        with pytest.raises(TariffError, match="valid_from: give a time with a time zone"):
            await save_tariff(conn, definition("0.25"), datetime(2024, 8, 1))  # noqa: DTZ001
        assert len(await tariff_versions(conn, "Home")) == 1
