"""Appointment slots: cut from the store's hours in its time zone, across
daylight-saving changes and holidays, with buffers, notice, book-ahead and the
places holding appointments take."""

import datetime as dt
from datetime import time

import pytest
import pytz
from django.db import connection
from django.test.utils import CaptureQueriesContext

from saleor_o2o.store import hours
from saleor_o2o.store import services as store_services
from saleor_o2o.visits.appointments import selectors
from saleor_o2o.visits.appointments.models import Appointment
from saleor_o2o.visits.appointments.rules import AppointmentStatus

from fixtures.visits import paris

UTC = pytz.utc

#: Every day, 09:00-19:00.
EVERY_DAY_9_TO_19 = [
    hours.WeeklyInterval(weekday=day, interval=hours.Interval(time(9), time(19)))
    for day in range(7)
]
#: Every day, 01:00-04:00: across the hour a daylight-saving change skips or repeats.
EVERY_NIGHT_1_TO_4 = [
    hours.WeeklyInterval(weekday=day, interval=hours.Interval(time(1), time(4)))
    for day in range(7)
]
#: Monday 22 March 2027, 06:00 in Paris.
MONDAY_MORNING = paris(2027, 3, 22, 6, 0)


def starts(found):
    return [slot.start for slot in found]


def hold(appointment_type, start, *, status=AppointmentStatus.BOOKED, n=1):
    for index in range(n):
        Appointment.objects.create(
            appointment_type=appointment_type,
            store=appointment_type.store,
            starts_at=start,
            ends_at=start + dt.timedelta(minutes=appointment_type.duration_minutes),
            status=status,
            email=f"held{index}@example.com",
            token_hash=f"{start.timestamp()}-{status}-{index}",
            code=f"C{index}",
        )


def test_slots_follow_the_opening_hours_back_to_back(appointment_type):
    found = selectors.appointment_slots(
        appointment_type, dt.date(2027, 3, 23), now=MONDAY_MORNING
    )
    assert starts(found)[0] == paris(2027, 3, 23, 9, 0)
    assert found[-1].end == paris(2027, 3, 23, 19, 0)
    assert len(found) == 20
    assert {(slot.capacity, slot.remaining) for slot in found} == {(2, 2)}


def test_buffer_leaves_a_gap_after_each_visit(appointment_type_factory):
    appointment_type = appointment_type_factory(duration_minutes=45, buffer_minutes=15)
    found = selectors.appointment_slots(
        appointment_type, dt.date(2027, 3, 23), now=MONDAY_MORNING
    )
    assert starts(found)[:3] == [
        paris(2027, 3, 23, 9, 0),
        paris(2027, 3, 23, 10, 0),
        paris(2027, 3, 23, 11, 0),
    ]
    assert found[0].end == paris(2027, 3, 23, 9, 45)
    # 18:00-18:45 is the last visit that ends by closing time.
    assert found[-1].start == paris(2027, 3, 23, 18, 0)
    assert len(found) == 10


def test_closed_days_have_no_slots(appointment_type):
    # Sunday: the store is open Monday to Saturday.
    assert (
        selectors.appointment_slots(
            appointment_type, dt.date(2027, 3, 28), now=MONDAY_MORNING
        )
        == []
    )


def test_a_holiday_closes_and_special_hours_replace_the_week(store, appointment_type):
    store_services.store_update(
        store=store,
        data={
            "opening_hours_exceptions": [
                hours.DateException(date=dt.date(2027, 3, 23), intervals=()),
                hours.DateException(
                    date=dt.date(2027, 3, 24),
                    intervals=(hours.Interval(time(14), time(16)),),
                ),
            ]
        },
    )
    appointment_type.store.refresh_from_db()
    days = [dt.date(2027, 3, 23), dt.date(2027, 3, 24), dt.date(2027, 3, 25)]
    closed, special, ordinary = selectors.appointment_slots_for_days(
        appointment_type, days, now=MONDAY_MORNING
    )
    assert closed == []
    assert starts(special) == [
        paris(2027, 3, 24, 14, 0),
        paris(2027, 3, 24, 14, 30),
        paris(2027, 3, 24, 15, 0),
        paris(2027, 3, 24, 15, 30),
    ]
    assert len(ordinary) == 20


@pytest.mark.parametrize(
    "day, first_utc",
    [
        (dt.date(2027, 3, 27), dt.datetime(2027, 3, 27, 8, 0)),  # winter, UTC+1
        (dt.date(2027, 3, 28), dt.datetime(2027, 3, 28, 7, 0)),  # summer, UTC+2
        (dt.date(2027, 10, 30), dt.datetime(2027, 10, 30, 7, 0)),
        (dt.date(2027, 10, 31), dt.datetime(2027, 10, 31, 8, 0)),
    ],
)
def test_daytime_slots_keep_local_times_across_daylight_saving(
    store_factory, appointment_type_factory, day, first_utc
):
    every_day = store_factory(
        "Paris Marais", 48.859, 2.36, opening_hours=EVERY_DAY_9_TO_19
    )
    appointment_type = appointment_type_factory(of_store=every_day, book_ahead_days=365)
    found = selectors.appointment_slots(appointment_type, day, now=MONDAY_MORNING)
    assert found[0].start == UTC.localize(first_utc)
    assert len(found) == 20
    assert all(
        slot.start.astimezone(pytz.timezone("Europe/Paris")).minute in (0, 30)
        for slot in found
    )


@pytest.mark.parametrize(
    "day, count",
    [
        # 01:00-04:00 lasts two hours when clocks skip 02:00-03:00 ...
        (dt.date(2027, 3, 28), 4),
        # ... and four when 02:00-03:00 happens twice.
        (dt.date(2027, 10, 31), 8),
        (dt.date(2027, 10, 30), 6),
    ],
)
def test_night_slots_count_the_real_hours_of_a_daylight_saving_night(
    store_factory, appointment_type_factory, day, count
):
    nightly = store_factory("Paris Nuit", 48.87, 2.35, opening_hours=EVERY_NIGHT_1_TO_4)
    appointment_type = appointment_type_factory(of_store=nightly, book_ahead_days=365)
    found = selectors.appointment_slots(appointment_type, day, now=MONDAY_MORNING)
    assert len(found) == count
    for before, after in zip(found, found[1:]):
        assert after.start - before.start == dt.timedelta(minutes=30)


def test_min_notice_hides_slots_starting_too_soon(appointment_type_factory):
    appointment_type = appointment_type_factory(min_notice_minutes=90)
    now = paris(2027, 3, 23, 10, 10)
    found = selectors.appointment_slots(appointment_type, dt.date(2027, 3, 23), now=now)
    assert found[0].start == paris(2027, 3, 23, 12, 0)


def test_book_ahead_ends_on_the_stores_local_date(appointment_type_factory):
    appointment_type = appointment_type_factory(book_ahead_days=2)
    # 23:30 in Paris on Monday is still Monday there (22:30 UTC).
    now = paris(2027, 3, 22, 23, 30)
    days = [dt.date(2027, 3, 24), dt.date(2027, 3, 25)]
    last, beyond = selectors.appointment_slots_for_days(appointment_type, days, now=now)
    assert len(last) == 20
    assert beyond == []


def test_holding_appointments_take_places_others_do_not(appointment_type):
    nine = paris(2027, 3, 23, 9, 0)
    half_past = paris(2027, 3, 23, 9, 30)
    hold(appointment_type, nine, n=2)
    hold(appointment_type, half_past, status=AppointmentStatus.CHECKED_IN)
    hold(appointment_type, half_past, status=AppointmentStatus.CANCELLED)
    hold(appointment_type, half_past, status=AppointmentStatus.NO_SHOW)
    found = selectors.appointment_slots(
        appointment_type, dt.date(2027, 3, 23), now=MONDAY_MORNING
    )
    remaining = {slot.start: slot.remaining for slot in found}
    assert remaining[nine] == 0
    assert remaining[half_past] == 1


def test_a_crowded_store_caps_its_next_hours_slots(store, appointment_type_factory):
    """The occupancy policy, as the desk's head count sets it: slots starting in
    the next hour shrink to the crowded capacity; later ones keep theirs."""
    from saleor_o2o.occupancy import services as occupancy

    appointment_type = appointment_type_factory(min_notice_minutes=0)
    now = paris(2027, 3, 23, 9, 50)
    occupancy.occupancy_settings_update(
        store_id=store.pk, data={"capacity": 10, "crowded_slot_capacity": 1}
    )
    occupancy.store_occupancy_update(store_id=store.pk, count=10, now=now)

    found = selectors.appointment_slots(appointment_type, now.date(), now=now)

    assert [(slot.start, slot.capacity) for slot in found[:3]] == [
        (paris(2027, 3, 23, 10, 0), 1),
        (paris(2027, 3, 23, 10, 30), 1),
        (paris(2027, 3, 23, 11, 0), 2),
    ]
    occupancy.store_occupancy_update(store_id=store.pk, count=2, now=now)
    eased = selectors.appointment_slots(appointment_type, now.date(), now=now)
    assert [slot.capacity for slot in eased[:3]] == [2, 2, 2]


def test_a_month_of_slots_takes_three_queries(appointment_type):
    """The hours exceptions, the places held per slot start, the crowding cap."""
    hold(appointment_type, paris(2027, 3, 23, 9, 0))
    days = [dt.date(2027, 3, 22) + dt.timedelta(days=n) for n in range(30)]
    appointment_type = selectors.appointment_type_for_id(appointment_type.pk)
    with CaptureQueriesContext(connection) as queries:
        found = selectors.appointment_slots_for_days(
            appointment_type, days, now=MONDAY_MORNING
        )
    assert len(queries.captured_queries) == 3, queries.captured_queries
    assert sum(len(day) for day in found) > 400
