"""Pure rules of reserve-to-try: limits, hold end, lifecycle, sale lines, tokens."""

from datetime import datetime, timedelta, timezone

import pytest

from saleor_o2o.core import tokens
from saleor_o2o.core.errors import InvalidInput, O2OError
from saleor_o2o.store.supply import Line
from saleor_o2o.visits.try_on import rules

NOW = datetime(2026, 11, 30, 10, tzinfo=timezone.utc)


def test_lines_within_limits_are_merged_by_variant():
    assert rules.check_lines([Line(1, 1), Line(2, 2), Line(1, 1)]) == (
        Line(1, 2),
        Line(2, 2),
    )


def test_too_many_lines_or_units_are_refused():
    lines = [Line(n, 1) for n in range(rules.MAX_LINES + 1)]
    with pytest.raises(rules.TooManyItems):
        rules.check_lines(lines)
    with pytest.raises(rules.TooManyItems) as error:
        rules.check_lines([Line(1, rules.MAX_UNITS + 1)])
    assert error.value.code == "TOO_MANY_ITEMS"
    assert rules.check_lines([Line(1, rules.MAX_UNITS)]) == (Line(1, rules.MAX_UNITS),)


def test_zero_quantity_and_no_lines_are_refused():
    with pytest.raises(InvalidInput) as error:
        rules.check_lines([Line(1, 0)])
    assert error.value.code == "OUT_OF_RANGE"
    with pytest.raises(InvalidInput) as error:
        rules.check_lines([])
    assert error.value.code == "REQUIRED"


def test_open_reservations_are_capped():
    rules.check_open_count(rules.MAX_OPEN_PER_SHOPPER - 1)
    with pytest.raises(O2OError) as error:
        rules.check_open_count(rules.MAX_OPEN_PER_SHOPPER)
    assert error.value.code == "TOO_MANY_RESERVATIONS"


def test_hold_ends_after_the_hold_period_or_with_the_appointment():
    assert rules.hold_end(now=NOW) == NOW + rules.HOLD_PERIOD
    ends = NOW + timedelta(hours=3)
    view = rules.AppointmentView(store_id=1, ends_at=ends, is_holding=True)
    assert rules.hold_end(now=NOW, appointment=view) == ends


@pytest.mark.parametrize(
    "ends_at, holding",
    [
        (NOW - timedelta(minutes=1), True),
        (NOW + timedelta(hours=1), False),
        (NOW + rules.MAX_APPOINTMENT_AHEAD + timedelta(minutes=1), True),
    ],
)
def test_an_appointment_over_cancelled_or_far_ahead_holds_nothing(ends_at, holding):
    view = rules.AppointmentView(store_id=1, ends_at=ends_at, is_holding=holding)
    with pytest.raises(O2OError) as error:
        rules.hold_end(now=NOW, appointment=view)
    assert error.value.code == "APPOINTMENT_UNAVAILABLE"


def test_lifecycle_who_moves_a_held_reservation():
    assert rules.next_statuses(rules.HELD, actor=rules.STAFF) == (
        rules.CONVERTED,
        rules.RELEASED,
    )
    assert rules.next_statuses(rules.HELD, actor=rules.SHOPPER) == (rules.CANCELLED,)
    assert rules.next_statuses(rules.HELD, actor=rules.SYSTEM) == (rules.EXPIRED,)
    with pytest.raises(rules.InvalidTransition):
        rules.check_transition(rules.HELD, rules.CONVERTED, actor=rules.SHOPPER)
    for final in rules.FINAL_STATUSES:
        with pytest.raises(rules.InvalidTransition):
            rules.check_transition(final, rules.RELEASED, actor=rules.STAFF)
    assert rules.FINAL_STATUSES == {
        rules.CONVERTED,
        rules.RELEASED,
        rules.EXPIRED,
        rules.CANCELLED,
    }


def test_a_hold_past_its_end_cannot_be_acted_on():
    rules.check_held(status=rules.HELD, held_until=NOW + timedelta(seconds=1), now=NOW)
    with pytest.raises(rules.InvalidTransition):
        rules.check_held(status=rules.HELD, held_until=NOW, now=NOW)


def test_sale_lines_default_to_everything_held_and_refuse_more():
    held = {1: 2, 2: 1}
    assert rules.sale_lines(held, None) == held
    assert rules.sale_lines(held, [Line(1, 1)]) == {1: 1}
    with pytest.raises(InvalidInput) as error:
        rules.sale_lines(held, [Line(3, 1)])
    assert error.value.code == "NOT_FOUND"
    with pytest.raises(InvalidInput) as error:
        rules.sale_lines(held, [Line(1, 3)])
    assert error.value.code == "OUT_OF_RANGE"


def test_tokens_are_unguessable_and_stored_hashed():
    token = tokens.new_token()
    assert len(token) >= 32 and token != tokens.new_token()
    stored = tokens.token_hash(token)
    assert len(stored) == 64 and token not in stored
    assert tokens.token_matches(token, stored)
    assert not tokens.token_matches(token + "x", stored)
