"""Webhook delivery policy: what an attempt's outcome means, and when to try again."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from saleor_o2o.core.settings import WebhookDeployment

PENDING = "pending"
DELIVERED = "delivered"
DEAD = "dead"


class DeliveryStatus:
    PENDING = PENDING
    DELIVERED = DELIVERED
    DEAD = DEAD

    CHOICES = [
        (PENDING, "Waiting to be sent or retried"),
        (DELIVERED, "Accepted by the receiver"),
        (DEAD, "Given up after the last attempt"),
    ]


#: First retry after this long (unless the deployment says otherwise, see
#: `core.settings.WebhookDeployment`), then doubling up to `MAX_DELAY`.
BASE_DELAY = timedelta(seconds=WebhookDeployment.retry_base_seconds)
MAX_DELAY = timedelta(hours=1)
#: Receivers have this long to answer.
TIMEOUT_SECONDS = 10.0
DEFAULT_MAX_ATTEMPTS = 10


class AttemptError:
    """Why an attempt failed, as recorded: a class of error, never the answer's body.

    A receiver's body can hold anything (an internal page, a stack trace), and
    attempts are readable through the API; the status code is kept separately.
    """

    TIMEOUT = "timeout"
    CONNECTION_REFUSED = "connection refused"
    CONNECTION_RESET = "connection reset"
    CONNECTION_ERROR = "connection error"
    DNS_ERROR = "DNS error"
    TLS_ERROR = "TLS error"
    INVALID_URL = "invalid URL"
    NON_PUBLIC_ADDRESS = "non-public address"
    WEBHOOK_INACTIVE = "webhook inactive"
    APP_INACTIVE = "app inactive"
    PERMISSION_MISSING = "permission missing"

    #: Every class but "HTTP <status>" (`for_status`).
    ALL = (
        TIMEOUT,
        CONNECTION_REFUSED,
        CONNECTION_RESET,
        CONNECTION_ERROR,
        DNS_ERROR,
        TLS_ERROR,
        INVALID_URL,
        NON_PUBLIC_ADDRESS,
        WEBHOOK_INACTIVE,
        APP_INACTIVE,
        PERMISSION_MISSING,
    )
    #: Failures a retry cannot cure until someone changes the webhook, its app or the
    #: settings: the delivery is DEAD at once, to be retried after the fix.
    PERMANENT = frozenset(
        {
            INVALID_URL,
            NON_PUBLIC_ADDRESS,
            WEBHOOK_INACTIVE,
            APP_INACTIVE,
            PERMISSION_MISSING,
        }
    )

    @staticmethod
    def for_status(status_code: int) -> str:
        """Return the error recorded for a non-2xx answer, e.g. ``HTTP 503``."""
        return f"HTTP {status_code}"


def retry_delay(attempts: int, *, base: timedelta = BASE_DELAY) -> timedelta:
    """Return the pause after the ``attempts``-th failed attempt (1, 2, ...)."""
    if attempts < 1:
        raise ValueError("attempts counts from 1")
    return min(base * (2 ** min(attempts - 1, 30)), MAX_DELAY)


def is_success(status_code: Optional[int]) -> bool:
    """Return whether the receiver accepted the event (any 2xx answer)."""
    return status_code is not None and 200 <= status_code < 300


@dataclass(frozen=True)
class Outcome:
    """What to store after an attempt."""

    status: str
    next_attempt_at: Optional[datetime]


def after_attempt(
    *,
    status_code: Optional[int],
    attempts: int,
    max_attempts: int,
    now: datetime,
    base: timedelta = BASE_DELAY,
    error: str = "",
) -> Outcome:
    """Decide a delivery's state after its ``attempts``-th attempt.

    ``error`` is the attempt's `AttemptError`; a permanent one ends the delivery.
    """
    if is_success(status_code):
        return Outcome(DELIVERED, None)
    if attempts >= max_attempts or error in AttemptError.PERMANENT:
        return Outcome(DEAD, None)
    return Outcome(PENDING, now + retry_delay(attempts, base=base))
