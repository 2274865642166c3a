"""When a store is open: periods, next opening and closing, across time zones."""

import datetime as dt
from typing import Tuple

import pytest
import pytz

from saleor_o2o.store import opening
from saleor_o2o.store.hours import DateException, Schedule
from saleor_o2o.store.opening import (
    current_closing,
    day_intervals,
    is_open_at,
    next_opening,
    open_periods,
)

from helpers.hours import FRI, MON, SAT, SUN, TUE, WED, iv, raises_invalid, schedule, wk


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=pytz.utc)


def local(zone: str, *args: int) -> dt.datetime:
    return pytz.timezone(zone).localize(dt.datetime(*args), is_dst=None)


def every_day(opens: str, closes: str, next_day: bool = False) -> Tuple:
    return tuple(wk(day, opens, closes, next_day) for day in range(7))


def period_on(sched: Schedule, day: dt.date) -> Tuple[dt.datetime, dt.datetime]:
    zone = pytz.timezone(sched.timezone)
    start = zone.localize(dt.datetime.combine(day, dt.time(0)))
    end = zone.localize(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0)))
    (period,) = open_periods(sched, start, end)
    return period


# --- is_open_at / open_periods ---


def test_opening_is_inclusive_and_closing_exclusive():
    sched = schedule([wk(MON, "09:00", "18:00")])
    assert not is_open_at(sched, utc(2024, 1, 1, 8, 59, 59))
    assert is_open_at(sched, utc(2024, 1, 1, 9))
    assert is_open_at(sched, utc(2024, 1, 1, 17, 59, 59))
    assert not is_open_at(sched, utc(2024, 1, 1, 18))
    assert not is_open_at(sched, utc(2024, 1, 2, 10))
    assert is_open_at(sched, utc(2024, 1, 8, 10))


def test_is_open_at_converts_to_the_store_timezone():
    sched = schedule([wk(MON, "09:00", "18:00")], timezone="Europe/Paris")
    assert not is_open_at(sched, utc(2024, 1, 1, 17))  # 18:00 in Paris
    assert is_open_at(sched, utc(2024, 1, 1, 8))  # 09:00 in Paris
    other_zone = pytz.timezone("Asia/Tokyo").localize(dt.datetime(2024, 1, 1, 17))
    assert is_open_at(sched, other_zone)  # 09:00 in Paris


def test_naive_datetimes_are_refused():
    sched = schedule(every_day("09:00", "18:00"))
    with pytest.raises(ValueError):
        is_open_at(sched, dt.datetime(2024, 1, 1, 10))
    with pytest.raises(ValueError):
        open_periods(sched, dt.datetime(2024, 1, 1), utc(2024, 1, 2))
    with pytest.raises(ValueError):
        next_opening(sched, dt.datetime(2024, 1, 1))


def test_empty_window_has_no_periods():
    sched = schedule(every_day("09:00", "18:00"))
    assert open_periods(sched, utc(2024, 1, 2), utc(2024, 1, 2)) == []
    assert open_periods(sched, utc(2024, 1, 3), utc(2024, 1, 2)) == []


def test_unknown_timezone_in_schedule_is_invalid_input():
    sched = schedule(every_day("09:00", "18:00"), timezone="Nowhere/Town")
    raises_invalid("INVALID_TIMEZONE", "timezone", is_open_at, sched, utc(2024, 1, 1))


def test_overnight_interval():
    sched = schedule([wk(FRI, "22:00", "02:00", True)])
    assert is_open_at(sched, utc(2024, 1, 5, 22))
    assert is_open_at(sched, utc(2024, 1, 6, 1, 59))
    assert not is_open_at(sched, utc(2024, 1, 6, 2))
    assert not is_open_at(sched, utc(2024, 1, 5, 1))  # Thursday night: closed
    assert open_periods(sched, utc(2024, 1, 6, 1), utc(2024, 1, 6, 3)) == [
        (utc(2024, 1, 5, 22), utc(2024, 1, 6, 2))
    ]


def test_sunday_overnight_runs_into_monday():
    sched = schedule([wk(SUN, "20:00", "03:00", True)])
    assert is_open_at(sched, utc(2024, 1, 8, 2, 30))  # Monday
    assert not is_open_at(sched, utc(2024, 1, 8, 3))


def test_open_24_hours():
    sched = schedule([wk(WED, "00:00", "00:00", True)])
    assert not is_open_at(sched, utc(2024, 1, 2, 23, 59))
    assert is_open_at(sched, utc(2024, 1, 3, 0))
    assert is_open_at(sched, utc(2024, 1, 3, 23, 59))
    assert not is_open_at(sched, utc(2024, 1, 4, 0))
    assert open_periods(sched, utc(2024, 1, 1), utc(2024, 1, 8)) == [
        (utc(2024, 1, 3), utc(2024, 1, 4))
    ]


def test_touching_periods_are_merged():
    sched = schedule(
        [
            wk(MON, "09:00", "12:00"),
            wk(MON, "12:00", "14:00"),
            wk(MON, "16:00", "18:00"),
            wk(MON, "22:00", "00:00", True),
            wk(TUE, "00:00", "02:00"),
        ]
    )
    assert open_periods(sched, utc(2024, 1, 1), utc(2024, 1, 3)) == [
        (utc(2024, 1, 1, 9), utc(2024, 1, 1, 14)),
        (utc(2024, 1, 1, 16), utc(2024, 1, 1, 18)),
        (utc(2024, 1, 1, 22), utc(2024, 1, 2, 2)),
    ]
    # A window starting after midnight still sees the whole merged period.
    assert open_periods(sched, utc(2024, 1, 2, 1), utc(2024, 1, 2, 12)) == [
        (utc(2024, 1, 1, 22), utc(2024, 1, 2, 2))
    ]


def test_open_periods_keeps_only_periods_intersecting_the_window():
    sched = schedule(every_day("09:00", "18:00"))
    assert open_periods(sched, utc(2024, 1, 2, 18), utc(2024, 1, 3, 9)) == []
    assert open_periods(sched, utc(2024, 1, 2, 17), utc(2024, 1, 4, 9, 1)) == [
        (utc(2024, 1, 2, 9), utc(2024, 1, 2, 18)),
        (utc(2024, 1, 3, 9), utc(2024, 1, 3, 18)),
        (utc(2024, 1, 4, 9), utc(2024, 1, 4, 18)),
    ]


def test_open_periods_over_a_long_window_crosses_chunks():
    sched = schedule([wk(MON, "09:00", "10:00")])
    periods = open_periods(sched, utc(2024, 1, 1), utc(2024, 4, 1))
    assert len(periods) == 13
    assert periods[0] == (utc(2024, 1, 1, 9), utc(2024, 1, 1, 10))
    assert periods[-1] == (utc(2024, 3, 25, 9), utc(2024, 3, 25, 10))


def test_periods_merge_across_chunk_boundaries():
    sched = schedule(every_day("00:00", "00:00", True))
    assert open_periods(sched, utc(2024, 1, 10), utc(2024, 2, 20)) == [
        (utc(2024, 1, 9), utc(2024, 2, 21))
    ]


# --- exceptions ---


def test_exception_closes_a_day():
    christmas = DateException(dt.date(2024, 12, 25), name="Christmas")
    sched = schedule(every_day("09:00", "18:00"), [christmas])
    assert is_open_at(sched, utc(2024, 12, 24, 10))
    assert not is_open_at(sched, utc(2024, 12, 25, 10))
    assert is_open_at(sched, utc(2024, 12, 26, 10))


def test_exception_with_special_hours():
    eve = DateException(dt.date(2024, 12, 24), (iv("08:00", "12:00"),))
    sched = schedule(every_day("09:00", "18:00"), [eve])
    assert is_open_at(sched, utc(2024, 12, 24, 8))
    assert not is_open_at(sched, utc(2024, 12, 24, 12))
    assert not is_open_at(sched, utc(2024, 12, 24, 15))
    assert open_periods(sched, utc(2024, 12, 24), utc(2024, 12, 25)) == [
        (utc(2024, 12, 24, 8), utc(2024, 12, 24, 12))
    ]


def test_previous_day_overnight_runs_into_an_exception_date():
    # Tuesday 2024-01-02 is closed, but Monday night's interval still runs into it.
    sched = schedule(
        [wk(MON, "22:00", "02:00", True), wk(TUE, "09:00", "18:00")],
        [DateException(dt.date(2024, 1, 2))],
    )
    assert is_open_at(sched, utc(2024, 1, 2, 1))
    assert not is_open_at(sched, utc(2024, 1, 2, 10))
    assert open_periods(sched, utc(2024, 1, 2), utc(2024, 1, 3)) == [
        (utc(2024, 1, 1, 22), utc(2024, 1, 2, 2))
    ]


def test_overnight_exception_runs_into_next_day():
    new_year = DateException(dt.date(2024, 12, 31), (iv("20:00", "03:00", True),))
    sched = schedule(every_day("09:00", "18:00"), [new_year])
    assert open_periods(sched, utc(2024, 12, 31), utc(2025, 1, 2)) == [
        (utc(2024, 12, 31, 20), utc(2025, 1, 1, 3)),
        (utc(2025, 1, 1, 9), utc(2025, 1, 1, 18)),
    ]


def test_day_intervals():
    sched = schedule(
        [
            wk(MON, "14:00", "18:00"),
            wk(MON, "09:00", "12:00"),
            wk(TUE, "10:00", "11:00"),
        ],
        [DateException(dt.date(2024, 1, 8), (iv("10:00", "12:00"),))],
    )
    assert day_intervals(sched, dt.date(2024, 1, 1)) == (
        iv("09:00", "12:00"),
        iv("14:00", "18:00"),
    )
    assert day_intervals(sched, dt.date(2024, 1, 8)) == (iv("10:00", "12:00"),)
    assert day_intervals(sched, dt.date(2024, 1, 3)) == ()


# --- daylight saving ---


def test_paris_spring_forward():
    zone = "Europe/Paris"  # 2024-03-31 02:00 CET -> 03:00 CEST
    night = schedule([wk(SAT, "22:00", "03:00", True)], timezone=zone)
    start, end = period_on(night, dt.date(2024, 3, 30))
    assert (start, end) == (utc(2024, 3, 30, 21), utc(2024, 3, 31, 1))
    assert end - start == dt.timedelta(hours=4)
    # 02:30 does not exist that night: the store opens at 03:00 CEST (01:00 UTC).
    gap = schedule([wk(SUN, "02:30", "05:00")], timezone=zone)
    assert period_on(gap, dt.date(2024, 3, 31)) == (
        utc(2024, 3, 31, 1),
        utc(2024, 3, 31, 3),
    )
    assert not is_open_at(gap, utc(2024, 3, 31, 0, 59))
    assert is_open_at(gap, local(zone, 2024, 3, 31, 3, 0))


def test_paris_fall_back():
    zone = "Europe/Paris"  # 2024-10-27 03:00 CEST -> 02:00 CET
    night = schedule([wk(SAT, "22:00", "03:00", True)], timezone=zone)
    start, end = period_on(night, dt.date(2024, 10, 26))
    assert (start, end) == (utc(2024, 10, 26, 20), utc(2024, 10, 27, 2))
    assert end - start == dt.timedelta(hours=6)
    # 02:30 happens twice that night: the first occurrence (CEST) counts.
    twice = schedule([wk(SUN, "02:30", "04:00")], timezone=zone)
    assert period_on(twice, dt.date(2024, 10, 27)) == (
        utc(2024, 10, 27, 0, 30),
        utc(2024, 10, 27, 3),
    )


def test_paris_winter_and_summer_offsets():
    sched = schedule(every_day("09:00", "18:00"), timezone="Europe/Paris")
    assert period_on(sched, dt.date(2024, 1, 15)) == (
        utc(2024, 1, 15, 8),
        utc(2024, 1, 15, 17),
    )
    assert period_on(sched, dt.date(2024, 7, 15)) == (
        utc(2024, 7, 15, 7),
        utc(2024, 7, 15, 16),
    )


def test_new_york_spring_forward():
    zone = "America/New_York"  # 2024-03-10 02:00 EST -> 03:00 EDT
    night = schedule([wk(SAT, "22:00", "04:00", True)], timezone=zone)
    start, end = period_on(night, dt.date(2024, 3, 9))
    assert (start, end) == (utc(2024, 3, 10, 3), utc(2024, 3, 10, 8))
    assert end - start == dt.timedelta(hours=5)
    gap = schedule([wk(SUN, "02:15", "05:00")], timezone=zone)
    assert period_on(gap, dt.date(2024, 3, 10)) == (
        utc(2024, 3, 10, 7),
        utc(2024, 3, 10, 9),
    )


def test_new_york_fall_back():
    zone = "America/New_York"  # 2024-11-03 02:00 EDT -> 01:00 EST
    night = schedule([wk(SAT, "22:00", "04:00", True)], timezone=zone)
    start, end = period_on(night, dt.date(2024, 11, 2))
    assert (start, end) == (utc(2024, 11, 3, 2), utc(2024, 11, 3, 9))
    assert end - start == dt.timedelta(hours=7)
    twice = schedule([wk(SUN, "01:30", "05:00")], timezone=zone)
    assert period_on(twice, dt.date(2024, 11, 3)) == (
        utc(2024, 11, 3, 5, 30),
        utc(2024, 11, 3, 10),
    )


def test_sydney_southern_hemisphere():
    zone = "Australia/Sydney"
    sched = schedule(every_day("09:00", "17:00"), timezone=zone)
    # January is summer time (UTC+11), July winter time (UTC+10).
    assert is_open_at(sched, utc(2024, 1, 14, 22))
    assert not is_open_at(sched, utc(2024, 1, 14, 21, 59))
    assert is_open_at(sched, utc(2024, 7, 14, 23))
    assert not is_open_at(sched, utc(2024, 7, 14, 22, 30))
    night = schedule([wk(SAT, "22:00", "04:00", True)], timezone=zone)
    # 2024-10-06 02:00 AEST -> 03:00 AEDT: six wall-clock hours last five.
    assert period_on(night, dt.date(2024, 10, 5)) == (
        utc(2024, 10, 5, 12),
        utc(2024, 10, 5, 17),
    )
    # 2024-04-07 03:00 AEDT -> 02:00 AEST: six wall-clock hours last seven.
    assert period_on(night, dt.date(2024, 4, 6)) == (
        utc(2024, 4, 6, 11),
        utc(2024, 4, 6, 18),
    )


def test_next_opening_and_closing_in_local_time():
    zone = "America/New_York"
    sched = schedule(every_day("09:00", "17:00"), timezone=zone)
    at = local(zone, 2024, 3, 9, 18)
    assert next_opening(sched, at) == local(zone, 2024, 3, 10, 9)
    assert next_opening(sched, at) == utc(2024, 3, 10, 13)
    assert current_closing(sched, local(zone, 2024, 3, 10, 12)) == utc(2024, 3, 10, 21)


# --- next_opening / current_closing ---


WEEKDAYS_9_TO_18 = tuple(wk(day, "09:00", "18:00") for day in range(5))


def test_next_opening_when_closed():
    sched = schedule(WEEKDAYS_9_TO_18)
    assert next_opening(sched, utc(2024, 1, 1, 20)) == utc(2024, 1, 2, 9)
    assert next_opening(sched, utc(2024, 1, 1, 8)) == utc(2024, 1, 1, 9)
    assert next_opening(sched, utc(2024, 1, 5, 18)) == utc(2024, 1, 8, 9)


def test_next_opening_when_open_is_after_the_current_period():
    sched = schedule(WEEKDAYS_9_TO_18)
    assert next_opening(sched, utc(2024, 1, 1, 10)) == utc(2024, 1, 2, 9)
    assert next_opening(sched, utc(2024, 1, 1, 9)) == utc(2024, 1, 2, 9)


def test_next_opening_skips_merged_continuations():
    sched = schedule(
        [wk(day, "22:00", "00:00", True) for day in range(7)]
        + [wk(day, "00:00", "02:00") for day in range(7)]
    )
    # Open 22:00-02:00 every night, stored as two touching intervals.
    assert next_opening(sched, utc(2024, 1, 1, 23)) == utc(2024, 1, 2, 22)
    assert next_opening(sched, utc(2024, 1, 2, 1)) == utc(2024, 1, 2, 22)


def test_next_opening_across_a_long_holiday_closure():
    holiday = [
        DateException(dt.date(2024, 7, 1) + dt.timedelta(days=offset), name="Summer")
        for offset in range(21)
    ]
    sched = schedule(WEEKDAYS_9_TO_18, holiday)
    assert next_opening(sched, utc(2024, 6, 28, 12)) == utc(2024, 7, 22, 9)
    assert next_opening(sched, utc(2024, 6, 28, 12), horizon_days=20) is None
    assert not is_open_at(sched, utc(2024, 7, 10, 12))


def test_next_opening_none_when_never_open():
    assert next_opening(schedule(), utc(2024, 1, 1)) is None
    all_closed = schedule(
        WEEKDAYS_9_TO_18,
        [
            DateException(dt.date(2024, 1, 1) + dt.timedelta(days=offset))
            for offset in range(10)
        ],
    )
    assert next_opening(all_closed, utc(2024, 1, 1), horizon_days=5) is None
    assert next_opening(all_closed, utc(2024, 1, 1), horizon_days=10) == utc(
        2024, 1, 11, 9
    )


def test_next_opening_none_when_always_open():
    assert (
        next_opening(schedule(every_day("00:00", "00:00", True)), utc(2024, 1, 1))
        is None
    )


def test_next_opening_rejects_a_negative_horizon():
    with pytest.raises(ValueError):
        next_opening(schedule(WEEKDAYS_9_TO_18), utc(2024, 1, 1), horizon_days=-1)


def test_next_opening_only_computes_what_it_needs(monkeypatch):
    calls = []
    real = opening._to_utc

    def counting(tz, wall):
        calls.append(wall)
        return real(tz, wall)

    monkeypatch.setattr(opening, "_to_utc", counting)
    sched = schedule(every_day("09:00", "18:00"))
    assert next_opening(sched, utc(2024, 1, 1, 20)) == utc(2024, 1, 2, 9)
    assert len(calls) <= 2 * 2 * opening.CHUNK_DAYS


def test_current_closing():
    sched = schedule(WEEKDAYS_9_TO_18)
    assert current_closing(sched, utc(2024, 1, 1, 10)) == utc(2024, 1, 1, 18)
    assert current_closing(sched, utc(2024, 1, 1, 9)) == utc(2024, 1, 1, 18)
    assert current_closing(sched, utc(2024, 1, 1, 18)) is None
    assert current_closing(sched, utc(2024, 1, 6, 12)) is None


def test_current_closing_follows_merged_periods():
    sched = schedule(
        [
            wk(MON, "22:00", "00:00", True),
            wk(TUE, "00:00", "00:00", True),
            wk(WED, "00:00", "03:00"),
        ]
    )
    assert current_closing(sched, utc(2024, 1, 1, 23)) == utc(2024, 1, 3, 3)
    assert current_closing(sched, utc(2024, 1, 3, 1)) == utc(2024, 1, 3, 3)


def test_current_closing_of_a_long_continuous_period():
    # Open around the clock until a closure 20 days later.
    closure = DateException(dt.date(2024, 1, 21))
    sched = schedule(every_day("00:00", "00:00", True), [closure])
    assert current_closing(sched, utc(2024, 1, 1, 12)) is None
    assert current_closing(sched, utc(2024, 1, 1, 12), horizon_days=30) == utc(
        2024, 1, 21
    )
    assert current_closing(sched, utc(2024, 1, 15, 12)) == utc(2024, 1, 21)


def test_current_closing_none_when_open_all_the_time():
    sched = schedule(every_day("00:00", "00:00", True))
    assert is_open_at(sched, utc(2024, 1, 1, 12))
    assert current_closing(sched, utc(2024, 1, 1, 12)) is None
