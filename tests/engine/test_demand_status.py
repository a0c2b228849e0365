"""The cycle's demand so far: peaks per line, the margin to the next tier, the current window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from aetherlens_engine.tariffs import BillInputError, Interval, bill, build_tariff
from aetherlens_engine.tariffs.demand import demand_status

D = Decimal
LA = ZoneInfo("America/Los_Angeles")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")  # clocks move by 30 minutes
QUARTER = timedelta(minutes=15)


def tou_demand(**demand: Any) -> Any:
    """15-minute windows: flat $5/kW to 10 kW then $8; on-peak 16:00-21:00 at $12/kW."""
    return build_tariff(
        {
            "name": "tou demand",
            "currency": "USD",
            "timezone": "America/Los_Angeles",
            "energy": {"price": "0.1"},
            "demand": {
                "window_minutes": 15,
                "flat": [{"tiers": [{"up_to": 10, "price": 5}, {"price": 8}]}],
                "periods": [{"name": "on-peak", "start": "16:00", "end": "21:00", "price": 12}],
                **demand,
            },
        }
    )  # fmt: skip


def hours(first: datetime, until: datetime, kw: dict[datetime, Decimal]) -> list[Interval]:
    """Hourly intervals from FIRST (local) until UNTIL at 1 kW, or KW's value by local hour."""
    out = []
    wall = first
    while wall < until:
        start = wall.astimezone(UTC)
        out.append(Interval(start, start + timedelta(hours=1), kw.get(wall, D(1))))
        wall += timedelta(hours=1)
    return out


def test_peaks_margin_and_a_window_on_course() -> None:
    # Cycle from 1 Jul (cycle day 1); 6 kW at 09:00 on 3 Jul, 4 kW on-peak at 17:00 on 2 Jul.
    first, now = datetime(2026, 7, 1, tzinfo=LA), datetime(2026, 7, 3, 10, 40, tzinfo=LA)
    load = hours(
        first,
        datetime(2026, 7, 3, 10, tzinfo=LA),
        {datetime(2026, 7, 3, 9, tzinfo=LA): D(6), datetime(2026, 7, 2, 17, tzinfo=LA): D(4)},
    )
    # 10:30-10:40 at 9 kW: the window 10:30-10:45 is on course for 9 kW.
    window_start = datetime(2026, 7, 3, 10, 30, tzinfo=LA).astimezone(UTC)
    load.append(Interval(window_start, now.astimezone(UTC), D("1.5")))
    status = demand_status(tou_demand(), load, now)
    assert status is not None
    assert (status.cycle.first.isoformat(), status.window_minutes) == ("2026-07-01", 15)
    assert status.window is not None
    assert (status.window.start, status.window.end) == (window_start, window_start + QUARTER)
    assert (status.window.kwh, status.window.projected_kw) == (D("1.5"), D(9))
    flat, on_peak = status.lines
    assert (flat.name, flat.peak_kw, flat.tier, flat.price_per_kw) == ("flat", D(6), 0, D(5))
    assert (flat.next_tier_kw, flat.margin_kw) == (D(10), D(4))
    assert flat.window_start == datetime(2026, 7, 3, 9, tzinfo=LA)
    assert (flat.projected_kw, flat.on_course) == (D(9), True)
    # Off-peak now: the window does not count toward the on-peak line.
    assert (on_peak.name, on_peak.peak_kw, on_peak.tier, on_peak.price_per_kw) == (
        "on-peak",
        D(4),
        0,
        D(12),
    )
    assert (on_peak.next_tier_kw, on_peak.margin_kw) == (None, None)
    assert (on_peak.projected_kw, on_peak.on_course) == (None, False)


def test_the_peaks_are_the_bills_of_the_windows_before_the_current_one() -> None:
    first, now = datetime(2026, 7, 1, tzinfo=LA), datetime(2026, 7, 9, 18, 5, tzinfo=LA)
    peaks = {datetime(2026, 7, day, 17, tzinfo=LA): D(day) for day in range(1, 9)}
    peaks[datetime(2026, 7, 4, 12, tzinfo=LA)] = D(11)  # above the first tier
    load = hours(first, datetime(2026, 7, 9, 18, tzinfo=LA), peaks)
    status = demand_status(tou_demand(), load, now)
    assert status is not None
    (billed,) = bill(tou_demand(), load).cycles
    assert [(s.name, s.peak_kw, s.window_start) for s in status.lines] == [
        (d.name, d.kw, d.window_start) for d in billed.demand
    ]
    flat, on_peak = status.lines
    # Over 10 kW the next kW is priced in the last tier, with no tier after it.
    assert (flat.peak_kw, flat.tier, flat.price_per_kw, flat.margin_kw) == (D(11), 1, D(8), None)
    # 18:00-18:05 without data: on course for nothing, and it counts toward on-peak.
    assert status.window is not None
    assert (status.window.kwh, status.window.projected_kw) == (D(0), D(0))
    assert (on_peak.peak_kw, on_peak.projected_kw, on_peak.on_course) == (D(8), D(0), False)


def test_a_window_below_the_peak_is_not_on_course() -> None:
    now = datetime(2026, 7, 2, 17, 10, tzinfo=LA)
    load = hours(
        datetime(2026, 7, 1, tzinfo=LA),
        datetime(2026, 7, 2, 17, tzinfo=LA),
        {datetime(2026, 7, 1, 17, tzinfo=LA): D(5)},
    )
    start = datetime(2026, 7, 2, 17, tzinfo=LA).astimezone(UTC)
    load.append(Interval(start, now.astimezone(UTC), D("0.5")))  # 3 kW for 10 minutes
    status = demand_status(tou_demand(), load, now)
    assert status is not None
    assert [(s.name, s.peak_kw, s.projected_kw, s.on_course) for s in status.lines] == [
        ("flat", D(5), D(3), False),
        ("on-peak", D(5), D(3), False),
    ]


def test_at_the_cycles_start_there_is_no_peak_yet() -> None:
    now = datetime(2026, 7, 1, tzinfo=LA)
    status = demand_status(tou_demand(), [], now)
    assert status is not None
    assert [(s.peak_kw, s.window_start, s.margin_kw) for s in status.lines] == [
        (D(0), None, D(10)),
        (D(0), None, None),
    ]


def test_a_tariff_without_demand_has_no_status() -> None:
    tariff = build_tariff({"name": "flat", "currency": "USD", "timezone": "UTC",
                           "energy": {"price": "0.1"}})  # fmt: skip
    assert demand_status(tariff, [], datetime(2026, 7, 1, tzinfo=UTC)) is None


def test_the_window_after_fall_back_is_on_the_new_offset() -> None:
    # 1 Nov 2026: 02:00 PDT becomes 01:00 PST (09:00 UTC). At 01:20 PST the window is 01:15 PST.
    now = datetime(2026, 11, 1, 9, 20, tzinfo=UTC)
    first = datetime(2026, 11, 1, tzinfo=LA)
    # 2 kW in the first 01:00 (PDT), 1 kW otherwise.
    load = [
        Interval(start, start + timedelta(hours=1), D(n + 1))
        for n, start in enumerate(first.astimezone(UTC) + timedelta(hours=n) for n in range(2))
    ]
    load.append(Interval(now - timedelta(minutes=20), now, D(1)))  # 3 kW since 01:00 PST
    status = demand_status(tou_demand(), load, now)
    assert status is not None
    assert status.window is not None
    assert status.window.start == datetime(2026, 11, 1, 9, 15, tzinfo=UTC)
    assert status.window.start.astimezone(LA).isoformat() == "2026-11-01T01:15:00-08:00"
    assert status.window.end == datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
    flat = status.lines[0]
    # The windows of 01:00-01:15 PST (3 kW) and of the first 01:00 (2 kW) are before it.
    assert (flat.peak_kw, flat.window_start) == (D(3), datetime(2026, 11, 1, 9, tzinfo=UTC))
    assert (flat.projected_kw, flat.on_course) == (D(3), False)


def test_a_window_the_clock_shortens_projects_as_the_bill_counts_it() -> None:
    # 4 Oct 2026 on Lord Howe: 02:00 +10:30 becomes 02:30 +11:00 (15:30 UTC). The window
    # 02:00-03:00 holds 30 minutes; at 4 kW for 15 of them it is on course for 2 kW, what the
    # bill makes of it at 4 kW to its end.
    tariff = build_tariff(
        {
            "name": "hour demand",
            "currency": "AUD",
            "timezone": "Australia/Lord_Howe",
            "energy": {"price": "0"},
            "demand": {"window_minutes": 60, "flat": [{"price": 10}]},
        }
    )
    change = datetime(2026, 10, 3, 15, 30, tzinfo=UTC)
    now = change + QUARTER
    earlier = [
        Interval(change - QUARTER * (n + 1), change - QUARTER * n, D("0.25"))
        for n in reversed(range(8))
    ]
    status = demand_status(tariff, [*earlier, Interval(change, now, D(1))], now)
    assert status is not None
    assert status.window is not None
    assert (status.window.start, status.window.end) == (change, change + 2 * QUARTER)
    assert status.window.start.astimezone(LORD_HOWE).isoformat() == "2026-10-04T02:30:00+11:00"
    (flat,) = status.lines
    assert (flat.peak_kw, flat.projected_kw, flat.on_course) == (D(1), D(2), True)
    whole = [*earlier, Interval(change, change + 2 * QUARTER, D(2))]
    assert [d.kw for d in bill(tariff, whole).cycles[0].demand] == [D(2)]


def test_sliding_windows_take_their_peaks_from_every_interval_start() -> None:
    now = datetime(2026, 7, 2, 12, 10, tzinfo=LA)
    load = hours(
        datetime(2026, 7, 1, tzinfo=LA),
        datetime(2026, 7, 2, 12, tzinfo=LA),
        {datetime(2026, 7, 1, 9, tzinfo=LA): D(7)},
    )
    status = demand_status(tou_demand(sliding=True), load, now)
    assert status is not None
    assert status.lines[0].peak_kw == D(7)
    assert status.lines[0].window_start == datetime(2026, 7, 1, 9, tzinfo=LA)


def test_overlapping_load_is_refused_naming_the_interval() -> None:
    start = datetime(2026, 7, 1, 8, tzinfo=UTC)
    load = [
        Interval(start, start + QUARTER * 2, D(1)),
        Interval(start + QUARTER, start + QUARTER * 3, D(1)),
    ]
    with pytest.raises(BillInputError, match=r"^load interval 1 \(.*\): overlaps the previous"):
        demand_status(tou_demand(), load, start + QUARTER * 4)
