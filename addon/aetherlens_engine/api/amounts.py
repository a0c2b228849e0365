"""How the API writes amounts: exact decimal strings."""

from __future__ import annotations

from decimal import Decimal


def decimal_text(value: Decimal | None) -> str | None:
    """Write an amount exactly, without exponent or trailing zeros (`12.5`, `0`)."""
    if value is None:
        return None
    return format(value.normalize(), "f")
