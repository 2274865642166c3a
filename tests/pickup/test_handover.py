"""Handing a pickup over: the code, its lock-out, and Saleor's fulfilment."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from saleor.order import OrderStatus
from saleor.warehouse.models import Stock
from saleor.webhook.event_types import WebhookEventType
from saleor.webhook.models import Webhook

from saleor_o2o.pickup import handover
from saleor_o2o.pickup import rules as lifecycle
from saleor_o2o.pickup.models import Pickup, PickupStatus

from helpers.pickups import allocated, move


def test_collect_fulfils_the_order_through_saleor(
    pickup_factory, clerk, variant, app, webhook_receiver, on_commit
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
    pickup = move(pickup_factory(quantity=2), "ready", actor=clerk)
    stock = Stock.objects.get(warehouse=pickup.store.warehouse, product_variant=variant)

    with on_commit():
        handover.pickup_collect(
            pickup=pickup,
            code=" " + pickup.code.lower()[:3] + "-" + pickup.code.lower()[3:],
            actor=clerk,
            collected_by="Sam (partner)",
        )

    pickup.refresh_from_db()
    assert pickup.status == PickupStatus.COLLECTED and pickup.collected_at
    order = pickup.order
    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED
    stock.refresh_from_db()
    assert stock.quantity == 8
    assert allocated(order) == 0
    assert pickup.transitions.last().collected_by == "Sam (partner)"
    # Saleor's own hooks fired: its webhooks got order_fulfilled and order_updated.
    saleor_events = [r["headers"]["X-Saleor-Event"] for r in webhook_receiver.requests]
    assert WebhookEventType.ORDER_FULFILLED in saleor_events
    # Once: Saleor's fulfilment tells its subscribers, the extension adds nothing.
    assert saleor_events.count(WebhookEventType.ORDER_UPDATED) == 1


def test_collect_accepts_the_qr_payload(pickup_factory, clerk):
    pickup = move(pickup_factory(), "ready", actor=clerk)

    handover.pickup_collect(
        pickup=pickup, code=lifecycle.qr_payload(pickup.code), actor=clerk
    )

    assert Pickup.objects.get().status == PickupStatus.COLLECTED


def test_wrong_codes_lock_the_pickup_then_it_accepts_codes_again(pickup_factory, clerk):
    pickup = move(pickup_factory(), "ready", actor=clerk)
    start = timezone.now()

    for attempt in range(1, lifecycle.MAX_CODE_ATTEMPTS):
        with pytest.raises(lifecycle.WrongCode):
            handover.pickup_collect(
                pickup=pickup, code="WRONG1", actor=clerk, now=start
            )
        assert Pickup.objects.get().failed_code_attempts == attempt
    with pytest.raises(lifecycle.CodeLocked):
        handover.pickup_collect(pickup=pickup, code="WRONG1", actor=clerk, now=start)
    # Locked: even the right code is refused, and nothing changes.
    with pytest.raises(lifecycle.CodeLocked):
        handover.pickup_collect(
            pickup=pickup,
            code=pickup.code,
            actor=clerk,
            now=start + timedelta(minutes=1),
        )
    assert Pickup.objects.get().status == PickupStatus.READY

    later = start + lifecycle.LOCKOUT + timedelta(seconds=1)
    handover.pickup_collect(pickup=pickup, code=pickup.code, actor=clerk, now=later)
    collected = Pickup.objects.get()
    assert collected.status == PickupStatus.COLLECTED
    assert collected.failed_code_attempts == 0 and collected.code_locked_until is None


def test_collecting_twice_is_refused(pickup_factory, clerk):
    pickup = move(pickup_factory(), "ready", actor=clerk)
    handover.pickup_collect(pickup=pickup, code=pickup.code, actor=clerk)

    with pytest.raises(lifecycle.InvalidTransition) as refused:
        handover.pickup_collect(pickup=pickup, code=pickup.code, actor=clerk)
    assert "COLLECTED" in str(refused.value)
