"""The handover at the counter: collect with the code, unlock, alternate collector."""

from datetime import datetime
from typing import Optional

from django.db import transaction
from django.utils import timezone
from saleor.account.models import User
from saleor.order.models import Order

from saleor_o2o.core import handover as codes_policy
from saleor_o2o.core.errors import InvalidInput, NotFound, O2OError
from saleor_o2o.core.orders import order_fulfil
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
        check = codes_policy.code_attempt(
            locked, code, prefix=lifecycle.QR_PREFIX, now=now, noun="pickup"
        )
        if check.matched:
            change = Change(
                note=note,
                collected_by=collected_by,
                fields={"collected_at": now, **codes_policy.CODE_RESET},
            )
            change_apply(locked, PickupStatus.COLLECTED, actor, change, now)
            order_fulfil(
                locked.order,
                warehouse_id=locked.store.warehouse_id,
                user=actor.user,
                store_name=locked.store.name,
            )
    if not check.matched:
        raise codes_policy.code_refusal(check, noun="pickup")
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
        codes_policy.code_unlock(locked, now=now, noun="pickup")
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
