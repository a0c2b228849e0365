"""What the database can do, read from real PostgreSQL with and without TimescaleDB."""

from __future__ import annotations

import asyncpg
import pytest

from aetherlens_engine.storage import DatabaseFeatures, UnknownLicenceError, detect_features
from tests.postgres import ScratchDatabase


async def test_detects_the_database(database: ScratchDatabase, db_pool: asyncpg.Pool) -> None:
    """The Apache edition is found with the extension; plain PostgreSQL without it."""
    async with db_pool.acquire() as conn:
        features = await detect_features(conn)
        version = await conn.fetchval(
            "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'"
        )
    if database.timescaledb:
        assert version is not None
        assert features == DatabaseFeatures(version, "apache")
        assert features.hypertables
    else:
        assert features == DatabaseFeatures(None, None)
        assert not features.hypertables
    assert not features.compression_policies
    assert not features.retention_policies


def test_community_licence_has_policies() -> None:
    """The community licence (not installable here) adds compression and retention policies."""
    features = DatabaseFeatures.from_catalog("2.31.0", "timescale")
    assert features.licence == "timescale"
    assert features.hypertables
    assert features.compression_policies
    assert features.retention_policies


def test_without_the_extension_the_setting_is_ignored() -> None:
    """No extension means plain PostgreSQL, whatever a stray setting says."""
    assert DatabaseFeatures.from_catalog(None, "timescale") == DatabaseFeatures(None, None)


@pytest.mark.parametrize("licence", ["TSL", None])
def test_unknown_licence_is_refused(licence: str | None) -> None:
    """A licence this engine does not know is reported instead of guessed."""
    with pytest.raises(UnknownLicenceError, match=r"set timescaledb\.license"):
        DatabaseFeatures.from_catalog("2.31.0", licence)
