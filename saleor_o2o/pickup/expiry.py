"""Pickups not collected in time: reminders and expiry."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import List, Optional

from django.db import transaction
from django.utils import timezone
from saleor.order.actions import cancel_order

from saleor_o2o.core.settings import O2OSettings, get_o2o_settings
from saleor_o2o.pickup.emails import pickup_email_record
from saleor_o2o.pickup.models import Pickup, PickupStatus
from saleor_o2o.pickup.payloads import pickup_payload
from saleor_o2o.pickup.services import (
    Actor,
    Change,
    change_apply,
    pickup_lock_for_order_action,
    pickup_locked,
)
from saleor_o2o.webhook.events import O2OEventType, events_record


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
                locked = pickup_locked(pk=pickup_id, skip_locked=True)
                if locked is None or locked.status != PickupStatus.READY:
                    continue
                if not policy.needs_reminder(locked.ready_at, locked.reminded_at, now):
                    continue
                locked.reminded_at = now
                locked.save(update_fields=["reminded_at"])
                payload = pickup_payload(locked)
                payload["expires_at"] = policy.expires_at(locked.ready_at).isoformat()
                events_record(
                    type=O2OEventType.PICKUP_EXPIRY_REMINDER,
                    payloads=[payload],
                    store_id=locked.store_id,
                )
                pickup_email_record(pickup=locked, kind="expiry_reminder")
                run.reminded.append(locked.pk)

    overdue = ready.filter(ready_at__lte=now - policy.hold).order_by("ready_at")
    for pickup_id in list(overdue.values_list("pk", flat=True)):
        with transaction.atomic():
            locked = pickup_lock_for_order_action(pickup_id, skip_locked=True)
            if locked is None or locked.status != PickupStatus.READY:
                continue
            if not policy.is_expired(locked.ready_at, now):
                continue
            hours = f"{settings.pickup_hold_hours:g}"
            change_apply(
                locked,
                PickupStatus.EXPIRED,
                Actor.system(),
                Change(note=f"Not collected within {hours} hours of being ready."),
                now,
            )
            cancel_order(locked.order, None)
            run.expired.append(locked.pk)
    return run
