"""Recording O2O events: inside the change's transaction, for permitted apps only."""

import pytest

from saleor_o2o.webhook.events import O2OEventType, events_record
from saleor_o2o.webhook.models import WebhookDelivery, WebhookSubscription

from helpers.webhooks import webhook_of

READY = O2OEventType.PICKUP_READY


def test_events_are_recorded_only_inside_the_changes_transaction():
    with pytest.raises(RuntimeError):
        events_record(type=READY, payloads=[{"n": 1}])


PERMISSION_OF = {
    "pickup": "order.manage_orders",
    # RSVPs name a shopper (their e-mail): for apps that read customers.
    "store_event_rsvp": "account.manage_users",
    "store": "product.manage_products",
    "offer": "discount.manage_discounts",
    "local": "order.manage_orders",  # local_delivery_*
    "try": "order.manage_orders",  # try_on_*
    "appointment": "order.manage_orders",
}


def test_every_event_needs_the_permission_of_what_it_is_about():
    assert set(O2OEventType.PERMISSIONS) == {v for v, _ in O2OEventType.CHOICES}
    for event_type, permission in O2OEventType.PERMISSIONS.items():
        prefix = max(
            (p for p in PERMISSION_OF if event_type.startswith(p + "_")), key=len
        )
        assert permission.value == PERMISSION_OF[prefix], event_type


def test_events_are_recorded_only_for_apps_holding_their_permission(
    app, o2o_webhook, webhook_receiver, record, more_webhook_receivers
):
    from saleor.app.models import App

    o2o_webhook(READY)  # app holds MANAGE_ORDERS.
    other_receiver = more_webhook_receivers()
    other_app = App.objects.create(name="Marketing", is_active=True)
    other = webhook_of(other_app, other_receiver.url)
    other.secret_key = other_receiver.secret
    other.save()
    # Subscribed (say, while it held MANAGE_ORDERS), without the permission now.
    WebhookSubscription.objects.create(webhook=other, event_type=READY)

    record(READY, {"n": 1})

    assert [d.webhook.app for d in WebhookDelivery.objects.all()] == [app]
    assert len(webhook_receiver.requests) == 1 and other_receiver.requests == []
