"""Delivering with the shopper's code: the pickup's code rules, its lock-out and the
manager's unlock, and Saleor's fulfilment."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from saleor.order import OrderStatus
from saleor.warehouse.models import Stock
from saleor.webhook.event_types import WebhookEventType
from saleor.webhook.models import Webhook

from saleor_o2o.core import handover as code_policy
from saleor_o2o.core.errors import InvalidInput, O2OError
from saleor_o2o.local_delivery import handover
from saleor_o2o.local_delivery import rules as lc
from saleor_o2o.local_delivery.models import LocalDelivery

from helpers.deliveries import move, stock_at


@pytest.fixture
def out(local_delivery_factory, clerk):
    def make(**kwargs):
        return move(
            local_delivery_factory(**kwargs),
            lc.PREPARING,
            lc.OUT_FOR_DELIVERY,
            actor=clerk,
        )

    return make


@pytest.mark.parametrize(
    "typed", ["{code}", "{lower}", " {a}-{b} ", "o2o:delivery:{code}", "{qr_upper}"]
)
def test_the_code_is_accepted_typed_or_scanned(out, clerk, typed):
    delivery = out()
    code = delivery.code
    given = typed.format(
        code=code,
        lower=code.lower(),
        a=code[:3],
        b=code[3:],
        qr_upper=lc.qr_payload(code).upper(),
    )

    handover.local_delivery_deliver(delivery, given, clerk)

    assert LocalDelivery.objects.get().status == lc.DELIVERED


def test_a_pickup_qr_code_is_not_a_delivery_code(out, clerk):
    delivery = out()

    with pytest.raises(code_policy.WrongCode):
        handover.local_delivery_deliver(delivery, f"o2o:pickup:{delivery.code}", clerk)


def test_wrong_codes_lock_the_delivery_then_it_accepts_codes_again(out, clerk):
    delivery = out()
    start = timezone.now()

    for attempt in range(1, code_policy.MAX_CODE_ATTEMPTS):
        with pytest.raises(code_policy.WrongCode) as wrong:
            handover.local_delivery_deliver(delivery, "WRONG1", clerk, now=start)
        assert LocalDelivery.objects.get().failed_code_attempts == attempt
        assert wrong.value.field == "code" and "delivery" in wrong.value.message
    with pytest.raises(code_policy.CodeLocked):
        handover.local_delivery_deliver(delivery, "WRONG1", clerk, now=start)
    # Locked: even the right code is refused, and nothing changes.
    with pytest.raises(code_policy.CodeLocked):
        handover.local_delivery_deliver(
            delivery, delivery.code, clerk, now=start + timedelta(minutes=1)
        )
    assert LocalDelivery.objects.get().status == lc.OUT_FOR_DELIVERY

    later = start + code_policy.LOCKOUT + timedelta(seconds=1)
    handover.local_delivery_deliver(delivery, delivery.code, clerk, now=later)
    delivered = LocalDelivery.objects.get()
    assert delivered.status == lc.DELIVERED
    assert (delivered.failed_code_attempts, delivered.code_locked_until) == (0, None)


def test_an_empty_code_is_required_and_counts_nothing(out, clerk):
    delivery = out()

    with pytest.raises(InvalidInput) as refused:
        handover.local_delivery_deliver(delivery, "  ", clerk)

    assert (refused.value.code, refused.value.field) == ("CODE_REQUIRED", "code")
    assert LocalDelivery.objects.get().failed_code_attempts == 0


def test_a_manager_unlocks_with_a_reason_kept_in_the_audit(out, clerk, staff_user):
    delivery = out()
    with pytest.raises(O2OError) as refused:
        handover.local_delivery_code_unlock(delivery, clerk, reason="Not locked")
    assert refused.value.code == "NOT_LOCKED"
    for _ in range(code_policy.MAX_CODE_ATTEMPTS):
        with pytest.raises(O2OError):
            handover.local_delivery_deliver(delivery, "WRONG1", clerk)
    with pytest.raises(InvalidInput) as no_reason:
        handover.local_delivery_code_unlock(delivery, clerk, reason=" ")
    assert (no_reason.value.code, no_reason.value.field) == ("REQUIRED", "reason")

    handover.local_delivery_code_unlock(
        delivery, clerk, reason="Shopper called the store"
    )

    unlocked = LocalDelivery.objects.get()
    assert (unlocked.failed_code_attempts, unlocked.code_locked_until) == (0, None)
    entry = unlocked.transitions.last()
    assert (entry.kind, entry.note, entry.user) == (
        "code_unlocked",
        "Shopper called the store",
        staff_user,
    )
    assert entry.from_status == entry.to_status == lc.OUT_FOR_DELIVERY
    handover.local_delivery_deliver(delivery, delivery.code, clerk)
    assert LocalDelivery.objects.get().status == lc.DELIVERED


def test_delivering_twice_is_refused(out, clerk):
    delivery = out()
    handover.local_delivery_deliver(delivery, delivery.code, clerk)

    with pytest.raises(lc.InvalidTransition) as refused:
        handover.local_delivery_deliver(delivery, delivery.code, clerk)
    assert "DELIVERED" in str(refused.value)


def test_stock_gone_from_the_store_refuses_the_handover_and_changes_nothing(
    out, clerk, variant
):
    delivery = out(quantity=2)
    Stock.objects.filter(pk=stock_at(delivery.store, variant).pk).update(quantity=1)

    with pytest.raises(O2OError) as refused:
        handover.local_delivery_deliver(delivery, delivery.code, clerk)

    assert refused.value.code == "INSUFFICIENT_STOCK"
    unchanged = LocalDelivery.objects.get()
    assert unchanged.status == lc.OUT_FOR_DELIVERY
    assert unchanged.order.status == OrderStatus.UNFULFILLED
    assert unchanged.emails.count() == 1  # Only the "on its way" one.


def test_delivering_tells_saleors_subscribers_once(
    out, clerk, app, webhook_receiver, on_commit
):
    app.permissions.add(
        Permission.objects.get(
            codename="manage_orders", content_type__app_label="order"
        )
    )
    saleor_hook = Webhook.objects.create(
        app=app, target_url=webhook_receiver.url, secret_key=webhook_receiver.secret
    )
    for event in (WebhookEventType.ORDER_FULFILLED, WebhookEventType.ORDER_UPDATED):
        saleor_hook.events.create(event_type=event)
    delivery = out()

    with on_commit():
        handover.local_delivery_deliver(delivery, delivery.code, clerk)

    saleor_events = [r["headers"]["X-Saleor-Event"] for r in webhook_receiver.requests]
    assert WebhookEventType.ORDER_FULFILLED in saleor_events
    assert saleor_events.count(WebhookEventType.ORDER_UPDATED) == 1
