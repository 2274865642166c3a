"""Pure rules of appointments: settings bounds, slot refusals, change deadline,
tokens, and the slot engine's step."""

import datetime as dt
from datetime import time

import pytest
import pytz

from saleor_o2o.core import tokens
from saleor_o2o.core.errors import O2OError
from saleor_o2o.store import hours, slots
from saleor_o2o.visits.appointments import rules

UTC = pytz.utc
NOW = UTC.localize(dt.datetime(2027, 3, 22, 8))


@pytest.mark.parametrize(
    "values, field, code",
    [
        ({"name": "  "}, "name", "REQUIRED"),
        ({"name": "x" * 121}, "name", "OUT_OF_RANGE"),
        ({"description": "x" * 2001}, "description", "OUT_OF_RANGE"),
        ({"duration_minutes": 4}, "duration_minutes", "OUT_OF_RANGE"),
        ({"duration_minutes": 481}, "duration_minutes", "OUT_OF_RANGE"),
        ({"capacity": 0}, "capacity", "OUT_OF_RANGE"),
        ({"buffer_minutes": -1}, "buffer_minutes", "OUT_OF_RANGE"),
        ({"book_ahead_days": 366}, "book_ahead_days", "OUT_OF_RANGE"),
        ({"min_notice_minutes": None}, "min_notice_minutes", "REQUIRED"),
        ({"change_until_minutes": True}, "change_until_minutes", "REQUIRED"),
    ],
)
def test_type_settings_out_of_bounds_are_refused(values, field, code):
    with pytest.raises(O2OError) as error:
        rules.validate_type_settings(values)
    assert (error.value.field, error.value.code) == (field, code)


def test_type_settings_within_bounds_pass():
    rules.validate_type_settings(
        {"name": "Fitting", "duration_minutes": 5, "capacity": 100, "buffer_minutes": 0}
    )


def slot(hour, booked=0, capacity=1):
    start = UTC.localize(dt.datetime(2027, 3, 23, hour))
    return slots.Slot(start, start + dt.timedelta(hours=1), capacity, booked)


def refusal(start, offered, now=NOW, earliest=None, last=dt.date(2027, 4, 1)):
    found = rules.slot_refusal(
        start,
        now=now,
        earliest=earliest or now,
        local_date=start.date(),
        last_date=last,
        offered=offered,
    )
    return found and found.code


def test_slot_refusals_in_order():
    offered = [slot(9), slot(10, booked=1)]
    assert refusal(slot(9).start, offered) is None
    assert refusal(slot(10).start, offered) == "SLOT_FULL"
    assert refusal(slot(11).start, offered) == "SLOT_UNAVAILABLE"
    assert refusal(slot(9).start, offered, earliest=slot(10).start) == "SLOT_TOO_SOON"
    assert refusal(slot(9).start, offered, last=dt.date(2027, 3, 22)) == "SLOT_TOO_FAR"
    assert refusal(slot(9).start, offered, now=slot(9).start) == "SLOT_PAST"


def test_changes_allowed_until_the_deadline_and_only_while_booked():
    start = NOW + dt.timedelta(hours=3)
    assert (
        rules.change_refusal(
            status="booked", starts_at=start, now=NOW, change_until_minutes=180
        )
        is None
    )
    late = rules.change_refusal(
        status="booked", starts_at=start, now=NOW, change_until_minutes=181
    )
    assert late.code == "TOO_LATE_TO_CHANGE"
    for status in ("cancelled", "checked_in", "no_show"):
        assert (
            rules.change_refusal(
                status=status, starts_at=start, now=NOW, change_until_minutes=0
            ).code
            == "NOT_CHANGEABLE"
        )


def test_tokens_are_long_random_and_hashed():
    drawn = {tokens.new_token() for _ in range(50)}
    assert len(drawn) == 50
    assert min(len(token) for token in drawn) >= 43
    token = drawn.pop()
    assert tokens.token_hash(token) != token
    assert len(tokens.token_hash(token)) == 64


def test_slot_engine_steps_by_duration_plus_buffer():
    schedule = hours.Schedule(
        timezone="UTC",
        weekly=(hours.WeeklyInterval(1, hours.Interval(time(9), time(12))),),
    )
    found = slots.time_slots(
        schedule,
        day=dt.date(2027, 3, 23),
        slot_minutes=50,
        capacity=1,
        earliest=NOW,
        booked={},
        wording=slots.APPOINTMENT,
        step_minutes=60,
    )
    assert [(s.start.hour, s.start.minute, s.end.minute) for s in found] == [
        (9, 0, 50),
        (10, 0, 50),
        (11, 0, 50),
    ]
    with pytest.raises(ValueError):
        slots.time_slots(
            schedule,
            day=dt.date(2027, 3, 23),
            slot_minutes=50,
            capacity=1,
            earliest=NOW,
            booked={},
            step_minutes=40,
        )
