"""The engine's calendar: local days and months as UTC instants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """Return the UTC instant at which DAY starts in TZ."""
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)


def first_day_from(instant: datetime, tz: ZoneInfo) -> date:
    """Return the first local day in TZ that starts at or after INSTANT."""
    day = instant.astimezone(tz).date()
    return day if local_midnight(day, tz) >= instant else day + timedelta(days=1)


@dataclass(frozen=True, slots=True)
class LocalPeriods:
    """Today and this month in the engine's time zone, with their bounds in UTC."""

    today: date
    month_start: date
    day_start: datetime
    day_end: datetime

    @classmethod
    def at(cls, now: datetime, tz: ZoneInfo) -> LocalPeriods:
        """Return the periods containing the instant NOW."""
        today = now.astimezone(tz).date()
        month_start = today.replace(day=1)
        return cls(
            today=today,
            month_start=month_start,
            day_start=local_midnight(today, tz),
            day_end=local_midnight(today + timedelta(days=1), tz),
        )
