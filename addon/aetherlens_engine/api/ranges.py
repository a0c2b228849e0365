"""The ranges of instants clients ask for, and the 400 answers that refuse a bad one.

`/costs`, `/devices/{id}/energy`, `/bill` and `/compare` read a range [start, end) of two
instants: each an ISO 8601 date-time with an offset, the end later than the start, the range no
longer than the route allows. A refusal is a 400 `invalid_parameter` that names the parameter
(``end: must be later than 'start'``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .errors import ApiError
from .params import InvalidValueError, parse_instant

# Two bills of hourly data per request (/bill, /compare): a bit more than a year at most.
MAX_BILL_RANGE = timedelta(days=400)


def bad_parameter(name: str, message: str) -> ApiError:
    """Return the 400 answer refusing the parameter NAME."""
    return ApiError(400, "invalid_parameter", f"{name}: {message}")


def instant_parameter(name: str, text: str) -> datetime:
    """Parse the instant the parameter NAME gives (`params.parse_instant`), in UTC."""
    try:
        return parse_instant(text)
    except InvalidValueError as err:
        raise bad_parameter(name, str(err)) from err


def check_range(
    start: datetime,
    end: datetime,
    longest: timedelta,
    *,
    names: tuple[str, str] = ("start", "end"),
    most_for: str | None = None,
) -> None:
    """Refuse [START, END) unless it is not empty and at most LONGEST.

    NAMES are the parameters' names; MOST_FOR says what LONGEST is the most for (`hours`).
    """
    first, last = names
    if start >= end:
        raise bad_parameter(last, f"must be later than {first!r}")
    if end - start > longest:
        most = f", the most for {most_for}" if most_for else ""
        raise bad_parameter(last, f"the range is longer than {longest.days} days{most}")
