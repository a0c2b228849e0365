"""docs/develop/schema.md is the schema the migrations make (devtools/docs_schema.py writes it).

Its tables, their keys and references, and the Mermaid diagram drawn from them: a migration that
changes any of them fails this test until the page is generated again.
"""

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
    # The diagram: each reading has its device; a device may sit inside another, or in none.
    assert "```mermaid\nerDiagram\n" in page
    assert '    devices ||--o{ readings : "device_id"' in page
    assert '    devices |o--o{ devices : "included_in"' in page
    assert "        timestamp_with_time_zone time PK\n" in page
    assert PAGE.read_text() == page, (
        "docs/develop/schema.md is stale: run "
        "`scripts/devenv run python -m devtools.docs_schema` and commit it"
    )
