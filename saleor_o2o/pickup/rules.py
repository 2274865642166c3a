"""The pickup lifecycle: which status may follow which, and who may move it.

Pure policy, no database: services lock the pickup, ask `check_transition`, then
write. The allowed transitions are data (`TRANSITIONS`, checked by
`core.lifecycle.Lifecycle`), so the GraphQL enum, the documentation and the tests
read the same table. Handover codes follow `core.handover`.
"""

from datetime import datetime
from typing import FrozenSet, Mapping, Optional

from saleor_o2o.core import codes, handover
from saleor_o2o.core.actors import (  # noqa: F401 (re-exported)
    ACTOR_KINDS,
    APP,
    MERCHANT,
    SHOPPER,
    STAFF,
    SYSTEM,
    ActorKind,
)
from saleor_o2o.core.errors import O2OError
from saleor_o2o.core.handover import (  # noqa: F401 (re-exported)
    LOCKOUT,
    MAX_CODE_ATTEMPTS,
    CodeCheck,
    CodeLocked,
    WrongCode,
    code_is_locked,
)
from saleor_o2o.core.lifecycle import InvalidTransition, Lifecycle  # noqa: F401

RECEIVED = "received"
PREPARING = "preparing"
READY = "ready"
CUSTOMER_ARRIVED = "customer_arrived"
COLLECTED = "collected"
EXPIRED = "expired"
CANCELLED = "cancelled"


class PickupStatus:
    """Where a pickup order stands (the moves allowed are `TRANSITIONS`)."""

    RECEIVED = RECEIVED
    PREPARING = PREPARING
    READY = READY
    CUSTOMER_ARRIVED = CUSTOMER_ARRIVED
    COLLECTED = COLLECTED
    EXPIRED = EXPIRED
    CANCELLED = CANCELLED

    CHOICES = [
        (RECEIVED, "Received"),
        (PREPARING, "Being prepared"),
        (READY, "Ready for pickup"),
        (CUSTOMER_ARRIVED, "Customer arrived"),
        (COLLECTED, "Collected"),
        (EXPIRED, "Expired"),
        (CANCELLED, "Cancelled"),
    ]


#: Who made a pickup transition (the kinds every lifecycle shares).
PickupActor = ActorKind


class PickupAuditKind:
    """What an entry of a pickup's audit trail records."""

    STATUS = "status"
    CODE_UNLOCKED = "code_unlocked"
    COLLECTOR_AUTHORISED = "collector_authorised"

    CHOICES = [
        (STATUS, "A change of status"),
        (CODE_UNLOCKED, "A manager released the handover code lock"),
        (COLLECTOR_AUTHORISED, "The shopper named someone to collect"),
    ]


_MERCHANT = MERCHANT

#: Allowed transitions: ``{from: {to: actors allowed to make it}}``. The system
#: expires pickups and cancels them when Saleor cancels their order.
TRANSITIONS: Mapping[str, Mapping[str, FrozenSet[str]]] = {
    RECEIVED: {
        PREPARING: _MERCHANT,
        READY: _MERCHANT,
        CANCELLED: _MERCHANT | {SYSTEM},
    },
    PREPARING: {
        READY: _MERCHANT,
        CANCELLED: _MERCHANT | {SYSTEM},
    },
    READY: {
        CUSTOMER_ARRIVED: _MERCHANT | {SHOPPER},
        COLLECTED: _MERCHANT,
        EXPIRED: frozenset({SYSTEM}),
        CANCELLED: _MERCHANT | {SYSTEM},
    },
    CUSTOMER_ARRIVED: {
        COLLECTED: _MERCHANT,
        CANCELLED: _MERCHANT | {SYSTEM},
    },
    COLLECTED: {},
    EXPIRED: {},
    CANCELLED: {},
}

#: The pickup lifecycle: `check_transition`, `next_statuses`, `FINAL_STATUSES`.
LIFECYCLE = Lifecycle("pickup", TRANSITIONS)
#: Statuses a pickup never leaves.
FINAL_STATUSES: FrozenSet[str] = LIFECYCLE.final_statuses
check_transition = LIFECYCLE.check
next_statuses = LIFECYCLE.next_statuses


# Handover codes.

#: Prefix of the QR payload that encodes a pickup code.
QR_PREFIX = "o2o:pickup:"


def qr_payload(code: str) -> str:
    """Return the text a QR code carries for a pickup code."""
    return codes.qr_payload(QR_PREFIX, code)


def normalise_code(given: str) -> str:
    """Return the code typed or scanned (see `codes.normalise`)."""
    return codes.normalise(given, prefix=QR_PREFIX)


def code_matches(given: str, expected: str) -> bool:
    """Compare a typed or scanned code with the pickup's, in constant time."""
    return handover.code_matches(given, expected, prefix=QR_PREFIX)


def check_code(
    given: str,
    expected: str,
    *,
    failed_attempts: int,
    locked_until: Optional[datetime],
    now: datetime,
) -> CodeCheck:
    """Check a pickup code under the lock-out policy (`core.handover.check_code`)."""
    return handover.check_code(
        given,
        expected,
        prefix=QR_PREFIX,
        failed_attempts=failed_attempts,
        locked_until=locked_until,
        now=now,
    )


class CollectorNotAuthorised(O2OError):
    code = "COLLECTOR_NOT_AUTHORISED"


def _name_key(name: str) -> str:
    return " ".join(name.casefold().split())


def check_collector(collected_by: str, *, authorised: str, field: str) -> None:
    """Refuse a collector other than the one the shopper authorised, if they did.

    Without an authorised name, staff note whoever collects (as before); with one,
    the name given at the desk must be it (case and spacing aside).
    """
    if collected_by and authorised and _name_key(collected_by) != _name_key(authorised):
        raise CollectorNotAuthorised(
            f"The shopper authorised {authorised} to collect, nobody else.",
            field=field,
        )


# Expiry.
