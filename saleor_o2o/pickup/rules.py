"""The pickup lifecycle: which status may follow which, and who may move it.

Pure policy, no database: services lock the pickup, ask `check_transition`, then
write. The allowed transitions are data (`TRANSITIONS`), as in django-oscar's order
pipeline, so the GraphQL enum, the documentation and the tests read the same table.
"""

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import FrozenSet, Mapping, Optional, Tuple

from saleor_o2o.core import codes
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

#: Statuses a pickup never leaves.
FINAL_STATUSES: FrozenSet[str] = frozenset(
    status for status, targets in TRANSITIONS.items() if not targets
)


class InvalidTransition(O2OError):
    """The pickup cannot go to that status from its own, or not by this actor."""

    code = "INVALID_TRANSITION"

    def __init__(self, message: str, *, current: str) -> None:
        super().__init__(message, field="status")
        self.current = current


def _label(status: str) -> str:
    return status.upper()


def check_transition(current: str, target: str, *, actor: str) -> None:
    """Raise `InvalidTransition` unless ``actor`` may move a pickup to ``target``."""
    if current not in TRANSITIONS or target not in TRANSITIONS:
        raise ValueError(f"Unknown pickup status: {current!r} or {target!r}.")
    if actor not in ACTOR_KINDS:
        raise ValueError(f"Unknown actor kind: {actor!r}.")
    allowed = TRANSITIONS[current]
    if target not in allowed:
        if current in FINAL_STATUSES:
            reason = "it is final"
        else:
            reason = "it can only go to " + ", ".join(
                _label(status) for status in allowed
            )
        raise InvalidTransition(
            f"The pickup is {_label(current)} and cannot become {_label(target)}: "
            f"{reason}.",
            current=current,
        )
    if actor not in allowed[target]:
        raise InvalidTransition(
            f"The pickup is {_label(current)}; only "
            + " or ".join(sorted(allowed[target]))
            + f" can make it {_label(target)}.",
            current=current,
        )


def next_statuses(current: str, *, actor: str) -> Tuple[str, ...]:
    """Return the statuses ``actor`` may move a pickup to from ``current``."""
    return tuple(
        target for target, actors in TRANSITIONS[current].items() if actor in actors
    )


# Handover codes.

#: Prefix of the QR payload that encodes a pickup code.
QR_PREFIX = "o2o:pickup:"
#: Wrong codes allowed before the pickup is locked, and for how long.
MAX_CODE_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=15)


def qr_payload(code: str) -> str:
    """Return the text a QR code carries for a pickup code."""
    return codes.qr_payload(QR_PREFIX, code)


def normalise_code(given: str) -> str:
    """Return the code typed or scanned (see `codes.normalise`)."""
    return codes.normalise(given, prefix=QR_PREFIX)


def code_matches(given: str, expected: str) -> bool:
    """Compare a typed or scanned code with the pickup's, in constant time."""
    return hmac.compare_digest(
        normalise_code(given).encode("utf-8"), expected.upper().encode("utf-8")
    )


@dataclass(frozen=True)
class CodeCheck:
    """The outcome of a code check: matched, and the attempt counter to store."""

    matched: bool
    failed_attempts: int
    locked_until: Optional[datetime]


class CodeLocked(O2OError):
    """Too many wrong codes: the pickup refuses codes for a while."""

    code = "CODE_LOCKED"


class WrongCode(O2OError):
    """The code given is not the pickup's."""

    code = "INVALID_CODE"


def check_code(
    given: str,
    expected: str,
    *,
    failed_attempts: int,
    locked_until: Optional[datetime],
    now: datetime,
) -> CodeCheck:
    """Check a code under the lock-out policy; raise `CodeLocked` while locked.

    A right code resets the counter; the `MAX_CODE_ATTEMPTS`-th wrong one locks the
    pickup for `LOCKOUT`, after which counting starts again.
    """
    if locked_until is not None and now < locked_until:
        raise CodeLocked(
            "Too many wrong codes: this pickup accepts codes again at "
            f"{locked_until:%H:%M} UTC. Check the shopper's order instead.",
            field="code",
        )
    if locked_until is not None:
        failed_attempts = 0
    if code_matches(given, expected):
        return CodeCheck(matched=True, failed_attempts=0, locked_until=None)
    failed_attempts += 1
    if failed_attempts >= MAX_CODE_ATTEMPTS:
        return CodeCheck(False, failed_attempts, now + LOCKOUT)
    return CodeCheck(False, failed_attempts, None)


def code_is_locked(*, locked_until: Optional[datetime], now: datetime) -> bool:
    """Return whether the handover refuses every code now."""
    return locked_until is not None and now < locked_until


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
