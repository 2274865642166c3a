"""Rules of store events, without a database."""

import datetime as dt

import pytest

from saleor_o2o.core.errors import O2OError
from saleor_o2o.core.tokens import token_hash
from saleor_o2o.visits.events import rules

T0 = dt.datetime(2026, 12, 1, 18, tzinfo=dt.timezone.utc)
HOUR = dt.timedelta(hours=1)


def code(call):
    with pytest.raises(O2OError) as error:
        call()
    return error.value.field, error.value.code


def test_an_event_ends_after_it_starts_and_lasts_a_bounded_time():
    rules.schedule_check(starts_at=T0, ends_at=T0 + HOUR)
    assert code(lambda: rules.schedule_check(starts_at=T0, ends_at=T0)) == (
        "endsAt",
        "INVALID",
    )
    too_long = T0 + rules.MAX_DURATION + HOUR
    assert code(lambda: rules.schedule_check(starts_at=T0, ends_at=too_long)) == (
        "endsAt",
        "OUT_OF_RANGE",
    )


@pytest.mark.parametrize("capacity", [0, -1, rules.MAX_CAPACITY + 1])
def test_capacity_out_of_range(capacity):
    assert code(lambda: rules.capacity_check(capacity)) == ("capacity", "OUT_OF_RANGE")


def test_capacity_never_below_the_places_taken():
    rules.capacity_check(None, taken=50)
    rules.capacity_check(5, taken=5)
    assert code(lambda: rules.capacity_check(4, taken=5)) == (
        "capacity",
        "OUT_OF_RANGE",
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/a.jpg",
        "javascript:alert(1)",
        "https://",
        "https://user@example.com/a.jpg",
        "https://example.com/a b.jpg",
        "//example.com/a.jpg",
    ],
)
def test_images_are_absolute_https_urls(url):
    assert code(lambda: rules.image_url_check(url)) == ("imageUrl", "INVALID")


def test_an_https_image_or_none_is_fine():
    rules.image_url_check("")
    rules.image_url_check("https://cdn.example.com/e/1.jpg?w=1200")


def test_places_left():
    assert rules.places_left(None, 10) is None
    assert rules.places_left(3, 1) == 2
    assert rules.places_left(3, 5) == 0


def test_rsvp_refused_once_started_when_had_or_when_full():
    ok = dict(starts_at=T0, now=T0 - HOUR, capacity=2, taken=1, already=False)
    rules.rsvp_check(**ok)
    assert code(lambda: rules.rsvp_check(**{**ok, "now": T0}))[1] == "EVENT_STARTED"
    assert code(lambda: rules.rsvp_check(**{**ok, "already": True}))[1] == (
        "ALREADY_RSVPED"
    )
    assert code(lambda: rules.rsvp_check(**{**ok, "taken": 2}))[1] == "EVENT_FULL"
    rules.rsvp_check(**{**ok, "capacity": None, "taken": 10_000})


def test_cancel_refused_twice_or_once_started():
    confirmed = rules.RsvpStatus.CONFIRMED
    rules.cancel_check(status=confirmed, starts_at=T0, now=T0 - HOUR)
    assert code(
        lambda: rules.cancel_check(
            status=rules.RsvpStatus.CANCELLED, starts_at=T0, now=T0 - HOUR
        )
    )[1] == ("ALREADY_CANCELLED")
    assert code(lambda: rules.cancel_check(status=confirmed, starts_at=T0, now=T0))[
        1
    ] == ("EVENT_STARTED")


def test_cancel_tokens_need_the_secret_and_are_stored_hashed():
    nonce = rules.new_nonce()
    token = rules.cancel_token(nonce, secret="s1")
    assert token == rules.cancel_token(nonce, secret="s1")
    assert token != rules.cancel_token(nonce, secret="s2")
    assert token != rules.cancel_token(rules.new_nonce(), secret="s1")
    assert len(token) == 64 and nonce not in token
    assert token_hash(token) != token and len(token_hash(token)) == 64
    assert token_hash(f" {token}\n") == token_hash(token)
