"""The handover at the counter: collect with the code, unlock, alternate collector."""

from datetime import datetime
from typing import Optional

from django.db import transaction
from django.utils import timezone
from saleor.account.models import User
from saleor.core.exceptions import InsufficientStock
from saleor.order.actions import create_fulfillments
from saleor.order.models import Order

from saleor_o2o.core.errors import InvalidInput, NotFound, O2OError
from saleor_o2o.pickup import rules as lifecycle
from saleor_o2o.pickup.models import Pickup, PickupAuditKind, PickupStatus
from saleor_o2o.pickup.services import (
    NAME_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    Actor,
    Change,
    audit_record,
    change_apply,
    pickup_lock,
    pickup_locked,
    text_clean,
)


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
    collected_by = text_clean(collected_by, limit=NAME_MAX_LENGTH, name="collectedBy")
    note = text_clean(note, limit=NOTE_MAX_LENGTH, name="note")
    now = now or timezone.now()
    with transaction.atomic():
        locked = pickup_lock(pickup.pk, for_order_action=True)
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
            change = Change(
                note=note,
                collected_by=collected_by,
                fields={
                    "collected_at": now,
                    "failed_code_attempts": 0,
                    "code_locked_until": None,
                },
            )
            change_apply(locked, PickupStatus.COLLECTED, actor, change, now)
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


def pickup_code_unlock(
    *, pickup: Pickup, reason: Optional[str], actor: Actor, now=None
) -> Pickup:
    """Release a handover locked after wrong codes, with the reason in the audit.

    The caller checks that the actor manages the pickup's store.
    """
    reason = text_clean(reason, limit=NOTE_MAX_LENGTH, name="reason")
    if not reason:
        raise InvalidInput(
            "Say why the lock is released (kept in the audit).",
            field="reason",
            code="REQUIRED",
        )
    now = now or timezone.now()
    with transaction.atomic():
        locked = pickup_lock(pickup.pk)
        if not lifecycle.code_is_locked(locked_until=locked.code_locked_until, now=now):
            raise O2OError(
                "This pickup accepts codes: there is no lock to release.",
                field="id",
                code="NOT_LOCKED",
            )
        locked.failed_code_attempts = 0
        locked.code_locked_until = None
        locked.save(update_fields=["failed_code_attempts", "code_locked_until"])
        audit_record(locked, PickupAuditKind.CODE_UNLOCKED, actor, now, note=reason)
    return locked


def pickup_alternate_collector_set(
    *, order: Order, name: Optional[str], user: Optional[User] = None, now=None
) -> Pickup:
    """Name someone who may collect the shopper's pickup (empty: nobody else)."""
    name = text_clean(name, limit=NAME_MAX_LENGTH, name="name")
    now = now or timezone.now()
    with transaction.atomic():
        locked = pickup_locked(order=order)
        if locked is None:
            raise NotFound(
                "This order is not collected in a store.", field="orderToken"
            )
        if locked.status in lifecycle.FINAL_STATUSES:
            raise O2OError(
                f"The pickup is {locked.status.upper()}: nobody can collect it now.",
                field="orderToken",
                code=lifecycle.InvalidTransition.code,
            )
        locked.alternate_collector = name
        locked.save(update_fields=["alternate_collector"])
        audit_record(
            locked,
            PickupAuditKind.COLLECTOR_AUTHORISED,
            Actor.shopper(user),
            now,
            note=name or "Nobody but the shopper.",
        )
    return locked
