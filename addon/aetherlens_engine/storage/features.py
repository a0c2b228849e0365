"""What the database can do: TimescaleDB present or not, and under which licence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import asyncpg

from aetherlens_engine.errors import EngineError

type Licence = Literal["timescale", "apache"]

_LICENCES: tuple[Licence, ...] = ("timescale", "apache")


class UnknownLicenceError(EngineError):
    """TimescaleDB reports a licence this engine does not know."""


@dataclass(frozen=True, slots=True)
class DatabaseFeatures:
    """The TimescaleDB version (None: plain PostgreSQL) and its licence.

    'timescale' is the community licence (compression, retention and other background policies);
    'apache' is the open-source edition (hypertables, time_bucket, drop_chunks, no policies).
    """

    timescaledb_version: str | None
    licence: Licence | None

    @classmethod
    def from_catalog(cls, version: str | None, licence: str | None) -> DatabaseFeatures:
        """Return the features of an extension VERSION (None: absent) under a LICENCE setting."""
        if version is None:
            return cls(None, None)
        if licence not in _LICENCES:
            raise UnknownLicenceError(
                f"TimescaleDB {version} reports the licence {licence!r}; this engine knows "
                f"{' and '.join(_LICENCES)}: set timescaledb.license to one of them"
            )
        return cls(version, licence)

    @property
    def hypertables(self) -> bool:
        """Return whether tables can be hypertables (any TimescaleDB edition)."""
        return self.timescaledb_version is not None

    @property
    def compression_policies(self) -> bool:
        """Return whether compression and its background policy are available."""
        return self.licence == "timescale"

    @property
    def retention_policies(self) -> bool:
        """Return whether TimescaleDB can drop old chunks by itself (add_retention_policy)."""
        return self.licence == "timescale"


async def detect_features(conn: asyncpg.Connection) -> DatabaseFeatures:
    """Read the TimescaleDB extension's version and licence of the connected database."""
    row = await conn.fetchrow(
        """
        SELECT extversion, current_setting('timescaledb.license', true) AS licence
        FROM pg_extension WHERE extname = 'timescaledb'
        """
    )
    if row is None:
        return DatabaseFeatures(None, None)
    return DatabaseFeatures.from_catalog(row["extversion"], row["licence"])
