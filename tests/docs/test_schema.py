"""docs/develop/schema.md is the schema the migrations make (devtools/docs_schema.py writes it)."""

from __future__ import annotations

import asyncpg
import pytest

from aetherlens_engine.migrations import apply_migrations
from devtools.docs_schema import PAGE, describe
from tests.postgres import ScratchDatabase


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
async def test_the_schema_page_is_the_migrated_schema(
    socket_enabled: None,  # before the database, which connects in its setup
    database: ScratchDatabase,
) -> None:
    conn = await asyncpg.connect(database.dsn)
    try:
        await apply_migrations(conn)
        page = await describe(conn)
    finally:
        await conn.close()

    assert "## readings {#readings}" in page
    assert "| [readings](#readings) | [devices](#devices) |" in page
    assert PAGE.read_text() == page, (
        "docs/develop/schema.md is stale: run "
        "`scripts/devenv run python -m devtools.docs_schema` and commit it"
    )
