"""The local delivery lifecycle: which status may follow which, and who may move it.

Pure policy, no database, as for pickups (`pickup.rules`): services lock the
delivery, ask `check_transition` (`core.lifecycle`), then write. The handover code
the shopper gives the courier follows `core.handover`, as a pickup's does.
"""

from typing import FrozenSet, Mapping

from saleor_o2o.core import codes
from saleor_o2o.core.actors import MERCHANT, SYSTEM
from saleor_o2o.core.lifecycle import InvalidTransition, Lifecycle  # noqa: F401

RECEIVED = "received"
PREPARING = "preparing"
OUT_FOR_DELIVERY = "out_for_delivery"
DELIVERED = "delivered"
FAILED_ATTEMPT = "failed_attempt"
RETURNED_TO_STORE = "returned_to_store"
CANCELLED = "cancelled"


class LocalDeliveryStatus:
    """Where a local delivery stands (the moves allowed are `TRANSITIONS`)."""

    RECEIVED = RECEIVED
    PREPARING = PREPARING
    OUT_FOR_DELIVERY = OUT_FOR_DELIVERY
    DELIVERED = DELIVERED
    FAILED_ATTEMPT = FAILED_ATTEMPT
    RETURNED_TO_STORE = RETURNED_TO_STORE
    CANCELLED = CANCELLED

    CHOICES = [
        (RECEIVED, "Received"),
        (PREPARING, "Being prepared"),
        (OUT_FOR_DELIVERY, "Out for delivery"),
        (DELIVERED, "Delivered"),
        (FAILED_ATTEMPT, "Delivery attempt failed"),
        (RETURNED_TO_STORE, "Returned to the store"),
        (CANCELLED, "Cancelled"),
    ]


class LocalDeliveryAuditKind:
    """What an entry of a delivery's audit trail records."""

    STATUS = "status"
    CODE_UNLOCKED = "code_unlocked"

    CHOICES = [
        (STATUS, "A change of status"),
        (CODE_UNLOCKED, "A manager released the handover code lock"),
    ]


#: Allowed transitions: ``{from: {to: actors allowed to make it}}``. A failed attempt
#: goes out again (a retry) or back to the store. DELIVERED needs the shopper's code
#: (`local_delivery.handover`). The system cancels a delivery when Saleor cancels its
#: order, which Saleor allows until the order is fulfilled, so from every status
#: before DELIVERED: a courier still out is then called back. Staff cancel only
#: before the delivery leaves; once out, it comes back as FAILED_ATTEMPT, then
#: RETURNED_TO_STORE, which releases its stock.
TRANSITIONS: Mapping[str, Mapping[str, FrozenSet[str]]] = {
    RECEIVED: {PREPARING: MERCHANT, CANCELLED: MERCHANT | {SYSTEM}},
    PREPARING: {OUT_FOR_DELIVERY: MERCHANT, CANCELLED: MERCHANT | {SYSTEM}},
    OUT_FOR_DELIVERY: {
        DELIVERED: MERCHANT,
        FAILED_ATTEMPT: MERCHANT,
        CANCELLED: frozenset({SYSTEM}),
    },
    FAILED_ATTEMPT: {
        OUT_FOR_DELIVERY: MERCHANT,
        RETURNED_TO_STORE: MERCHANT,
        CANCELLED: frozenset({SYSTEM}),
    },
    DELIVERED: {},
    RETURNED_TO_STORE: {},
    CANCELLED: {},
}

#: The delivery lifecycle: `check_transition`, `next_statuses`, `FINAL_STATUSES`.
LIFECYCLE = Lifecycle("delivery", TRANSITIONS)
#: Statuses a delivery never leaves.
FINAL_STATUSES: FrozenSet[str] = LIFECYCLE.final_statuses
#: Statuses in which a delivery still takes a place in its window.
OPEN_STATUSES: FrozenSet[str] = frozenset(TRANSITIONS) - FINAL_STATUSES
check_transition = LIFECYCLE.check
next_statuses = LIFECYCLE.next_statuses
#: Statuses the desk shows: to prepare, to hand to a courier, or out with one.
DESK_STATUSES = (RECEIVED, PREPARING, FAILED_ATTEMPT, OUT_FOR_DELIVERY)

#: Prefix of the QR payload that encodes a delivery code.
QR_PREFIX = "o2o:delivery:"


def qr_payload(code: str) -> str:
    """Return the text a QR code carries for a delivery code."""
    return codes.qr_payload(QR_PREFIX, code)
