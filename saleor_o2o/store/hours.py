"""Opening hours of a physical store, in the store's own IANA timezone.

A :class:`Schedule` is a set of weekly intervals plus dated exceptions (holidays,
special hours), all in local wall-clock time. The functions below turn it into real
instants (aware UTC datetimes), honouring daylight-saving changes:

* an interval belongs to the local date it *starts* on; ``closes_next_day`` makes it
  end on the following date (overnight hours, e.g. 22:00 -> 02:00);
* a wall time that does not exist (spring-forward gap) means the first instant after
  the gap, e.g. 02:30 on the spring-forward night in Europe/Paris is 03:00 local;
* an ambiguous wall time (fall-back) means its first occurrence, for openings and
  closings alike;
* so an overnight interval across a change lasts its real span: 22:00 -> 03:00 in
  Europe/Paris is 4 hours on the spring-forward night and 6 hours on the fall-back
  night;
* touching or overlapping periods are merged: Monday 22:00 -> 00:00 (next day)
  followed by Tuesday 00:00 -> 02:00 is one period.

Everything here is pure: no ORM, no Django, only the standard library and pytz.
"""

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple

import pytz

from saleor_o2o.core.errors import InvalidInput

WEEKDAY_NAMES = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)

OPENING_HOURS_FIELD = "opening_hours"
EXCEPTIONS_FIELD = "opening_hours_exceptions"
#: The longest name of a holiday or special day ("Christmas Day").
EXCEPTION_NAME_MAX_LENGTH = 128
TIMEZONE_FIELD = "timezone"

INVALID_INTERVAL = "INVALID_INTERVAL"
OVERLAPPING_INTERVALS = "OVERLAPPING_INTERVALS"
DUPLICATE_DATE = "DUPLICATE_DATE"
INVALID_TIMEZONE = "INVALID_TIMEZONE"


_ZERO = dt.timedelta(0)
DAY = dt.timedelta(days=1)
_WEEK = dt.timedelta(days=7)
SECOND = dt.timedelta(seconds=1)
MIDNIGHT = dt.time(0, 0)
_TIME_RE = re.compile(r"([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.(\d{6}))?)?")

Period = Tuple[dt.datetime, dt.datetime]


@dataclass(frozen=True)
class Interval:
    """One opening interval in local wall-clock time, starting on a given day.

    With ``closes_next_day`` it ends on the following day at ``closes`` (overnight,
    e.g. 22:00 -> 02:00); ``Interval(time(0), time(0), closes_next_day=True)`` is
    open 24 hours. An interval never lasts more than 24 hours of wall-clock time.
    """

    opens: dt.time
    closes: dt.time
    closes_next_day: bool = False


@dataclass(frozen=True)
class WeeklyInterval:
    """An interval starting every week on ``weekday`` (0 = Monday .. 6 = Sunday)."""

    weekday: int
    interval: Interval


@dataclass(frozen=True)
class DateException:
    """Hours replacing the weekly ones on one local date (a holiday, special hours).

    Only the weekly intervals that *start* on ``date`` are replaced by
    ``intervals``; an empty tuple means closed all day. An overnight interval that
    started the day before (weekly or exception) still runs into ``date``, because
    intervals belong to the day they start on. Likewise an overnight interval of the
    exception runs into the following date.
    """

    date: dt.date
    intervals: Tuple[Interval, ...] = ()
    name: str = ""


@dataclass(frozen=True)
class Schedule:
    """A store's opening hours: IANA timezone, weekly intervals, dated exceptions."""

    timezone: str
    weekly: Tuple[WeeklyInterval, ...] = ()
    exceptions: Tuple[DateException, ...] = ()


# --- validation ---


def validate_timezone(name: str) -> str:
    """Return the canonical spelling of an IANA timezone name pytz knows."""
    if isinstance(name, str) and name.strip():
        try:
            return str(pytz.timezone(name.strip()).zone)
        except (pytz.UnknownTimeZoneError, ValueError):
            pass
    raise InvalidInput(
        f"Unknown timezone {name!r}; use an IANA name such as 'Europe/Paris'.",
        field=TIMEZONE_FIELD,
        code=INVALID_TIMEZONE,
    )


def validate_weekly(intervals: Sequence[WeeklyInterval]) -> Tuple[WeeklyInterval, ...]:
    """Check weekly intervals are well-formed and never overlap; sort them by day.

    The week is circular: Sunday's overnight interval runs into Monday. Intervals
    that only touch (one closes at 12:00, the next opens at 12:00) are allowed.
    """
    checked = []
    for item in intervals:
        if not isinstance(item, WeeklyInterval):
            raise InvalidInput(
                "Each opening-hours entry must be a weekly interval.",
                field=OPENING_HOURS_FIELD,
                code=INVALID_INTERVAL,
            )
        weekday = item.weekday
        if isinstance(weekday, bool) or not isinstance(weekday, int):
            weekday = -1
        if not 0 <= weekday <= 6:
            raise InvalidInput(
                f"Weekday must be between 0 (Monday) and 6 (Sunday), "
                f"got {item.weekday!r}.",
                field=OPENING_HOURS_FIELD,
                code=INVALID_INTERVAL,
            )
        _check_interval(item.interval, WEEKDAY_NAMES[weekday], OPENING_HOURS_FIELD)
        checked.append(item)
    ordered = sorted(
        checked, key=lambda item: (item.weekday, interval_span(item.interval))
    )
    segments = []
    for index, item in enumerate(ordered):
        start, end = interval_span(item.interval)
        start += item.weekday * DAY
        end += item.weekday * DAY
        if end > _WEEK:
            segments.append((start, _WEEK, index))
            segments.append((_ZERO, end - _WEEK, index))
        else:
            segments.append((start, end, index))
    labels = [_describe(WEEKDAY_NAMES[item.weekday], item.interval) for item in ordered]
    _check_no_overlap(segments, labels, OPENING_HOURS_FIELD)
    return tuple(ordered)


def validate_exceptions(
    exceptions: Sequence[DateException],
) -> Tuple[DateException, ...]:
    """Check dated exceptions are well-formed and unique per date; sort them by date.

    Intervals of one exception must not overlap each other; an overnight interval
    running into the next date is not checked against that date's hours.
    """
    seen: Set[dt.date] = set()
    checked = []
    for index, exception in enumerate(exceptions):
        if not isinstance(exception, DateException) or not isinstance(
            exception.date, dt.date
        ):
            raise InvalidInput(
                "Each exception must be a dated exception.",
                field=EXCEPTIONS_FIELD,
                code=INVALID_INTERVAL,
            )
        label = exception.date.isoformat()
        if exception.date in seen:
            raise InvalidInput(
                f"There are several exceptions for {label}; keep one per date.",
                field=EXCEPTIONS_FIELD,
                code=DUPLICATE_DATE,
            )
        seen.add(exception.date)
        if len(exception.name or "") > EXCEPTION_NAME_MAX_LENGTH:
            raise InvalidInput(
                f"Keep the name of the exception on {label} to "
                f"{EXCEPTION_NAME_MAX_LENGTH} characters.",
                field=f"{EXCEPTIONS_FIELD}.{index}.name",
            )
        intervals = tuple(exception.intervals)
        for interval in intervals:
            _check_interval(interval, label, EXCEPTIONS_FIELD)
        intervals = tuple(sorted(intervals, key=interval_span))
        segments = [
            interval_span(interval) + (index,)
            for index, interval in enumerate(intervals)
        ]
        labels = [_describe(label, interval) for interval in intervals]
        _check_no_overlap(segments, labels, EXCEPTIONS_FIELD)
        checked.append(
            DateException(date=exception.date, intervals=intervals, name=exception.name)
        )
    return tuple(sorted(checked, key=lambda exception: exception.date))


def validate_schedule(schedule: Schedule) -> Schedule:
    """Return the schedule with its timezone, weekly hours and exceptions validated."""
    return Schedule(
        timezone=validate_timezone(schedule.timezone),
        weekly=validate_weekly(schedule.weekly),
        exceptions=validate_exceptions(schedule.exceptions),
    )


def _check_interval(interval: Interval, label: str, field: str) -> None:
    if (
        not isinstance(interval, Interval)
        or not isinstance(interval.opens, dt.time)
        or not isinstance(interval.closes, dt.time)
        or interval.opens.tzinfo is not None
        or interval.closes.tzinfo is not None
        or not isinstance(interval.closes_next_day, bool)
    ):
        raise InvalidInput(
            f"{label}: an interval needs local opening and closing times.",
            field=field,
            code=INVALID_INTERVAL,
        )
    if interval.closes_next_day:
        if interval.closes > interval.opens:
            raise InvalidInput(
                f"{_describe(label, interval)} lasts more than 24 hours; "
                "an interval can last at most 24 hours.",
                field=field,
                code=INVALID_INTERVAL,
            )
    elif interval.closes <= interval.opens:
        raise InvalidInput(
            f"{_describe(label, interval)} does not close after it opens; "
            "set closesNextDay for overnight hours.",
            field=field,
            code=INVALID_INTERVAL,
        )


def _check_no_overlap(
    segments: List[Tuple[dt.timedelta, dt.timedelta, int]],
    labels: List[str],
    field: str,
) -> None:
    latest_end: Optional[dt.timedelta] = None
    latest_index = -1
    for start, end, index in sorted(segments):
        if latest_end is not None and start < latest_end:
            raise InvalidInput(
                f"{labels[latest_index]} overlaps {labels[index]}.",
                field=field,
                code=OVERLAPPING_INTERVALS,
            )
        if latest_end is None or end > latest_end:
            latest_end, latest_index = end, index


def _offset(value: dt.time) -> dt.timedelta:
    return dt.timedelta(
        hours=value.hour,
        minutes=value.minute,
        seconds=value.second,
        microseconds=value.microsecond,
    )


def interval_span(interval: Interval) -> Tuple[dt.timedelta, dt.timedelta]:
    end = _offset(interval.closes)
    if interval.closes_next_day:
        end += DAY
    return _offset(interval.opens), end


def _describe(label: str, interval: Interval) -> str:
    text = f"{label} {_format_time(interval.opens)}-{_format_time(interval.closes)}"
    return text + " (next day)" if interval.closes_next_day else text


# --- periods ---


# --- serialisation ---


def weekly_to_json(intervals: Sequence[WeeklyInterval]) -> List[Dict[str, Any]]:
    """Serialise weekly intervals to JSON-ready dicts, in the given order."""
    return [
        {"weekday": item.weekday, **_interval_to_dict(item.interval)}
        for item in intervals
    ]


def weekly_from_json(
    data: Any, *, field: str = OPENING_HOURS_FIELD
) -> Tuple[WeeklyInterval, ...]:
    """Parse weekly intervals from JSON dicts; rules are checked by validate_weekly."""
    items = _require_list(data, field)
    parsed = []
    for item in items:
        interval = _interval_from_dict(item, field)
        weekday = item.get("weekday")
        if isinstance(weekday, bool) or not isinstance(weekday, int):
            raise InvalidInput(
                f"Each opening-hours entry needs an integer weekday, got {weekday!r}.",
                field=field,
                code=INVALID_INTERVAL,
            )
        parsed.append(WeeklyInterval(weekday=weekday, interval=interval))
    return tuple(parsed)


def intervals_to_json(intervals: Sequence[Interval]) -> List[Dict[str, Any]]:
    """Serialise intervals to JSON-ready dicts, in the given order."""
    return [_interval_to_dict(interval) for interval in intervals]


def intervals_from_json(
    data: Any, *, field: str = EXCEPTIONS_FIELD
) -> Tuple[Interval, ...]:
    """Parse intervals from JSON dicts; rules are checked by validate_exceptions."""
    return tuple(
        _interval_from_dict(item, field) for item in _require_list(data, field)
    )


def _interval_to_dict(interval: Interval) -> Dict[str, Any]:
    return {
        "opens": _format_time(interval.opens),
        "closes": _format_time(interval.closes),
        "closes_next_day": bool(interval.closes_next_day),
    }


def _interval_from_dict(item: Any, field: str) -> Interval:
    if not isinstance(item, Mapping):
        raise InvalidInput(
            f"Each interval must be an object, got {item!r}.",
            field=field,
            code=INVALID_INTERVAL,
        )
    closes_next_day = item.get("closes_next_day", False)
    if not isinstance(closes_next_day, bool):
        raise InvalidInput(
            f"closes_next_day must be true or false, got {closes_next_day!r}.",
            field=field,
            code=INVALID_INTERVAL,
        )
    return Interval(
        opens=_parse_time(item.get("opens"), field),
        closes=_parse_time(item.get("closes"), field),
        closes_next_day=closes_next_day,
    )


def _require_list(data: Any, field: str) -> Sequence[Any]:
    if not isinstance(data, (list, tuple)):
        raise InvalidInput(
            "Intervals must be a list.", field=field, code=INVALID_INTERVAL
        )
    return data


def _format_time(value: dt.time) -> str:
    if value.microsecond:
        return value.strftime("%H:%M:%S.%f")
    if value.second:
        return value.strftime("%H:%M:%S")
    return value.strftime("%H:%M")


def _parse_time(value: Any, field: str) -> dt.time:
    match = _TIME_RE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise InvalidInput(
            f"Times must be written HH:MM, got {value!r}.",
            field=field,
            code=INVALID_INTERVAL,
        )
    hours, minutes, seconds, micro = match.groups()
    return dt.time(int(hours), int(minutes), int(seconds or 0), int(micro or 0))
