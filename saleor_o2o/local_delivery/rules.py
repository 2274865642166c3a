"""The local delivery lifecycle: which status may follow which, and who may move it.

Pure policy, no database, as for pickups (`pickup.rules`): services lock the
delivery, ask `check_transition`, then write.
"""

from typing import FrozenSet, Mapping

from saleor_o2o.core.actors import MERCHANT, SYSTEM

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
#: goes out again (a retry) or back to the store; the system cancels a delivery when
#: Saleor cancels its order.
TRANSITIONS: Mapping[str, Mapping[str, FrozenSet[str]]] = {
    RECEIVED: {PREPARING: MERCHANT, CANCELLED: MERCHANT | {SYSTEM}},
    PREPARING: {OUT_FOR_DELIVERY: MERCHANT, CANCELLED: MERCHANT | {SYSTEM}},
    OUT_FOR_DELIVERY: {DELIVERED: MERCHANT, FAILED_ATTEMPT: MERCHANT},
    FAILED_ATTEMPT: {
        OUT_FOR_DELIVERY: MERCHANT,
        RETURNED_TO_STORE: MERCHANT | {SYSTEM},
    },
    DELIVERED: {},
    RETURNED_TO_STORE: {},
    CANCELLED: {},
}

#: Statuses a delivery never leaves.
FINAL_STATUSES: FrozenSet[str] = frozenset(
    status for status, targets in TRANSITIONS.items() if not targets
)
#: Statuses in which a delivery still takes a place in its window.
OPEN_STATUSES: FrozenSet[str] = frozenset(TRANSITIONS) - FINAL_STATUSES
