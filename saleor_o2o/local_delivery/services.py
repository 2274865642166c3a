"""Local deliveries: created when their order is placed, then moved along their
lifecycle (`local_delivery.rules`) by the store's staff, apps and the system.

Every change locks the delivery row (after what Saleor's order actions lock, for
the moves that call them: `core.orders.order_action_lock`), asks the rules whether
it is allowed, writes the new status with an audit entry (`LocalDeliveryTransition`)
and records the O2O event and the shopper's e-mail in the same transaction. After
commit, Saleor's own ``order_updated`` fires so its webhook subscribers hear of it
(Saleor's fulfilment and cancellation fire it themselves).
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, Optional

from django.db import transaction
from django.utils import timezone
from saleor.order.actions import cancel_order
from saleor.order.models import Order

from saleor_o2o.core import codes
from saleor_o2o.core.actors import Actor
from saleor_o2o.core.errors import InvalidInput, NotFound
from saleor_o2o.core.orders import order_action_lock, order_updated_notify
from saleor_o2o.core.validation import NAME_MAX_LENGTH, NOTE_MAX_LENGTH, text_clean
from saleor_o2o.local_delivery import rules
from saleor_o2o.local_delivery.emails import local_delivery_email_record
from saleor_o2o.local_delivery.models import LocalDelivery, LocalDeliveryTransition
from saleor_o2o.local_delivery.payloads import EVENT_FOR_STATUS, local_delivery_payload
from saleor_o2o.local_delivery.rules import LocalDeliveryStatus
from saleor_o2o.store.models import Store
from saleor_o2o.webhook.events import events_record

#: Handover codes the shopper gives the courier (`core.codes`, as for pickups).
CODE_LENGTH = codes.HANDOVER_CODE_LENGTH
#: The longest tracking reference kept (the model's column).
TRACKING_MAX_LENGTH = 255
#: Moves made through Saleor's own order actions (fulfilment, cancellation), which
#: lock the order's rows and call the plugins' ``order_updated`` themselves.
ORDER_ACTIONS = frozenset(
    {
        LocalDeliveryStatus.DELIVERED,
        LocalDeliveryStatus.RETURNED_TO_STORE,
        LocalDeliveryStatus.CANCELLED,
    }
)


def local_delivery_create(
    *,
    order: Order,
    store: Store,
    window_start: datetime,
    window_end: datetime,
    distance_km: Optional[float],
) -> LocalDelivery:
    """Create the delivery of a new order (RECEIVED), inside its order transaction,
    with the first entry of its audit trail and its event."""
    delivery = LocalDelivery.objects.create(
        order=order,
        store=store,
        window_start=window_start,
        window_end=window_end,
        distance_km=distance_km,
        code=codes.new_handover_code(
            LocalDelivery.objects.filter(status__in=rules.OPEN_STATUSES)
        ),
    )
    transition = LocalDeliveryTransition.objects.create(
        delivery=delivery,
        from_status=LocalDeliveryStatus.RECEIVED,
        to_status=LocalDeliveryStatus.RECEIVED,
        created_at=delivery.created_at,
        **Actor.shopper(order.user).audit_fields(),
    )
    events_record(
        type=EVENT_FOR_STATUS[LocalDeliveryStatus.RECEIVED],
        payloads=[local_delivery_payload(delivery, transition)],
        store_id=store.pk,
    )
    return delivery


def local_delivery_locked(
    *, skip_locked: bool = False, **lookup
) -> Optional[LocalDelivery]:
    """Return the delivery matching ``lookup``, locked for this transaction, or None."""
    return (
        LocalDelivery.objects.select_for_update(of=("self",), skip_locked=skip_locked)
        .select_related("order", "store")
        .filter(**lookup)
        .first()
    )


def local_delivery_lock(
    delivery_id: int, *, for_order_action: bool = False
) -> LocalDelivery:
    """Lock a delivery (after its order's rows, before one of Saleor's order
    actions), or raise NotFound."""
    if for_order_action:
        row = (
            LocalDelivery.objects.filter(pk=delivery_id)
            .values("order_id", "store__warehouse_id")
            .first()
        )
        if row is not None:
            order_action_lock(
                order_id=row["order_id"], warehouse_id=row["store__warehouse_id"]
            )
    locked = local_delivery_locked(pk=delivery_id)
    if locked is None:
        raise NotFound("No such delivery.", field="id")
    return locked


@dataclass
class Change:
    """What a transition does besides setting the status."""

    note: str = ""
    fields: Dict[str, Any] = field(default_factory=dict)


def change_apply(
    delivery: LocalDelivery, target: str, actor: Actor, change: Change, now: datetime
) -> LocalDeliveryTransition:
    """Move a locked delivery to ``target``: status, audit, event, e-mail, and
    Saleor's ``order_updated`` after commit."""
    rules.check_transition(delivery.status, target, actor=actor.kind)
    previous = delivery.status
    delivery.status = target
    delivery.updated_at = now
    for name, value in change.fields.items():
        setattr(delivery, name, value)
    delivery.save(update_fields=["status", "updated_at", *change.fields])
    transition = LocalDeliveryTransition.objects.create(
        delivery=delivery,
        from_status=previous,
        to_status=target,
        created_at=now,
        note=change.note,
        **actor.audit_fields(),
    )
    events_record(
        type=EVENT_FOR_STATUS[target],
        payloads=[local_delivery_payload(delivery, transition)],
        store_id=delivery.store_id,
    )
    local_delivery_email_record(delivery=delivery, transition=transition)
    if target not in ORDER_ACTIONS:
        order_id = delivery.order_id
        transaction.on_commit(lambda: order_updated_notify(order_id))
    return transition


def _departure(
    delivery: LocalDelivery, courier_name: str, tracking_reference: str
) -> Dict[str, Any]:
    """Return what going out changes: who carries it, and one more attempt."""
    if not (courier_name or tracking_reference):
        raise InvalidInput(
            "Say who takes the delivery: a courier's name or a tracking reference.",
            field="courierName",
            code="REQUIRED",
        )
    return {
        "courier_name": courier_name,
        "tracking_reference": tracking_reference,
        "attempts": delivery.attempts + 1,
    }


def _order_cancel(order: Order, actor: Actor) -> None:
    """Cancel the Saleor order through Saleor, which releases its allocations.

    Not an order Saleor would refuse to cancel (already cancelled, or fulfilled
    from the dashboard meanwhile): that one is left as it is.
    """
    if order.can_cancel():
        cancel_order(order, actor.user)


def local_delivery_status_update(
    delivery: LocalDelivery,
    to_status: str,
    actor: Actor,
    *,
    courier_name: Optional[str] = "",
    tracking_reference: Optional[str] = "",
    note: Optional[str] = "",
    now: Optional[datetime] = None,
) -> LocalDelivery:
    """Move a delivery to PREPARING, OUT_FOR_DELIVERY, FAILED_ATTEMPT,
    RETURNED_TO_STORE or CANCELLED.

    Going out needs a courier's name or a tracking reference and counts an attempt.
    Coming back to the store, or being cancelled, cancels the Saleor order, which
    releases the stock allocated at the store. Delivering needs the shopper's code
    (`local_delivery.handover.local_delivery_deliver`).
    """
    if to_status == LocalDeliveryStatus.DELIVERED:
        raise InvalidInput(
            "Delivering needs the shopper's code: use localDeliveryDeliver.",
            field="status",
            code="CODE_REQUIRED",
        )
    note = text_clean(note, limit=NOTE_MAX_LENGTH, name="note")
    courier_name = text_clean(courier_name, limit=NAME_MAX_LENGTH, name="courierName")
    tracking_reference = text_clean(
        tracking_reference, limit=TRACKING_MAX_LENGTH, name="trackingReference"
    )
    now = now or timezone.now()
    with transaction.atomic():
        locked = local_delivery_lock(
            delivery.pk, for_order_action=to_status in ORDER_ACTIONS
        )
        rules.check_transition(locked.status, to_status, actor=actor.kind)
        change = Change(note=note)
        if to_status == LocalDeliveryStatus.OUT_FOR_DELIVERY:
            change.fields = _departure(locked, courier_name, tracking_reference)
        change_apply(locked, to_status, actor, change, now)
        if to_status in ORDER_ACTIONS:
            _order_cancel(locked.order, actor)
    return locked


def order_local_delivery_cancelled(*, order: Order) -> None:
    """Follow Saleor cancelling a local delivery order (orderCancel, or our own)."""
    with transaction.atomic():
        locked = local_delivery_locked(order=order)
        if locked is None or locked.status in rules.FINAL_STATUSES:
            return
        note = "The order was cancelled."
        if locked.status in (
            LocalDeliveryStatus.OUT_FOR_DELIVERY,
            LocalDeliveryStatus.FAILED_ATTEMPT,
        ):
            note += " It is with a courier: bring it back to the store."
        change_apply(
            locked,
            LocalDeliveryStatus.CANCELLED,
            Actor.system(),
            Change(note=note),
            timezone.now(),
        )


def audit_record(
    delivery: LocalDelivery, kind: str, actor: Actor, now: datetime, *, note: str
) -> None:
    """Add an audit entry that is not a change of status."""
    LocalDeliveryTransition.objects.create(
        delivery=delivery,
        kind=kind,
        from_status=delivery.status,
        to_status=delivery.status,
        created_at=now,
        note=note,
        **actor.audit_fields(),
    )
