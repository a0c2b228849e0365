"""Amounts as a currency shows them: rounded to its minor unit."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 currencies whose minor unit is not a hundredth.
_MINOR_UNITS = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG"), 0),
    **dict.fromkeys(("RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}


def minor_unit(currency: str) -> int:
    """Return the decimals of CURRENCY's minor unit (2 for EUR, 0 for JPY)."""
    return _MINOR_UNITS.get(currency.upper(), 2)


def rounded(amount: Decimal, decimals: int) -> Decimal:
    """Return AMOUNT rounded half up to DECIMALS places (as a bill rounds)."""
    return amount.quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
