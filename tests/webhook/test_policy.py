"""Webhook delivery policy: backoff and the outcome of an attempt."""

from datetime import datetime, timedelta

import pytest
import pytz

from saleor_o2o.webhook import policy as delivery

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=pytz.utc)


def test_backoff_doubles_from_ten_seconds_up_to_an_hour():
    delays = [delivery.retry_delay(n).total_seconds() for n in range(1, 12)]
    assert delays == [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600]
    assert delivery.retry_delay(10_000) == delivery.MAX_DELAY


def test_attempts_count_from_one():
    with pytest.raises(ValueError):
        delivery.retry_delay(0)


@pytest.mark.parametrize("status", [200, 201, 204, 299])
def test_any_2xx_is_delivered(status):
    outcome = delivery.after_attempt(
        status_code=status, attempts=3, max_attempts=3, now=NOW
    )
    assert outcome == delivery.Outcome(delivery.DELIVERED, None)


@pytest.mark.parametrize("status", [None, 301, 400, 404, 500, 503])
def test_failures_are_retried_with_backoff(status):
    outcome = delivery.after_attempt(
        status_code=status, attempts=2, max_attempts=5, now=NOW
    )
    assert outcome == delivery.Outcome(delivery.PENDING, NOW + timedelta(seconds=20))


def test_the_last_failure_is_dead():
    outcome = delivery.after_attempt(
        status_code=500, attempts=5, max_attempts=5, now=NOW
    )
    assert outcome == delivery.Outcome(delivery.DEAD, None)


def test_backoff_base_can_be_shortened():
    outcome = delivery.after_attempt(
        status_code=None,
        attempts=3,
        max_attempts=5,
        now=NOW,
        base=timedelta(milliseconds=500),
    )
    assert outcome.next_attempt_at == NOW + timedelta(seconds=2)


@pytest.mark.parametrize("error", sorted(delivery.AttemptError.PERMANENT))
def test_a_failure_no_retry_can_cure_is_dead_at_once(error):
    outcome = delivery.after_attempt(
        status_code=None, attempts=1, max_attempts=5, now=NOW, error=error
    )
    assert outcome == delivery.Outcome(delivery.DEAD, None)


@pytest.mark.parametrize(
    "error",
    [
        delivery.AttemptError.TIMEOUT,
        delivery.AttemptError.CONNECTION_REFUSED,
        delivery.AttemptError.DNS_ERROR,
        delivery.AttemptError.TLS_ERROR,
        delivery.AttemptError.for_status(503),
    ],
)
def test_network_and_http_failures_are_retried(error):
    outcome = delivery.after_attempt(
        status_code=None, attempts=1, max_attempts=5, now=NOW, error=error
    )
    assert outcome == delivery.Outcome(delivery.PENDING, NOW + timedelta(seconds=10))


def test_http_errors_are_named_by_their_status():
    assert delivery.AttemptError.for_status(503) == "HTTP 503"


def test_every_error_class_is_listed():
    error = delivery.AttemptError
    constants = {
        value
        for name, value in vars(error).items()
        if name.isupper() and isinstance(value, str)
    }
    assert set(error.ALL) == constants and error.PERMANENT <= constants
