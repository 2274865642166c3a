"""The appointment lifecycle and the desk's timing, as pure rules."""

import datetime as dt

import pytest
import pytz

from saleor_o2o.core.actors import APP, SHOPPER, STAFF, SYSTEM
from saleor_o2o.core.lifecycle import InvalidTransition
from saleor_o2o.visits.appointments import desk_rules, rules
from saleor_o2o.visits.appointments.rules import BOOKED, CANCELLED, CHECKED_IN, NO_SHOW

PARIS = pytz.timezone("Europe/Paris")
START = PARIS.localize(dt.datetime(2027, 3, 2, 10, 0)).astimezone(pytz.utc)

ALLOWED = {
    (BOOKED, CANCELLED): {SHOPPER, STAFF, APP},
    (BOOKED, CHECKED_IN): {STAFF, APP},
    (BOOKED, NO_SHOW): {STAFF, APP, SYSTEM},
    (NO_SHOW, CHECKED_IN): {STAFF, APP},
}
STATUSES = [value for value, _ in rules.AppointmentStatus.CHOICES]


@pytest.mark.parametrize("current", STATUSES)
@pytest.mark.parametrize("target", STATUSES)
@pytest.mark.parametrize("actor", [STAFF, APP, SHOPPER, SYSTEM])
def test_every_move_and_refusal(current, target, actor):
    allowed = actor in ALLOWED.get((current, target), ())
    if allowed:
        rules.check_transition(current, target, actor=actor)
    else:
        with pytest.raises(InvalidTransition) as error:
            rules.check_transition(current, target, actor=actor)
        assert error.value.code == "INVALID_TRANSITION"


def test_final_statuses_and_next_statuses():
    assert rules.FINAL_STATUSES == {CHECKED_IN, CANCELLED}
    assert rules.next_statuses(BOOKED, actor=STAFF) == (
        CHECKED_IN,
        NO_SHOW,
        CANCELLED,
    )
    assert rules.next_statuses(BOOKED, actor=SHOPPER) == (CANCELLED,)
    assert rules.next_statuses(BOOKED, actor=SYSTEM) == (NO_SHOW,)


def test_a_no_show_comes_after_the_grace_period():
    policy = desk_rules.DeskPolicy(no_show_grace=dt.timedelta(minutes=15))

    assert not policy.is_no_show(START, START + dt.timedelta(minutes=14, seconds=59))
    assert policy.is_no_show(START, START + dt.timedelta(minutes=15))
    assert desk_rules.NO_SHOW_GRACE == dt.timedelta(minutes=15)


@pytest.mark.parametrize(
    "now_hours,reminded,confirmed_hours,due",
    [
        (-25, False, -48, False),  # Too early.
        (-24, False, -48, True),
        (-1, False, -48, True),
        (0, False, -48, False),  # Started.
        (-2, True, -48, False),  # Once.
        (-2, False, -5, False),  # Confirmed within the window: no reminder.
        (-2, False, None, True),
    ],
)
def test_the_reminder_is_due_once_in_the_day_before(
    now_hours, reminded, confirmed_hours, due
):
    policy = desk_rules.DeskPolicy(remind_before=dt.timedelta(hours=24))
    hours = dt.timedelta(hours=1)

    assert (
        policy.reminder_due(
            START,
            START + now_hours * hours,
            reminded_at=START if reminded else None,
            confirmed_at=(
                None if confirmed_hours is None else START + confirmed_hours * hours
            ),
        )
        is due
    )


def test_no_reminder_when_switched_off():
    policy = desk_rules.DeskPolicy(remind_before=dt.timedelta(0))

    assert not policy.reminder_due(
        START, START - dt.timedelta(hours=1), reminded_at=None, confirmed_at=None
    )


def test_the_day_is_the_stores():
    # 23:30 UTC on 1 March is already 2 March in Paris, still 1 March in New York.
    late = dt.datetime(2027, 3, 1, 23, 30, tzinfo=pytz.utc)

    assert desk_rules.local_day(late, "Europe/Paris") == dt.date(2027, 3, 2)
    assert desk_rules.local_day(late, "America/New_York") == dt.date(2027, 3, 1)
    assert desk_rules.is_same_day(START, late, "Europe/Paris")
    assert not desk_rules.is_same_day(START, late, "America/New_York")


def test_day_bounds_across_daylight_saving_changes():
    # Paris springs forward on 28 March 2027: that day has 23 hours.
    start, end = desk_rules.day_bounds(dt.date(2027, 3, 28), "Europe/Paris")

    assert start == dt.datetime(2027, 3, 27, 23, 0, tzinfo=pytz.utc)
    assert end == dt.datetime(2027, 3, 28, 22, 0, tzinfo=pytz.utc)
    start, end = desk_rules.day_bounds(dt.date(2027, 10, 31), "Europe/Paris")
    assert end - start == dt.timedelta(hours=25)


@pytest.mark.parametrize(
    "typed",
    ["abc234", " ABC-234 ", "o2o:appointment:ABC234", "O2O:APPOINTMENT:abc 234"],
)
def test_a_code_is_read_as_typed_or_scanned(typed):
    assert desk_rules.normalise_code(typed) == "ABC234"
    assert desk_rules.qr_payload("ABC234") == "o2o:appointment:ABC234"
