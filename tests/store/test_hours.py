"""Opening hours as stores enter them: validation, and JSON as stored."""

import datetime as dt

import pytest

from saleor_o2o.store.hours import (
    WEEKDAY_NAMES,
    DateException,
    Interval,
    Schedule,
    WeeklyInterval,
    intervals_from_json,
    intervals_to_json,
    validate_exceptions,
    validate_schedule,
    validate_timezone,
    validate_weekly,
    weekly_from_json,
    weekly_to_json,
)

from helpers.hours import FRI, MON, SAT, SUN, TUE, WED, iv, raises_invalid, schedule, wk

# --- validation ---


def test_weekday_names():
    assert WEEKDAY_NAMES[0] == "Monday"
    assert WEEKDAY_NAMES[6] == "Sunday"
    assert len(WEEKDAY_NAMES) == 7


def test_inverted_interval_is_rejected_with_hint():
    error = raises_invalid(
        "INVALID_INTERVAL",
        "opening_hours",
        validate_weekly,
        [wk(MON, "18:00", "09:00")],
    )
    assert "closesNextDay" in error.message
    assert "Monday 18:00-09:00" in error.message


def test_empty_interval_is_rejected():
    raises_invalid(
        "INVALID_INTERVAL",
        "opening_hours",
        validate_weekly,
        [wk(TUE, "09:00", "09:00")],
    )


def test_overnight_interval_longer_than_a_day_is_rejected():
    error = raises_invalid(
        "INVALID_INTERVAL",
        "opening_hours",
        validate_weekly,
        [wk(FRI, "22:00", "23:00", True)],
    )
    assert "24 hours" in error.message


@pytest.mark.parametrize("weekday", [-1, 7, True])
def test_weekday_out_of_range_is_rejected(weekday):
    raises_invalid(
        "INVALID_INTERVAL",
        "opening_hours",
        validate_weekly,
        [WeeklyInterval(weekday, iv("09:00", "18:00"))],
    )


def test_twenty_four_hours_is_valid():
    weekly = (wk(MON, "00:00", "00:00", True), wk(TUE, "10:00", "10:00", True))
    assert validate_weekly(weekly) == weekly


def test_overlap_within_a_day_names_both_intervals():
    error = raises_invalid(
        "OVERLAPPING_INTERVALS",
        "opening_hours",
        validate_weekly,
        [wk(MON, "12:00", "18:00"), wk(MON, "09:00", "13:00")],
    )
    assert error.message == "Monday 09:00-13:00 overlaps Monday 12:00-18:00."


def test_identical_intervals_overlap():
    raises_invalid(
        "OVERLAPPING_INTERVALS",
        "opening_hours",
        validate_weekly,
        [wk(WED, "09:00", "12:00"), wk(WED, "09:00", "12:00")],
    )


def test_overnight_spill_into_next_day_overlaps():
    error = raises_invalid(
        "OVERLAPPING_INTERVALS",
        "opening_hours",
        validate_weekly,
        [wk(TUE, "01:00", "05:00"), wk(MON, "22:00", "02:00", True)],
    )
    assert error.message == (
        "Monday 22:00-02:00 (next day) overlaps Tuesday 01:00-05:00."
    )


def test_sunday_night_wraps_into_monday():
    error = raises_invalid(
        "OVERLAPPING_INTERVALS",
        "opening_hours",
        validate_weekly,
        [wk(SUN, "20:00", "03:00", True), wk(MON, "02:00", "06:00")],
    )
    assert error.message == (
        "Sunday 20:00-03:00 (next day) overlaps Monday 02:00-06:00."
    )


def test_touching_intervals_are_allowed_and_sorted():
    weekly = [
        wk(MON, "12:00", "18:00"),
        wk(SUN, "20:00", "00:00", True),
        wk(TUE, "02:00", "04:00"),
        wk(MON, "22:00", "02:00", True),
        wk(MON, "00:00", "12:00"),
    ]
    assert validate_weekly(weekly) == (
        wk(MON, "00:00", "12:00"),
        wk(MON, "12:00", "18:00"),
        wk(MON, "22:00", "02:00", True),
        wk(TUE, "02:00", "04:00"),
        wk(SUN, "20:00", "00:00", True),
    )


def test_exception_duplicate_date_is_rejected():
    day = dt.date(2024, 12, 25)
    error = raises_invalid(
        "DUPLICATE_DATE",
        "opening_hours_exceptions",
        validate_exceptions,
        [DateException(day), DateException(day, (iv("10:00", "12:00"),))],
    )
    assert "2024-12-25" in error.message


def test_exception_interval_errors_use_exceptions_field():
    day = dt.date(2024, 12, 24)
    raises_invalid(
        "INVALID_INTERVAL",
        "opening_hours_exceptions",
        validate_exceptions,
        [DateException(day, (iv("18:00", "09:00"),))],
    )
    error = raises_invalid(
        "OVERLAPPING_INTERVALS",
        "opening_hours_exceptions",
        validate_exceptions,
        [DateException(day, (iv("12:00", "18:00"), iv("09:00", "13:00")))],
    )
    assert error.message == "2024-12-24 09:00-13:00 overlaps 2024-12-24 12:00-18:00."
    raises_invalid(
        "OVERLAPPING_INTERVALS",
        "opening_hours_exceptions",
        validate_exceptions,
        [DateException(day, (iv("22:00", "06:00", True), iv("23:00", "23:30")))],
    )


def test_exceptions_are_sorted_and_spill_is_not_checked_across_dates():
    first = DateException(
        dt.date(2024, 12, 31), (iv("22:00", "04:00", True),), name="New Year's Eve"
    )
    second = DateException(dt.date(2025, 1, 1), (iv("01:00", "03:00"),))
    result = validate_exceptions([second, first])
    assert result == (first, second)
    assert result[0].name == "New Year's Eve"


def test_exception_intervals_are_sorted():
    exception = DateException(
        dt.date(2024, 5, 1), [iv("14:00", "18:00"), iv("09:00", "12:00")]
    )
    (result,) = validate_exceptions([exception])
    assert result.intervals == (iv("09:00", "12:00"), iv("14:00", "18:00"))


def test_timezone_validation():
    assert validate_timezone("Europe/Paris") == "Europe/Paris"
    assert validate_timezone("europe/paris") == "Europe/Paris"
    for name in ("Mars/Olympus_Mons", "", "Europe/Paris/../UTC"):
        raises_invalid("INVALID_TIMEZONE", "timezone", validate_timezone, name)


def test_validate_schedule_normalises_everything():
    sched = Schedule(
        "america/new_york",
        (wk(TUE, "09:00", "17:00"), wk(MON, "09:00", "17:00")),
        (DateException(dt.date(2024, 7, 4)),),
    )
    assert validate_schedule(sched) == Schedule(
        "America/New_York",
        (wk(MON, "09:00", "17:00"), wk(TUE, "09:00", "17:00")),
        (DateException(dt.date(2024, 7, 4)),),
    )
    raises_invalid(
        "INVALID_TIMEZONE", "timezone", validate_schedule, schedule(timezone="Nope")
    )


# --- JSON ---


def test_weekly_json_round_trip():
    weekly = (
        wk(MON, "09:00", "18:00"),
        wk(FRI, "22:00", "02:00", True),
        WeeklyInterval(SAT, Interval(dt.time(9, 30, 15), dt.time(12, 0))),
    )
    data = weekly_to_json(weekly)
    assert data == [
        {"weekday": 0, "opens": "09:00", "closes": "18:00", "closes_next_day": False},
        {"weekday": 4, "opens": "22:00", "closes": "02:00", "closes_next_day": True},
        {
            "weekday": 5,
            "opens": "09:30:15",
            "closes": "12:00",
            "closes_next_day": False,
        },
    ]
    assert weekly_from_json(data) == weekly


def test_intervals_json_round_trip():
    intervals = (iv("08:00", "12:00"), iv("20:00", "03:00", True))
    data = intervals_to_json(intervals)
    assert data == [
        {"opens": "08:00", "closes": "12:00", "closes_next_day": False},
        {"opens": "20:00", "closes": "03:00", "closes_next_day": True},
    ]
    assert intervals_from_json(data) == intervals
    assert intervals_from_json([{"opens": "08:00", "closes": "12:00"}]) == (
        iv("08:00", "12:00"),
    )


@pytest.mark.parametrize(
    "item",
    [
        {"opens": "9:00", "closes": "18:00"},
        {"opens": "24:00", "closes": "18:00"},
        {"opens": "09:00\n", "closes": "18:00"},
        {"opens": "09:00", "closes": None},
        {"opens": "09:00", "closes": "18:00", "closes_next_day": "yes"},
        "09:00-18:00",
    ],
)
def test_intervals_from_bad_json(item):
    raises_invalid(
        "INVALID_INTERVAL", "opening_hours_exceptions", intervals_from_json, [item]
    )


def test_weekly_from_bad_json():
    good = {"opens": "09:00", "closes": "18:00"}
    raises_invalid("INVALID_INTERVAL", "opening_hours", weekly_from_json, [good])
    raises_invalid(
        "INVALID_INTERVAL", "opening_hours", weekly_from_json, {"weekday": 0, **good}
    )
