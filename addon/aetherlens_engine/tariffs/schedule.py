"""Time-of-use schedules: rules by month, day type and minute of the local day."""

from __future__ import annotations

from dataclasses import dataclass, field

MINUTES_PER_DAY = 1440
ALL_MONTHS = frozenset(range(1, 13))
DAY_TYPES = ("all", "weekday", "weekend")


def clock(minute: int) -> str:
    """Format a minute of the day as HH:MM."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


@dataclass(frozen=True, slots=True)
class Rule[T]:
    """A period: `value` applies in `months` on `days` from `start` to `end` (minutes, local)."""

    index: int
    name: str
    months: frozenset[int]
    days: str
    start: int
    end: int
    value: T

    def applies(self, month: int, *, weekend: bool) -> bool:
        """Whether the rule covers days of this month and day type."""
        if month not in self.months:
            return False
        return self.days == "all" or (self.days == "weekend") == weekend


class ScheduleError(ValueError):
    """Rules overlap, leave a gap, or run backwards; `path` names the field."""

    def __init__(self, path: str, message: str) -> None:
        """Report `message` about the field at `path`."""
        super().__init__(f"{path}: {message}")
        self.path = path


@dataclass(frozen=True)
class Schedule[T]:
    """Rules that never overlap; when `complete`, every minute of every day is covered."""

    rules: tuple[Rule[T], ...]
    path: str
    complete: bool = True
    _days: dict[tuple[int, bool], tuple[Rule[T], ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _changes: dict[tuple[int, bool], frozenset[int]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        """Reject rules that run backwards, overlap, or (when complete) leave gaps."""
        for rule in self.rules:
            if rule.start >= rule.end:
                raise ScheduleError(
                    f"{self.path}[{rule.index}].end",
                    f"must be after start {clock(rule.start)} (split a period that passes "
                    "midnight into two)",
                )
        for month in range(1, 13):
            for weekend in (False, True):
                rules = self._check_day(month, weekend=weekend)
                self._days[month, weekend] = rules
                self._changes[month, weekend] = frozenset(
                    m for rule in rules for m in (rule.start, rule.end) if m < MINUTES_PER_DAY
                )

    def _check_day(self, month: int, *, weekend: bool) -> tuple[Rule[T], ...]:
        rules = sorted(
            (rule for rule in self.rules if rule.applies(month, weekend=weekend)),
            key=lambda rule: rule.start,
        )
        day = "weekends" if weekend else "weekdays"
        covered = 0
        for rule in rules:
            if rule.start < covered:
                other = next(o for o in rules if o.start < covered and o.end > rule.start)
                raise ScheduleError(
                    f"{self.path}[{rule.index}]",
                    f"overlaps {self.path}[{other.index}] ({other.name!r}) in month {month} on "
                    f"{day} at {clock(rule.start)}",
                )
            if self.complete and rule.start > covered:
                raise ScheduleError(
                    self.path,
                    f"no period covers month {month} on {day} from {clock(covered)} to "
                    f"{clock(rule.start)}",
                )
            covered = rule.end
        if self.complete and covered < MINUTES_PER_DAY:
            raise ScheduleError(
                self.path,
                f"no period covers month {month} on {day} from {clock(covered)} to 24:00",
            )
        return tuple(rules)

    def at(self, month: int, minute: int, *, weekend: bool) -> Rule[T] | None:
        """Return the rule in force at this minute of a day, or None in a gap."""
        for rule in self._days[month, weekend]:
            if rule.start <= minute < rule.end:
                return rule
        return None

    def changes(self, month: int, *, weekend: bool) -> frozenset[int]:
        """Minutes of the day at which the rule in force may change."""
        return self._changes[month, weekend]


def single[T](name: str, value: T, path: str) -> Schedule[T]:
    """Return a schedule with one rule in force all the time."""
    return Schedule((Rule(0, name, ALL_MONTHS, "all", 0, MINUTES_PER_DAY, value),), path)
