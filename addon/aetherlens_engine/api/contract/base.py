"""The building blocks of the API's models: the base struct and the wire formats of values.

Amounts travel as exact decimal strings (`12.5`, never a float) and instants as ISO 8601 text
with the offset the engine computed them in (`2026-03-01T00:00:00+00:00`), as the integration
and the page have always read them; the types below carry those formats into the document.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

import msgspec
from aiohttp import web


class Model(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """An answer or a request body: every field named, no other allowed.

    A field without a default is required (null where its type allows); one defaulting to
    `msgspec.UNSET` may be absent.
    """


class Query(msgspec.Struct, kw_only=True):
    """A route's query parameters, one per field; parameters it does not name are ignored."""


DECIMAL_PATTERN = r"^-?\d+(\.\d+)?$"

Money = Annotated[str, msgspec.Meta(pattern=DECIMAL_PATTERN)]
"""An exact decimal (an amount, a price, kWh on a bill), written without exponent."""
Instant = Annotated[str, msgspec.Meta(extra_json_schema={"format": "date-time"})]
Day = Annotated[str, msgspec.Meta(extra_json_schema={"format": "date"})]
QueryInstant = Annotated[
    Instant,
    msgspec.Meta(
        description="From 1970 to 2999, with a UTC offset; a range ends after it starts (at "
        "most 93 days by hour, 3660 by day)"
    ),
]
"""An instant in a query: its range, and the range's, are checked by the route."""
Currency = Annotated[str, msgspec.Meta(pattern="^[A-Z]{3}$")]
Count = Annotated[int, msgspec.Meta(ge=0)]
Share = Annotated[float, msgspec.Meta(ge=0, le=1)]
JsonObject = dict[str, Any]


def money(value: Decimal) -> str:
    """Write an amount exactly, without exponent or trailing zeros (`12.5`, `0`)."""
    return format(value.normalize(), "f")


def optional_money(value: Decimal | None) -> str | None:
    """Write an amount as `money` does; None stays None."""
    return None if value is None else money(value)


def instant(value: datetime) -> str:
    """Write an instant as the API does."""
    return value.isoformat()


def optional_instant(value: datetime | None) -> str | None:
    """Write an instant as `instant` does; None stays None."""
    return None if value is None else value.isoformat()


def day(value: date) -> str:
    """Write a local date as the API does."""
    return value.isoformat()


_ENCODER = msgspec.json.Encoder()


def json_response(
    body: Model, *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """Answer BODY, encoded from its model."""
    return web.Response(
        body=_ENCODER.encode(body), status=status, headers=headers, content_type="application/json"
    )
