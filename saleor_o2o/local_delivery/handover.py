"""The handover at the door: delivered with the shopper's code, and unlocking it.

The code rules are the pickup's (`core.handover`): compared in constant time, a
lock-out after repeated wrong codes, released by a manager of the store.
"""

from datetime import datetime
from typing import Optional

from django.db import transaction
from django.utils import timezone

from saleor_o2o.core import handover as code_policy
from saleor_o2o.core.actors import Actor
from saleor_o2o.core.errors import InvalidInput
from saleor_o2o.core.orders import order_fulfil
from saleor_o2o.core.validation import NOTE_MAX_LENGTH, text_clean
from saleor_o2o.local_delivery import rules
from saleor_o2o.local_delivery.models import LocalDelivery
from saleor_o2o.local_delivery.rules import LocalDeliveryAuditKind, LocalDeliveryStatus
from saleor_o2o.local_delivery.services import (
    Change,
    audit_record,
    change_apply,
    local_delivery_lock,
)

NOUN = "delivery"


def local_delivery_deliver(
    delivery: LocalDelivery,
    code: str,
    actor: Actor,
    *,
    note: Optional[str] = "",
    now: Optional[datetime] = None,
) -> LocalDelivery:
    """Hand a delivery over: check the shopper's code, mark it DELIVERED and fulfil
    the Saleor order from the store's warehouse (Saleor decreases the stock).

    A wrong code counts towards the lock-out and is committed as such before the
    error is raised.
    """
    note = text_clean(note, limit=NOTE_MAX_LENGTH, name="note")
    if not (code or "").strip():
        raise InvalidInput(
            "Give the code the shopper tells the courier.",
            field="code",
            code="CODE_REQUIRED",
        )
    now = now or timezone.now()
    with transaction.atomic():
        locked = local_delivery_lock(delivery.pk, for_order_action=True)
        rules.check_transition(
            locked.status, LocalDeliveryStatus.DELIVERED, actor=actor.kind
        )
        check = code_policy.code_attempt(
            locked, code, prefix=rules.QR_PREFIX, now=now, noun=NOUN
        )
        if check.matched:
            change = Change(
                note=note, fields={"delivered_at": now, **code_policy.CODE_RESET}
            )
            change_apply(locked, LocalDeliveryStatus.DELIVERED, actor, change, now)
            order_fulfil(
                locked.order,
                warehouse_id=locked.store.warehouse_id,
                user=actor.user,
                store_name=locked.store.name,
            )
    if not check.matched:
        raise code_policy.code_refusal(check, noun=NOUN)
    return locked


def local_delivery_code_unlock(
    delivery: LocalDelivery,
    actor: Actor,
    *,
    reason: Optional[str],
    now: Optional[datetime] = None,
) -> LocalDelivery:
    """Release a handover locked after wrong codes, with the reason in the audit.

    The caller checks that the actor manages the delivery's store.
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
        locked = local_delivery_lock(delivery.pk)
        code_policy.code_unlock(locked, now=now, noun=NOUN)
        audit_record(
            locked, LocalDeliveryAuditKind.CODE_UNLOCKED, actor, now, note=reason
        )
    return locked
