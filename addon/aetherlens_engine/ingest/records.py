"""The shape of a validated reading on its way to the database: one row of `readings`."""

from __future__ import annotations

from datetime import datetime

# (time in UTC, device id, value in the device's canonical unit, quality flags), in the column
# order of `readings`. Plain tuples: they cost least to build and asyncpg's COPY takes them as is.
type Record = tuple[datetime, int, float, int]

COLUMNS = ("time", "device_id", "value", "quality")
