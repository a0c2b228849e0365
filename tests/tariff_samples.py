"""Tariffs shared by the engine's and the integration's tests."""

from __future__ import annotations

from typing import Any

# Day rate 08:00-20:00 Berlin time, off-peak around it (one period in two rules).
DAY_NIGHT: dict[str, Any] = {
    "name": "day-night",
    "currency": "EUR",
    "timezone": "Europe/Berlin",
    "energy": {
        "periods": [
            {"name": "off", "end": "08:00", "price": "0.20"},
            {"name": "day", "start": "08:00", "end": "20:00", "price": "0.30"},
            {"name": "off", "start": "20:00", "price": "0.20"},
        ]
    },
}
