import datetime as dt

import pytest
import pytz

from saleor_o2o.core.errors import InvalidInput
from saleor_o2o.store import hours, slots

PARIS = pytz.timezone("Europe/Paris")
UTC = pytz.utc


def schedule(*intervals, timezone="Europe/Paris"):
    return hours.Schedule(
        timezone=timezone,
        weekly=tuple(
            hours.WeeklyInterval(day, hours.Interval(*interval))
            for day in range(7)
            for interval in intervals
        ),
    )


def local(*args):
    return PARIS.localize(dt.datetime(*args)).astimezone(UTC)


def starts(result):
    return [s.start.astimezone(PARIS).strftime("%H:%M") for s in result]


def test_slots_fill_each_opening_period():
    result = slots.time_slots(
        schedule((dt.time(9, 30), dt.time(12)), (dt.time(14), dt.time(16, 15))),
        day=dt.date(2026, 11, 24),
        slot_minutes=60,
        capacity=4,
        earliest=local(2026, 11, 24, 0, 0),
        booked={},
    )
    # 09:30-12:00 holds two whole hours; 14:00-16:15 holds two.
    assert starts(result) == ["09:30", "10:30", "14:00", "15:00"]
    assert all(s.remaining == 4 for s in result)


def test_slots_start_after_the_order_can_be_ready():
    result = slots.time_slots(
        schedule((dt.time(9), dt.time(13))),
        day=dt.date(2026, 11, 24),
        slot_minutes=30,
        capacity=2,
        earliest=local(2026, 11, 24, 11, 10),
        booked={},
    )
    assert starts(result) == ["11:30", "12:00", "12:30"]


def test_booked_slots_show_what_remains():
    start = local(2026, 11, 24, 9, 0)
    result = slots.time_slots(
        schedule((dt.time(9), dt.time(11))),
        day=dt.date(2026, 11, 24),
        slot_minutes=60,
        capacity=3,
        earliest=start,
        booked={start: 3, local(2026, 11, 24, 10): 1},
    )
    assert [s.remaining for s in result] == [0, 2]
    assert not slots.can_book(result[0])
    assert slots.can_book(result[1], quantity=2)
    assert not slots.can_book(result[1], quantity=3)


def test_overnight_hours_give_slots_after_midnight_on_the_next_date():
    store = hours.Schedule(
        timezone="Europe/Paris",
        weekly=(
            hours.WeeklyInterval(0, hours.Interval(dt.time(22), dt.time(2), True)),
        ),
    )
    # Monday 23 November 22:00 to Tuesday 02:00.
    monday = slots.time_slots(
        store,
        day=dt.date(2026, 11, 23),
        slot_minutes=60,
        capacity=1,
        earliest=local(2026, 11, 23),
        booked={},
    )
    tuesday = slots.time_slots(
        store,
        day=dt.date(2026, 11, 24),
        slot_minutes=60,
        capacity=1,
        earliest=local(2026, 11, 23),
        booked={},
    )
    assert starts(monday) == ["22:00", "23:00"]
    assert starts(tuesday) == ["00:00", "01:00"]


def test_a_holiday_has_no_slots():
    store = hours.Schedule(
        timezone="Europe/Paris",
        weekly=schedule((dt.time(9), dt.time(18))).weekly,
        exceptions=(hours.DateException(dt.date(2026, 12, 25), name="Christmas"),),
    )
    result = slots.time_slots(
        store,
        day=dt.date(2026, 12, 25),
        slot_minutes=30,
        capacity=5,
        earliest=local(2026, 12, 24),
        booked={},
    )
    assert result == []


def test_slots_on_a_daylight_saving_day_keep_their_wall_clock_times():
    # 25 October 2026: Paris falls back at 03:00; slots stay on the hour.
    result = slots.time_slots(
        schedule((dt.time(9), dt.time(12))),
        day=dt.date(2026, 10, 25),
        slot_minutes=60,
        capacity=1,
        earliest=local(2026, 10, 25, 0),
        booked={},
    )
    assert starts(result) == ["09:00", "10:00", "11:00"]
    assert result[0].start == UTC.localize(dt.datetime(2026, 10, 25, 8))


@pytest.mark.parametrize(
    "minutes, capacity, field",
    [
        (4, 1, "pickup_slot_minutes"),
        (481, 1, "pickup_slot_minutes"),
        (30, -1, "pickup_slot_capacity"),
    ],
)
def test_slot_settings_are_validated(minutes, capacity, field):
    with pytest.raises(InvalidInput) as raised:
        slots.validate_slot_settings(slot_minutes=minutes, capacity=capacity)
    assert (raised.value.field, raised.value.code) == (field, "OUT_OF_RANGE")
