"""The pickup state machine, code checks and hold policy: pure, no database."""

from datetime import datetime, timedelta
from itertools import product

import pytest
import pytz

from saleor_o2o.core.settings import HoldPolicy
from saleor_o2o.pickup import rules as lc
from saleor_o2o.pickup.models import PickupStatus

STATUSES = [
    lc.RECEIVED,
    lc.PREPARING,
    lc.READY,
    lc.CUSTOMER_ARRIVED,
    lc.COLLECTED,
    lc.EXPIRED,
    lc.CANCELLED,
]
M, S, Y = {lc.STAFF, lc.APP}, {lc.SHOPPER}, {lc.SYSTEM}

#: Written out by hand from the issue, independently of `lc.TRANSITIONS`.
EXPECTED = {
    (lc.RECEIVED, lc.PREPARING): M,
    (lc.RECEIVED, lc.READY): M,
    (lc.RECEIVED, lc.CANCELLED): M | Y,
    (lc.PREPARING, lc.READY): M,
    (lc.PREPARING, lc.CANCELLED): M | Y,
    (lc.READY, lc.CUSTOMER_ARRIVED): M | S,
    (lc.READY, lc.COLLECTED): M,
    (lc.READY, lc.EXPIRED): Y,
    (lc.READY, lc.CANCELLED): M | Y,
    (lc.CUSTOMER_ARRIVED, lc.COLLECTED): M,
    (lc.CUSTOMER_ARRIVED, lc.CANCELLED): M | Y,
}
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=pytz.utc)


def test_statuses_match_the_model():
    assert set(STATUSES) == {value for value, _ in PickupStatus.CHOICES}
    assert set(lc.TRANSITIONS) == set(STATUSES)


@pytest.mark.parametrize(
    "current,target,actor", list(product(STATUSES, STATUSES, lc.ACTOR_KINDS))
)
def test_every_transition_is_allowed_or_refused_as_specified(current, target, actor):
    allowed = actor in EXPECTED.get((current, target), set())
    if allowed:
        lc.check_transition(current, target, actor=actor)
    else:
        with pytest.raises(lc.InvalidTransition) as refused:
            lc.check_transition(current, target, actor=actor)
        assert refused.value.code == "INVALID_TRANSITION"
        assert refused.value.current == current
        assert current.upper() in refused.value.message


def test_refusal_lists_where_the_pickup_can_go():
    with pytest.raises(lc.InvalidTransition) as refused:
        lc.check_transition(lc.RECEIVED, lc.COLLECTED, actor=lc.STAFF)
    assert refused.value.message == (
        "The pickup is RECEIVED and cannot become COLLECTED: it can only go to "
        "PREPARING, READY, CANCELLED."
    )


def test_final_statuses():
    assert lc.FINAL_STATUSES == {lc.COLLECTED, lc.EXPIRED, lc.CANCELLED}
    with pytest.raises(lc.InvalidTransition, match="it is final"):
        lc.check_transition(lc.EXPIRED, lc.READY, actor=lc.STAFF)


def test_unknown_status_or_actor_is_a_programming_error():
    with pytest.raises(ValueError):
        lc.check_transition("lost", lc.READY, actor=lc.STAFF)
    with pytest.raises(ValueError):
        lc.check_transition(lc.RECEIVED, lc.READY, actor="robot")


@pytest.mark.parametrize(
    "given",
    [
        "K7P2QX",
        "k7p2qx",
        " K7P-2QX ",
        "K7P 2QX",
        "o2o:pickup:K7P2QX",
        "O2O:PICKUP:k7p2qx",
    ],
)
def test_codes_match_typed_or_scanned(given):
    assert lc.code_matches(given, "K7P2QX")


@pytest.mark.parametrize("given", ["", "K7P2Q", "K7P2QY", "o2o:pickup:", "K7P2QXX"])
def test_other_codes_do_not_match(given):
    assert not lc.code_matches(given, "K7P2QX")


def test_qr_payload_round_trips():
    assert lc.normalise_code(lc.qr_payload("K7P2QX")) == "K7P2QX"


def test_wrong_codes_count_up_to_a_lock_out():
    failed, locked = 0, None
    for attempt in range(1, lc.MAX_CODE_ATTEMPTS + 1):
        check = lc.check_code(
            "AAAAAA", "K7P2QX", failed_attempts=failed, locked_until=locked, now=NOW
        )
        assert not check.matched and check.failed_attempts == attempt
        failed, locked = check.failed_attempts, check.locked_until
    assert locked == NOW + lc.LOCKOUT

    with pytest.raises(lc.CodeLocked):
        lc.check_code(
            "K7P2QX", "K7P2QX", failed_attempts=failed, locked_until=locked, now=NOW
        )
    after = lc.check_code(
        "K7P2QX", "K7P2QX", failed_attempts=failed, locked_until=locked, now=locked
    )
    assert after == lc.CodeCheck(matched=True, failed_attempts=0, locked_until=None)


def test_after_a_lock_out_counting_starts_again():
    check = lc.check_code(
        "AAAAAA",
        "K7P2QX",
        failed_attempts=lc.MAX_CODE_ATTEMPTS,
        locked_until=NOW - timedelta(seconds=1),
        now=NOW,
    )
    assert check.failed_attempts == 1 and check.locked_until is None


def test_hold_policy():
    policy = HoldPolicy(hold=timedelta(hours=48), remind_before=timedelta(hours=6))
    ready = NOW
    assert policy.expires_at(ready) == NOW + timedelta(hours=48)
    assert not policy.needs_reminder(ready, None, NOW + timedelta(hours=41))
    assert policy.needs_reminder(ready, None, NOW + timedelta(hours=42))
    assert not policy.needs_reminder(ready, NOW, NOW + timedelta(hours=43))
    assert not policy.needs_reminder(ready, None, NOW + timedelta(hours=48))
    assert not policy.is_expired(ready, NOW + timedelta(hours=47, minutes=59))
    assert policy.is_expired(ready, NOW + timedelta(hours=48))


def test_no_reminder_when_switched_off():
    policy = HoldPolicy(hold=timedelta(hours=48), remind_before=timedelta(0))
    assert not policy.needs_reminder(NOW, None, NOW + timedelta(hours=47))
