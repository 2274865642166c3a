"""When a store is open: periods, next opening and closing, in its time zone."""

import datetime as dt
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytz

from saleor_o2o.store.hours import (
    DAY,
    MIDNIGHT,
    SECOND,
    Interval,
    Period,
    Schedule,
    interval_span,
    validate_timezone,
)

#: How many local dates are turned into periods at a time when searching forward.
CHUNK_DAYS = 14


#: How far :func:`current_closing` looks for the end of the current period.
CLOSING_HORIZON_DAYS = 14


def open_periods(
    schedule: Schedule, start: dt.datetime, end: dt.datetime
) -> List[Period]:
    """Return the merged opening periods (aware UTC) intersecting ``[start, end)``.

    Periods are not clipped to the window. Only intervals starting on the local
    dates from the day before ``start``'s to ``end``'s are considered, so a period
    chained over more days (a store open around the clock) starts no earlier than
    the first of those dates and ends no later than the day after the last.
    """
    _require_aware(start, "start")
    _require_aware(end, "end")
    if end <= start:
        return []
    tz = _zone(schedule)
    first_day = start.astimezone(tz).date() - DAY
    last_day = end.astimezone(tz).date()
    periods = []
    for period_start, period_end in _iter_periods(schedule, tz, first_day, last_day):
        if period_start >= end:
            break
        if period_end > start:
            periods.append((period_start, period_end))
    return periods


def is_open_at(schedule: Schedule, at: dt.datetime) -> bool:
    """Tell whether the store is open at the aware instant ``at``."""
    _require_aware(at, "at")
    tz = _zone(schedule)
    today = at.astimezone(tz).date()
    return _period_containing(schedule, tz, at, today) is not None


def next_opening(
    schedule: Schedule, at: dt.datetime, *, horizon_days: int = 366
) -> Optional[dt.datetime]:
    """Return when the next merged opening period begins, strictly after ``at``.

    When the store is open at ``at`` this is the opening after the current period
    closes. Only intervals starting up to ``horizon_days`` local dates after
    ``at``'s are considered; None when there is none.
    """
    _require_aware(at, "at")
    _require_horizon(horizon_days)
    tz = _zone(schedule)
    today = at.astimezone(tz).date()
    last_day = today + dt.timedelta(days=horizon_days)
    for period_start, _ in _iter_periods(schedule, tz, today - DAY, last_day):
        if period_start > at:
            return period_start
    return None


def current_closing(
    schedule: Schedule,
    at: dt.datetime,
    *,
    horizon_days: int = CLOSING_HORIZON_DAYS,
) -> Optional[dt.datetime]:
    """Return when the merged period open at ``at`` ends; None when closed at ``at``.

    Also None when the store stays open through the horizon (intervals starting up
    to ``horizon_days`` local dates after ``at``'s), e.g. a store open 24/7.
    """
    _require_aware(at, "at")
    _require_horizon(horizon_days)
    tz = _zone(schedule)
    last_day = at.astimezone(tz).date() + dt.timedelta(days=horizon_days)
    period = _period_containing(schedule, tz, at, last_day)
    if period is None:
        return None
    if period[1] >= _to_utc(tz, dt.datetime.combine(last_day + DAY, MIDNIGHT)):
        return None
    return period[1]


def day_intervals(schedule: Schedule, day: dt.date) -> Tuple[Interval, ...]:
    """Return the intervals starting on a local date: its exception's or weekday's."""
    return _Calendar(schedule).intervals(day)


class _Calendar:
    """The intervals starting on each local date of a schedule."""

    def __init__(self, schedule: Schedule) -> None:
        weekly: Dict[int, List[Interval]] = {}
        for item in schedule.weekly:
            weekly.setdefault(item.weekday, []).append(item.interval)
        self._weekly = {
            weekday: tuple(sorted(intervals, key=interval_span))
            for weekday, intervals in weekly.items()
        }
        self._exceptions: Dict[dt.date, Tuple[Interval, ...]] = {}
        for exception in schedule.exceptions:
            self._exceptions.setdefault(
                exception.date, tuple(sorted(exception.intervals, key=interval_span))
            )

    def intervals(self, day: dt.date) -> Tuple[Interval, ...]:
        if day in self._exceptions:
            return self._exceptions[day]
        return self._weekly.get(day.weekday(), ())


def _iter_periods(
    schedule: Schedule, tz: dt.tzinfo, first_day: dt.date, last_day: dt.date
) -> Iterator[Period]:
    """Yield merged UTC periods of the intervals starting on first_day..last_day.

    Dates are turned into periods CHUNK_DAYS at a time, so a caller that stops
    early does not pay for the whole range.
    """
    calendar = _Calendar(schedule)
    pending: Optional[Period] = None
    day = first_day
    while day <= last_day:
        chunk_last = min(day + dt.timedelta(days=CHUNK_DAYS - 1), last_day)
        chunk = []
        while day <= chunk_last:
            for interval in calendar.intervals(day):
                period = _interval_period(tz, day, interval)
                if period is not None:
                    chunk.append(period)
            day += DAY
        # Every period of this chunk starts no earlier than those of the previous
        # chunk (wall times map monotonically to instants), so only the last pending
        # period can merge with them.
        for start, end in sorted(chunk):
            if pending is not None and start <= pending[1]:
                if end > pending[1]:
                    pending = (pending[0], end)
                continue
            if pending is not None:
                yield pending
            pending = (start, end)
    if pending is not None:
        yield pending


def _period_containing(
    schedule: Schedule, tz: dt.tzinfo, at: dt.datetime, last_day: dt.date
) -> Optional[Period]:
    # An interval lasts at most 24 wall-clock hours, so one covering ``at`` starts
    # on at's local date or the day before.
    first_day = at.astimezone(tz).date() - DAY
    for start, end in _iter_periods(schedule, tz, first_day, last_day):
        if start > at:
            return None
        if end > at:
            return start, end
    return None


def _interval_period(
    tz: dt.tzinfo, day: dt.date, interval: Interval
) -> Optional[Period]:
    start = _to_utc(tz, dt.datetime.combine(day, interval.opens))
    closing_day = day + DAY if interval.closes_next_day else day
    end = _to_utc(tz, dt.datetime.combine(closing_day, interval.closes))
    # A short interval lying entirely in a spring-forward gap never happens.
    return (start, end) if end > start else None


def _to_utc(tz: Any, wall: dt.datetime) -> dt.datetime:
    """Turn a naive local wall time into an aware UTC instant (see module doc)."""
    try:
        return tz.localize(wall, is_dst=None).astimezone(pytz.utc)
    except pytz.AmbiguousTimeError:
        return min(
            tz.localize(wall, is_dst=flag).astimezone(pytz.utc)
            for flag in (True, False)
        )
    except pytz.NonExistentTimeError:
        return _gap_end(tz, wall)


def _gap_end(tz: Any, wall: dt.datetime) -> dt.datetime:
    """Return the first instant after the spring-forward gap containing ``wall``."""
    # Read with the offsets before and after the gap, ``wall`` gives two instants
    # bracketing the transition; transitions fall on whole seconds.
    low, high = sorted(
        tz.localize(wall, is_dst=flag).astimezone(pytz.utc) for flag in (True, False)
    )
    low = low.replace(microsecond=0)
    if high.microsecond:
        high = high.replace(microsecond=0) + SECOND
    offset_before = low.astimezone(tz).utcoffset()
    while high - low > SECOND:
        middle = low + SECOND * ((high - low) // (2 * SECOND))
        if middle.astimezone(tz).utcoffset() == offset_before:
            low = middle
        else:
            high = middle
    return high


def _zone(schedule: Schedule) -> dt.tzinfo:
    return pytz.timezone(validate_timezone(schedule.timezone))


def _require_aware(value: dt.datetime, name: str) -> None:
    if not isinstance(value, dt.datetime):
        raise ValueError(f"{name} must be a datetime, got {value!r}.")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware.")


def _require_horizon(horizon_days: int) -> None:
    if isinstance(horizon_days, bool) or not isinstance(horizon_days, int):
        raise ValueError("horizon_days must be an integer.")
    if horizon_days < 0:
        raise ValueError("horizon_days must not be negative.")
