"""Moving pickups through their lifecycle: staff, apps, shoppers and the system.

Every change locks the pickup row, asks `domain.lifecycle` whether it is allowed,
writes the new status with an audit record (`PickupTransition`) and records the O2O
event in the same transaction. After commit, Saleor's own ``order_updated`` fires so
its existing webhook subscribers hear of it, and the shopper gets an e-mail where
one is due.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Optional

from django.db import transaction
from django.utils import timezone
from saleor.account.models import User
from saleor.app.models import App
from saleor.core.exceptions import InsufficientStock
from saleor.order.actions import cancel_order, create_fulfillments
from saleor.order.models import Order
from saleor.plugins.manager import get_plugins_manager
from saleor.warehouse.models import Allocation, Stock

from saleor_o2o.conf import O2OSettings, get_o2o_settings
from saleor_o2o.core.db import rows_lock
from saleor_o2o.domain import lifecycle
from saleor_o2o.emails import pickup_email_record
from saleor_o2o.errors import InvalidInput, NotFound, O2OError
from saleor_o2o.events import O2OEventType, events_record, global_id
from saleor_o2o.models import (
    Pickup,
    PickupActor,
    PickupAuditKind,
    PickupStatus,
    PickupTransition,
)

logger = logging.getLogger(__name__)

#: Limits of what shoppers and staff may write into the audit trail.
NOTE_MAX_LENGTH = 500
NAME_MAX_LENGTH = 120
#: Moves made through Saleor's own order actions (fulfilment, cancellation), which
#: call the plugins' ``order_updated`` themselves.
SALEOR_NOTIFIES = frozenset(
    {PickupStatus.COLLECTED, PickupStatus.EXPIRED, PickupStatus.CANCELLED}
)


@dataclass(frozen=True)
class Actor:
    """Who is moving a pickup along."""

    kind: str
    user: Optional[User] = None
    app: Optional[App] = None

    @classmethod
    def of(cls, requestor: Any) -> "Actor":
        """Return the actor for a Saleor requestor (a staff user or an app)."""
        if isinstance(requestor, App):
            return cls(PickupActor.APP, app=requestor)
        return cls(PickupActor.STAFF, user=requestor)

    @classmethod
    def shopper(cls, user: Optional[User] = None) -> "Actor":
        return cls(PickupActor.SHOPPER, user=user if user and user.pk else None)

    @classmethod
    def system(cls) -> "Actor":
        return cls(PickupActor.SYSTEM)


@dataclass
class _Change:
    """What a transition does besides setting the status."""

    note: str = ""
    collected_by: str = ""
    fields: Dict[str, Any] = field(default_factory=dict)


def _clean_text(value: Optional[str], *, limit: int, name: str) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        raise InvalidInput(f"Keep {name} to {limit} characters.", field=name)
    return text


def pickup_payload(pickup: Pickup, transition: Optional[PickupTransition] = None):
    """Return a pickup's webhook payload, in Saleor's style (global IDs).

    It holds what an app with MANAGE_ORDERS (which pickup events require) needs to
    act or to notify the shopper. Never the order's token: whoever holds it opens
    the order as its shopper (orderByToken, pickupCheckIn); apps look orders up by
    ID. The handover code only while the pickup is READY (pickup_ready and
    pickup_expiry_reminder), the events that tell the shopper to come and collect.
    """
    order, store = pickup.order, pickup.store
    payload: Dict[str, Any] = {
        "type": "Pickup",
        "id": global_id("Pickup", pickup.pk),
        "status": pickup.status.upper(),
        "is_curbside": pickup.is_curbside,
        "slot_start": pickup.slot_start.isoformat() if pickup.slot_start else None,
        "ready_at": pickup.ready_at.isoformat() if pickup.ready_at else None,
        "arrival": {"bay": pickup.arrival_bay, "vehicle": pickup.arrival_vehicle},
        "order": {
            "id": global_id("Order", order.pk),
            "number": str(order.pk),
            "user_email": order.get_customer_email(),
        },
        "store": {
            "id": global_id("Store", store.pk),
            "name": store.name,
            "slug": store.slug,
            "warehouse_id": global_id("Warehouse", store.warehouse_id),
        },
    }
    if transition is not None:
        payload["transition"] = {
            "from": transition.from_status.upper(),
            "to": transition.to_status.upper(),
            "actor_type": transition.actor_type.upper(),
            "user_id": (
                global_id("User", transition.user_id) if transition.user_id else None
            ),
            "app_id": (
                global_id("App", transition.app_id) if transition.app_id else None
            ),
            "note": transition.note,
            "collected_by": transition.collected_by,
        }
    if pickup.status == PickupStatus.READY:
        payload["code"] = pickup.code
    return payload


def _locked(*, skip_locked: bool = False, **lookup) -> Optional[Pickup]:
    """Return the pickup matching ``lookup``, locked for this transaction, or None."""
    return (
        Pickup.objects.select_for_update(of=("self",), skip_locked=skip_locked)
        .select_related("order", "store")
        .filter(**lookup)
        .first()
    )


def _lock(pickup_id: int, *, for_order_action: bool = False) -> Pickup:
    locked = (
        _locked_for_order_action(pickup_id)
        if for_order_action
        else _locked(pk=pickup_id)
    )
    if locked is None:
        raise NotFound("No such pickup.", field="id")
    return locked


def _locked_for_order_action(
    pickup_id: int, *, skip_locked: bool = False
) -> Optional[Pickup]:
    """Lock what Saleor's order actions lock, in their order, then the pickup.

    Saleor cancels and fulfils by locking the order's allocations, then stock rows,
    then writing the order, and calls the plugins (which lock the pickup) last. A
    move that calls those actions takes the same locks in the same order first, so a
    clerk and Saleor's dashboard acting on one order wait for each other instead of
    deadlocking (docs/design/click-and-collect.md).
    """
    row = (
        Pickup.objects.filter(pk=pickup_id)
        .values("order_id", "store__warehouse_id")
        .first()
    )
    if row is None:
        return None
    allocations = Allocation.objects.filter(order_line__order_id=row["order_id"])
    rows_lock(
        Allocation._meta.db_table,
        sorted(allocations.values_list("pk", flat=True)),
    )
    stock_ids = set(allocations.values_list("stock_id", flat=True)) | set(
        Stock.objects.filter(
            warehouse_id=row["store__warehouse_id"],
            product_variant__order_lines__order_id=row["order_id"],
        ).values_list("pk", flat=True)
    )
    rows_lock(Stock._meta.db_table, sorted(stock_ids))
    rows_lock(Order._meta.db_table, [row["order_id"]], mode="NO KEY UPDATE")
    return _locked(pk=pickup_id, skip_locked=skip_locked)


def _apply(
    pickup: Pickup, target: str, actor: Actor, change: _Change, now: datetime
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
        actor_type=actor.kind,
        user=actor.user,
        app=actor.app,
        note=change.note,
        collected_by=change.collected_by,
    )
    events_record(
        type=O2OEventType.FOR_STATUS[target],
        payloads=[pickup_payload(pickup, transition)],
    )
    if target not in SALEOR_NOTIFIES:
        order_id = pickup.order_id
        transaction.on_commit(lambda: _order_updated(order_id))
    if target in (PickupStatus.READY, PickupStatus.EXPIRED):
        pickup_email_record(pickup=pickup, kind=target)
    return transition


def _order_updated(order_id: int) -> None:
    """Tell Saleor's plugins (its webhooks among them) that the order changed."""
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        return
    try:
        get_plugins_manager().order_updated(order)
    except Exception:  # The change is committed; a plugin's failure must not undo it.
        logger.exception("Saleor's order_updated failed for order %s", order_id)


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
    note = _clean_text(note, limit=NOTE_MAX_LENGTH, name="note")
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(pickup.pk, for_order_action=status == PickupStatus.CANCELLED)
        change = _Change(note=note)
        if status == PickupStatus.READY:
            change.fields = {"ready_at": now, "reminded_at": None}
        elif status == PickupStatus.CUSTOMER_ARRIVED:
            change.fields = {"arrived_at": now}
        _apply(locked, status, actor, change, now)
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
    bay = _clean_text(bay, limit=32, name="bay")
    vehicle = _clean_text(vehicle, limit=NAME_MAX_LENGTH, name="vehicle")
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(order=order)
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
        change = _Change(
            note=note,
            fields={"arrived_at": now, "arrival_bay": bay, "arrival_vehicle": vehicle},
        )
        _apply(locked, PickupStatus.CUSTOMER_ARRIVED, Actor.shopper(user), change, now)
    return locked


def _fulfil(pickup: Pickup, actor: Actor) -> None:
    """Fulfil the whole order from the store through Saleor's own fulfilment."""
    order = pickup.order
    lines = [
        {"order_line": line, "quantity": line.quantity_unfulfilled}
        for line in order.lines.select_related("variant").order_by("pk")
        if line.quantity_unfulfilled > 0
    ]
    if not lines:
        return
    try:
        create_fulfillments(
            actor.user,
            order,
            {pickup.store.warehouse_id: lines},
            notify_customer=False,
        )
    except InsufficientStock as error:
        raise O2OError(
            f"{pickup.store.name} no longer holds the order's stock ({error}); "
            "check the store's stock before handing it over.",
            field="id",
            code="INSUFFICIENT_STOCK",
        )


def pickup_collect(
    *,
    pickup: Pickup,
    code: str,
    actor: Actor,
    collected_by: Optional[str] = None,
    note: Optional[str] = None,
    now: Optional[datetime] = None,
) -> Pickup:
    """Hand over a pickup: check its code, mark it COLLECTED, fulfil the order.

    A wrong code counts towards the lock-out and is committed as such before the
    error is raised.
    """
    collected_by = _clean_text(collected_by, limit=NAME_MAX_LENGTH, name="collectedBy")
    note = _clean_text(note, limit=NOTE_MAX_LENGTH, name="note")
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(pickup.pk, for_order_action=True)
        lifecycle.check_transition(
            locked.status, PickupStatus.COLLECTED, actor=actor.kind
        )
        lifecycle.check_collector(
            collected_by, authorised=locked.alternate_collector, field="collectedBy"
        )
        check = lifecycle.check_code(
            code,
            locked.code,
            failed_attempts=locked.failed_code_attempts,
            locked_until=locked.code_locked_until,
            now=now,
        )
        if not check.matched:
            locked.failed_code_attempts = check.failed_attempts
            locked.code_locked_until = check.locked_until
            locked.save(update_fields=["failed_code_attempts", "code_locked_until"])
        else:
            change = _Change(
                note=note,
                collected_by=collected_by,
                fields={
                    "collected_at": now,
                    "failed_code_attempts": 0,
                    "code_locked_until": None,
                },
            )
            _apply(locked, PickupStatus.COLLECTED, actor, change, now)
            _fulfil(locked, actor)
    if not check.matched:
        if check.locked_until is not None:
            raise lifecycle.CodeLocked(
                "Wrong code; after too many wrong codes this pickup accepts codes "
                f"again at {check.locked_until:%H:%M} UTC.",
                field="code",
            )
        left = lifecycle.MAX_CODE_ATTEMPTS - check.failed_attempts
        raise lifecycle.WrongCode(
            f"This is not the pickup's code ({left} more tries before a lock-out).",
            field="code",
        )
    return locked


def order_pickup_cancelled(*, order: Order) -> None:
    """Follow Saleor cancelling a pickup order (orderCancel, or our own cancel)."""
    with transaction.atomic():
        locked = _locked(order=order)
        if locked is not None and locked.status not in lifecycle.FINAL_STATUSES:
            _apply(
                locked,
                PickupStatus.CANCELLED,
                Actor.system(),
                _Change(note="The order was cancelled."),
                timezone.now(),
            )


@dataclass
class ExpiryRun:
    """What one expiry sweep did."""

    reminded: List[int] = field(default_factory=list)
    expired: List[int] = field(default_factory=list)


def pickups_expire(
    *,
    now: Optional[datetime] = None,
    settings: Optional[O2OSettings] = None,
) -> ExpiryRun:
    """Remind shoppers of ready pickups about to expire, and expire overdue ones.

    Each pickup is handled in its own transaction under a row lock taken with SKIP
    LOCKED, and re-checked once locked: two sweeps at once, or a sweep run twice,
    remind and expire each pickup once.
    """
    now = now or timezone.now()
    settings = settings or get_o2o_settings()
    policy = settings.hold_policy
    run = ExpiryRun()
    ready = Pickup.objects.filter(status=PickupStatus.READY, ready_at__isnull=False)

    if policy.remind_before.total_seconds() > 0:
        due = ready.filter(
            reminded_at__isnull=True,
            ready_at__lte=now - (policy.hold - policy.remind_before),
            ready_at__gt=now - policy.hold,
        )
        for pickup_id in list(due.order_by("ready_at").values_list("pk", flat=True)):
            with transaction.atomic():
                locked = _locked(pk=pickup_id, skip_locked=True)
                if locked is None or locked.status != PickupStatus.READY:
                    continue
                if not policy.needs_reminder(locked.ready_at, locked.reminded_at, now):
                    continue
                locked.reminded_at = now
                locked.save(update_fields=["reminded_at"])
                payload = pickup_payload(locked)
                payload["expires_at"] = policy.expires_at(locked.ready_at).isoformat()
                events_record(
                    type=O2OEventType.PICKUP_EXPIRY_REMINDER, payloads=[payload]
                )
                pickup_email_record(pickup=locked, kind="expiry_reminder")
                run.reminded.append(locked.pk)

    overdue = ready.filter(ready_at__lte=now - policy.hold).order_by("ready_at")
    for pickup_id in list(overdue.values_list("pk", flat=True)):
        with transaction.atomic():
            locked = _locked_for_order_action(pickup_id, skip_locked=True)
            if locked is None or locked.status != PickupStatus.READY:
                continue
            if not policy.is_expired(locked.ready_at, now):
                continue
            hours = f"{settings.pickup_hold_hours:g}"
            _apply(
                locked,
                PickupStatus.EXPIRED,
                Actor.system(),
                _Change(note=f"Not collected within {hours} hours of being ready."),
                now,
            )
            cancel_order(locked.order, None)
            run.expired.append(locked.pk)
    return run


def pickup_code_unlock(
    *, pickup: Pickup, reason: Optional[str], actor: Actor, now=None
) -> Pickup:
    """Release a handover locked after wrong codes, with the reason in the audit.

    The caller checks that the actor manages the pickup's store.
    """
    reason = _clean_text(reason, limit=NOTE_MAX_LENGTH, name="reason")
    if not reason:
        raise InvalidInput(
            "Say why the lock is released (kept in the audit).",
            field="reason",
            code="REQUIRED",
        )
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(pickup.pk)
        if not lifecycle.code_is_locked(locked_until=locked.code_locked_until, now=now):
            raise O2OError(
                "This pickup accepts codes: there is no lock to release.",
                field="id",
                code="NOT_LOCKED",
            )
        locked.failed_code_attempts = 0
        locked.code_locked_until = None
        locked.save(update_fields=["failed_code_attempts", "code_locked_until"])
        _audit(locked, PickupAuditKind.CODE_UNLOCKED, actor, now, note=reason)
    return locked


def pickup_alternate_collector_set(
    *, order: Order, name: Optional[str], user: Optional[User] = None, now=None
) -> Pickup:
    """Name someone who may collect the shopper's pickup (empty: nobody else)."""
    name = _clean_text(name, limit=NAME_MAX_LENGTH, name="name")
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(order=order)
        if locked is None:
            raise NotFound(
                "This order is not collected in a store.", field="orderToken"
            )
        if locked.status in lifecycle.FINAL_STATUSES:
            raise lifecycle.InvalidTransition(
                f"The pickup is {locked.status.upper()}: nobody can collect it now.",
                field="orderToken",
            )
        locked.alternate_collector = name
        locked.save(update_fields=["alternate_collector"])
        _audit(
            locked,
            PickupAuditKind.COLLECTOR_AUTHORISED,
            Actor.shopper(user),
            now,
            note=name or "Nobody but the shopper.",
        )
    return locked


def _audit(pickup: Pickup, kind: str, actor: Actor, now, *, note: str) -> None:
    """Add an audit entry that is not a change of status."""
    PickupTransition.objects.create(
        pickup=pickup,
        kind=kind,
        from_status=pickup.status,
        to_status=pickup.status,
        created_at=now,
        actor_type=actor.kind,
        user=actor.user,
        app=actor.app,
        note=note,
    )
