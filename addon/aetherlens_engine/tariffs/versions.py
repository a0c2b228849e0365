"""A tariff's versions as stored: each a definition with its validity [valid_from, valid_to)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .load import build_tariff
from .model import Tariff


@dataclass(frozen=True, slots=True)
class StoredTariff:
    """One version of a tariff as stored, with its validity [valid_from, valid_to)."""

    id: int
    name: str
    version: int
    definition: dict[str, Any]
    valid_from: datetime
    valid_to: datetime | None

    def tariff(self) -> Tariff:
        """Build the tariff of this version."""
        return build_tariff(self.definition)
