"""Tariff definitions as users hand them in: native YAML/JSON or a URDB rate, from a body or a file.

Everything becomes a canonical native definition (what `tariffs.definition` stores: JSON types,
YAML dates as ISO text), validated by building the `Tariff`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .load import build_tariff, read_definition
from .model import Tariff, TariffError
from .urdb import import_urdb, is_urdb

# Where the first version of a tariff starts unless told otherwise: before any energy.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Definition:
    """A validated native definition, and the URDB fields it could not carry (if imported)."""

    definition: dict[str, Any]
    unsupported: tuple[str, ...]
    tariff: Tariff


def native_definition(data: Any, *, name: str | None = None) -> Definition:
    """Validate a native definition; NAME, if given, replaces the definition's own."""
    if not isinstance(data, Mapping):
        raise TariffError("definition: expected a mapping of tariff fields")
    canonical: dict[str, Any] = json.loads(json.dumps(dict(data), default=str))
    if name is not None:
        canonical["name"] = name
    return Definition(canonical, (), build_tariff(canonical))


def urdb_definition(data: Any, timezone: str, *, name: str | None = None) -> Definition:
    """Import a URDB rate in the utility's TIMEZONE; NAME, if given, replaces URDB's name."""
    imported = import_urdb(data, timezone)
    native = native_definition(imported.definition, name=name)
    return Definition(native.definition, imported.unsupported, native.tariff)


def read_tariff_file(path: Path, timezone: str) -> Definition:
    """Read a native YAML/JSON tariff or a URDB rate JSON (priced in TIMEZONE) from PATH."""
    data = read_definition(path)
    return urdb_definition(data, timezone) if is_urdb(data) else native_definition(data)
