"""The dates every date-sensitive suite runs on, so that no test depends on the day it runs.

Each is a moment of a household's local day, in Europe/Berlin and in America/Los_Angeles (a zone
east and one west of UTC, so the local date and the UTC date differ on either side of
midnight): the 1st and 2nd of a month, the last day of a month, 31 December and 1 January,
29 February, and both days each zone changes its clocks — each at 00:30 and at 23:30 local.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

BERLIN = ZoneInfo("Europe/Berlin")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")

# The local days, per zone: (what the day is, the day).
_COMMON_DAYS = (
    ("1st", date(2026, 12, 1)),
    ("2nd", date(2026, 12, 2)),
    ("month-end", date(2026, 11, 30)),
    ("dec-31", date(2026, 12, 31)),
    ("jan-1", date(2027, 1, 1)),
    ("feb-29", date(2028, 2, 29)),
)
_DST_DAYS = {
    BERLIN: (("dst-spring", date(2026, 3, 29)), ("dst-autumn", date(2026, 10, 25))),
    LOS_ANGELES: (("dst-spring", date(2026, 3, 8)), ("dst-autumn", date(2026, 11, 1))),
}
_TIMES = (time(0, 30), time(23, 30))


@dataclass(frozen=True, slots=True)
class SweepDate:
    """One moment of the sweep: a household's zone and its local time then."""

    name: str
    zone: ZoneInfo
    local: datetime  # aware, in ZONE

    @property
    def utc(self) -> datetime:
        """The moment in UTC, as a clock returns it."""
        return self.local.astimezone(UTC)

    def clock(self) -> datetime:
        """A clock that stands at this moment."""
        return self.utc


def _sweep() -> tuple[SweepDate, ...]:
    dates = []
    for zone in (BERLIN, LOS_ANGELES):
        city = zone.key.rsplit("/", 1)[1].lower()
        for what, day in (*_COMMON_DAYS, *_DST_DAYS[zone]):
            for at in _TIMES:
                local = datetime.combine(day, at, tzinfo=zone)
                dates.append(SweepDate(f"{city}-{what}-{at:%H%M}", zone, local))
    return tuple(dates)


SWEEP = _sweep()


def sweep_params() -> list[object]:
    """SWEEP as pytest parameters named by what each date is."""
    return [pytest.param(moment, id=moment.name) for moment in SWEEP]
