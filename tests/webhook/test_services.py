"""Subscribing Saleor webhooks to O2O events: permissions, targets; retrying."""

import pytest

from saleor_o2o.webhook import selectors as webhook_selectors
from saleor_o2o.webhook import services as webhook_services
from saleor_o2o.webhook.events import O2OEventType
from saleor_o2o.webhook.models import WebhookDelivery

from helpers.api import event_permissions
from helpers.webhooks import webhook_of

READY = O2OEventType.PICKUP_READY


def test_retrying_a_delivery_that_is_not_dead_is_refused(
    o2o_webhook, webhook_receiver, record
):
    o2o_webhook(READY)
    record(READY, {"n": 1})

    with pytest.raises(webhook_services.InvalidInput) as refused:
        webhook_services.delivery_retry(delivery=WebhookDelivery.objects.get())
    assert refused.value.code == "NOT_DEAD"


def test_subscriptions_are_replaced_and_unknown_events_refused(app, o2o_webhook):
    webhook = o2o_webhook(READY, O2OEventType.STORE_STOCK_LOW)

    assert webhook_services.webhook_subscriptions_set(
        webhook=webhook, event_types=[O2OEventType.PICKUP_EXPIRED, READY]
    ) == ["pickup_expired", "pickup_ready"]
    assert webhook_selectors.webhook_event_types([webhook.pk]) == {
        webhook.pk: ["pickup_expired", "pickup_ready"]
    }
    with pytest.raises(webhook_services.NotFound):
        webhook_services.webhook_subscriptions_set(
            webhook=webhook, event_types=["order_paid"]
        )


@pytest.mark.parametrize("event_type", [value for value, _ in O2OEventType.CHOICES])
def test_subscribing_needs_the_events_permission(app, event_type):
    others = {value for value, _ in O2OEventType.CHOICES} - {event_type}
    needed = event_permissions(event_type)
    app.permissions.add(*set(event_permissions(*others)) - set(needed))
    webhook = webhook_of(app)

    with pytest.raises(webhook_services.O2OError) as refused:
        webhook_services.webhook_subscriptions_set(
            webhook=webhook, event_types=[event_type]
        )
    assert (refused.value.code, refused.value.field) == (
        "OUT_OF_SCOPE_PERMISSION",
        "events",
    )
    assert O2OEventType.PERMISSIONS[event_type].name in refused.value.message
    assert not webhook.o2o_subscriptions.exists()

    app.permissions.set(needed)
    assert webhook_services.webhook_subscriptions_set(
        webhook=webhook, event_types=[event_type]
    ) == [event_type]


def test_an_app_that_lost_a_permission_can_still_unsubscribe(app, o2o_webhook):
    webhook = o2o_webhook(READY)
    app.permissions.clear()

    assert (
        webhook_services.webhook_subscriptions_set(webhook=webhook, event_types=[])
        == []
    )
    assert not webhook.o2o_subscriptions.exists()


# Private targets -----------------------------------------------------------------

PRIVATE_URLS = [
    "http://127.0.0.1:8000/hooks",
    "http://localhost:8000/hooks",
    "http://[::1]:8000/hooks",
    "http://10.0.0.7/hooks",
    "http://192.168.1.1/hooks",
    "http://169.254.169.254/latest/meta-data",
    "http://0.0.0.0:8000/",
    "http://[::ffff:127.0.0.1]:8000/",
    "http://[fe80::1]/",
    "http://2130706433/",  # 127.0.0.1 written as one number.
    "http://0x7f.1/",  # And in hex: the resolver reads it as 127.0.0.1.
    "https://user:pw@127.0.0.1/hooks",
]


@pytest.mark.parametrize("url", PRIVATE_URLS)
def test_subscribing_a_private_target_is_refused(app, settings, url):
    settings.O2O_WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    app.permissions.add(*event_permissions(READY))
    webhook = webhook_of(app, url)

    with pytest.raises(webhook_services.O2OError) as refused:
        webhook_services.webhook_subscriptions_set(webhook=webhook, event_types=[READY])

    assert (refused.value.code, refused.value.field) == ("PRIVATE_TARGET", "webhookId")
    assert not webhook.o2o_subscriptions.exists()


@pytest.mark.parametrize("url", ["https://1.1.1.1/hooks", "http://[2606:4700::1]/"])
def test_public_targets_can_subscribe(app, settings, url):
    settings.O2O_WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    app.permissions.add(*event_permissions(READY))

    webhook = webhook_of(app, url)
    assert webhook_services.webhook_subscriptions_set(
        webhook=webhook, event_types=[READY]
    ) == [READY]


def test_private_targets_can_subscribe_where_the_setting_allows_them(app, settings):
    settings.O2O_WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    app.permissions.add(*event_permissions(READY))

    webhook = webhook_of(app, "http://127.0.0.1:8000/hooks")
    assert webhook_services.webhook_subscriptions_set(
        webhook=webhook, event_types=[READY]
    ) == [READY]


@pytest.mark.parametrize("url", ["ftp://example.com/", "mailto:ops@example.com"])
def test_targets_that_are_not_http_cannot_subscribe(app, url):
    app.permissions.add(*event_permissions(READY))
    webhook = webhook_of(app, url)

    with pytest.raises(webhook_services.InvalidInput) as refused:
        webhook_services.webhook_subscriptions_set(webhook=webhook, event_types=[READY])
    assert refused.value.field == "webhookId"
