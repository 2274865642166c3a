"""Moving pickups through their lifecycle: staff, apps, shoppers and the system.

Every change locks the pickup row, asks `pickup.rules` whether it is allowed,
writes the new status with an audit record (`PickupTransition`) and records the O2O
event in the same transaction. After commit, Saleor's own ``order_updated`` fires so
its existing webhook subscribers hear of it, and the shopper gets an e-mail where
one is due.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, Optional

from django.db import transaction
from django.utils import timezone
from saleor.account.models import User
from saleor.order.actions import cancel_order
from saleor.order.models import Order

from saleor_o2o.core.actors import Actor  # noqa: F401 (re-exported)
from saleor_o2o.core.errors import InvalidInput, NotFound
from saleor_o2o.core.orders import order_action_lock, order_updated_notify
from saleor_o2o.core.validation import (  # noqa: F401 (re-exported)
    NAME_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    text_clean,
)
from saleor_o2o.occupancy.rules import ArrivalSource
from saleor_o2o.occupancy.services import occupancy_arrival
from saleor_o2o.pickup import rules as lifecycle
from saleor_o2o.pickup.emails import pickup_email_record
from saleor_o2o.pickup.models import Pickup, PickupActor, PickupStatus, PickupTransition
from saleor_o2o.pickup.payloads import EVENT_FOR_STATUS, pickup_payload
from saleor_o2o.webhook.events import O2OEventType, events_record

#: Moves made through Saleor's own order actions (fulfilment, cancellation), which
#: call the plugins' ``order_updated`` themselves.
SALEOR_NOTIFIES = frozenset(
    {PickupStatus.COLLECTED, PickupStatus.EXPIRED, PickupStatus.CANCELLED}
)


@dataclass
class Change:
    """What a transition does besides setting the status."""

    note: str = ""
    collected_by: str = ""
    fields: Dict[str, Any] = field(default_factory=dict)


def pickup_locked(*, skip_locked: bool = False, **lookup) -> Optional[Pickup]:
    """Return the pickup matching ``lookup``, locked for this transaction, or None."""
    return (
        Pickup.objects.select_for_update(of=("self",), skip_locked=skip_locked)
        .select_related("order", "store")
        .filter(**lookup)
        .first()
    )


def pickup_lock(pickup_id: int, *, for_order_action: bool = False) -> Pickup:
    locked = (
        pickup_lock_for_order_action(pickup_id)
        if for_order_action
        else pickup_locked(pk=pickup_id)
    )
    if locked is None:
        raise NotFound("No such pickup.", field="id")
    return locked


def pickup_lock_for_order_action(
    pickup_id: int, *, skip_locked: bool = False
) -> Optional[Pickup]:
    """Lock what Saleor's order actions lock, in their order, then the pickup
    (`core.orders.order_action_lock`)."""
    row = (
        Pickup.objects.filter(pk=pickup_id)
        .values("order_id", "store__warehouse_id")
        .first()
    )
    if row is None:
        return None
    order_action_lock(order_id=row["order_id"], warehouse_id=row["store__warehouse_id"])
    return pickup_locked(pk=pickup_id, skip_locked=skip_locked)


def change_apply(
    pickup: Pickup, target: str, actor: Actor, change: Change, now: datetime
) -> PickupTransition:
    """Move a locked pickup to ``target``: status, audit, event, after-commit hooks."""
    lifecycle.check_transition(pickup.status, target, actor=actor.kind)
    previous = pickup.status
    pickup.status = target
    pickup.updated_at = now
    for name, value in change.fields.items():
        setattr(pickup, name, value)
    pickup.save(update_fields=["status", "updated_at", *change.fields])
    transition = PickupTransition.objects.create(
        pickup=pickup,
        from_status=previous,
        to_status=target,
        created_at=now,
        note=change.note,
        collected_by=change.collected_by,
        **actor.audit_fields(),
    )
    events_record(
        type=EVENT_FOR_STATUS[target],
        payloads=[pickup_payload(pickup, transition)],
        store_id=pickup.store_id,
    )
    if target not in SALEOR_NOTIFIES:
        order_id = pickup.order_id
        transaction.on_commit(lambda: order_updated_notify(order_id))
    if target in (PickupStatus.READY, PickupStatus.EXPIRED):
        pickup_email_record(pickup=pickup, kind=target)
    if target == PickupStatus.CUSTOMER_ARRIVED:
        # The shopper's check-in, or staff marking them arrived: they count in the
        # store's occupancy for its dwell time (the occupancy row is locked last).
        occupancy_arrival(
            store_id=pickup.store_id,
            source=(
                ArrivalSource.CURBSIDE if pickup.is_curbside else ArrivalSource.PICKUP
            ),
            at=now,
        )
    return transition


def pickup_created(*, pickup: Pickup) -> None:
    """Record the first entry of a new pickup's audit trail and its event."""
    transition = PickupTransition.objects.create(
        pickup=pickup,
        from_status=PickupStatus.RECEIVED,
        to_status=PickupStatus.RECEIVED,
        created_at=pickup.created_at,
        actor_type=PickupActor.SHOPPER,
        user_id=pickup.order.user_id,
    )
    events_record(
        type=O2OEventType.PICKUP_CREATED,
        payloads=[pickup_payload(pickup, transition)],
        store_id=pickup.store_id,
    )


def pickup_status_update(
    *,
    pickup: Pickup,
    status: str,
    actor: Actor,
    note: Optional[str] = None,
    now: Optional[datetime] = None,
) -> Pickup:
    """Move a pickup to PREPARING, READY, CUSTOMER_ARRIVED or CANCELLED.

    Collecting needs the code (`pickup_collect`); expiry is the system's
    (`pickups_expire`). Cancelling also cancels the Saleor order, releasing its stock.
    """
    if status == PickupStatus.COLLECTED:
        raise InvalidInput(
            "Collecting needs the pickup code: use pickupCollect.",
            field="status",
            code="CODE_REQUIRED",
        )
    note = text_clean(note, limit=NOTE_MAX_LENGTH, name="note")
    now = now or timezone.now()
    with transaction.atomic():
        locked = pickup_lock(
            pickup.pk, for_order_action=status == PickupStatus.CANCELLED
        )
        change = Change(note=note)
        if status == PickupStatus.READY:
            change.fields = {"ready_at": now, "reminded_at": None}
        elif status == PickupStatus.CUSTOMER_ARRIVED:
            change.fields = {"arrived_at": now}
        change_apply(locked, status, actor, change, now)
        if status == PickupStatus.CANCELLED:
            cancel_order(locked.order, actor.user)
    return locked


def pickup_check_in(
    *,
    order: Order,
    bay: Optional[str] = None,
    vehicle: Optional[str] = None,
    user: Optional[User] = None,
    now: Optional[datetime] = None,
) -> Pickup:
    """Record the shopper's "I'm here": CUSTOMER_ARRIVED, with bay and vehicle."""
    bay = text_clean(bay, limit=32, name="bay")
    vehicle = text_clean(vehicle, limit=NAME_MAX_LENGTH, name="vehicle")
    now = now or timezone.now()
    with transaction.atomic():
        locked = pickup_locked(order=order)
        if locked is None:
            raise NotFound(
                "This order is not collected in a store.", field="orderToken"
            )
        if locked.is_curbside and not (bay or vehicle):
            raise InvalidInput(
                "Tell the store where you are: a parking bay or your vehicle.",
                field="bay",
                code="REQUIRED",
            )
        note = ", ".join(
            part for part in (f"bay {bay}" if bay else "", vehicle) if part
        )
        change = Change(
            note=note,
            fields={"arrived_at": now, "arrival_bay": bay, "arrival_vehicle": vehicle},
        )
        change_apply(
            locked, PickupStatus.CUSTOMER_ARRIVED, Actor.shopper(user), change, now
        )
    return locked


def order_pickup_cancelled(*, order: Order) -> None:
    """Follow Saleor cancelling a pickup order (orderCancel, or our own cancel)."""
    with transaction.atomic():
        locked = pickup_locked(order=order)
        if locked is not None and locked.status not in lifecycle.FINAL_STATUSES:
            change_apply(
                locked,
                PickupStatus.CANCELLED,
                Actor.system(),
                Change(note="The order was cancelled."),
                timezone.now(),
            )


def audit_record(pickup: Pickup, kind: str, actor: Actor, now, *, note: str) -> None:
    """Add an audit entry that is not a change of status."""
    PickupTransition.objects.create(
        pickup=pickup,
        kind=kind,
        from_status=pickup.status,
        to_status=pickup.status,
        created_at=now,
        note=note,
        **actor.audit_fields(),
    )
