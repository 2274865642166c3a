"""Subscribing Saleor webhooks to O2O events, and the dead-letter list, over GraphQL."""

import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from freezegun import freeze_time
from saleor.webhook.models import Webhook

from saleor_o2o.core import settings as conf
from saleor_o2o.webhook.events import O2OEventType, events_record
from saleor_o2o.webhook.models import DeliveryStatus, WebhookDelivery

from helpers.api import event_permissions, gid, payload

EVENTS_UPDATE = """
mutation Subscribe($id: ID!, $events: [O2OWebhookEventTypeEnum!]!) {
  o2oWebhookEventsUpdate(webhookId: $id, events: $events) {
    webhook { id o2oEvents }
    events
    o2oWebhookErrors { field code message }
  }
}
"""

DELIVERIES = """
query Dead($status: O2OWebhookDeliveryStatusEnum) {
  o2oWebhookDeliveries(first: 10, status: $status) {
    edges { node {
      id key eventType status attempts nextAttemptAt payload webhook { id }
      attemptRecords { succeeded responseStatusCode durationMs error }
    } }
  }
}
"""

RETRY = """
mutation Retry($id: ID!) {
  o2oWebhookDeliveryRetry(id: $id) {
    delivery { id status attempts }
    o2oWebhookErrors { field code message }
  }
}
"""


@pytest.fixture
def integrator(staff_api_client, permission_manage_webhooks):
    def post(query, variables=None):
        return staff_api_client.post_graphql(
            query, variables or {}, permissions=[permission_manage_webhooks]
        )

    return post


@pytest.fixture
def webhook(app, webhook_receiver):
    """A webhook of an app holding the permissions of every O2O event."""
    app.permissions.add(
        *event_permissions(*(value for value, _ in O2OEventType.CHOICES))
    )
    return Webhook.objects.create(
        app=app, target_url=webhook_receiver.url, secret_key=webhook_receiver.secret
    )


def test_subscribe_a_saleor_webhook_to_o2o_events(integrator, webhook):
    data = payload(
        integrator(
            EVENTS_UPDATE,
            {
                "id": gid("Webhook", webhook.pk),
                "events": ["PICKUP_READY", "STORE_STOCK_LOW"],
            },
        ),
        "o2oWebhookEventsUpdate",
    )

    assert data["o2oWebhookErrors"] == []
    assert data["events"] == ["PICKUP_READY", "STORE_STOCK_LOW"]
    assert data["webhook"]["o2oEvents"] == ["PICKUP_READY", "STORE_STOCK_LOW"]
    assert set(webhook.o2o_subscriptions.values_list("event_type", flat=True)) == {
        "pickup_ready",
        "store_stock_low",
    }

    data = payload(
        integrator(EVENTS_UPDATE, {"id": gid("Webhook", webhook.pk), "events": []}),
        "o2oWebhookEventsUpdate",
    )
    assert data["events"] == [] and not webhook.o2o_subscriptions.exists()


def test_every_o2o_event_is_in_the_enum(integrator, webhook):
    names = [value.upper() for value, _ in O2OEventType.CHOICES]

    data = payload(
        integrator(EVENTS_UPDATE, {"id": gid("Webhook", webhook.pk), "events": names}),
        "o2oWebhookEventsUpdate",
    )

    assert data["events"] == sorted(names)
    assert {
        "PICKUP_CREATED",
        "PICKUP_READY",
        "PICKUP_CUSTOMER_ARRIVED",
        "PICKUP_COLLECTED",
        "PICKUP_EXPIRED",
        "PICKUP_CANCELLED",
        "PICKUP_EXPIRY_REMINDER",
        "STORE_STOCK_LOW",
    } <= set(names)


@pytest.mark.parametrize(
    "webhook_id,code",
    [
        (gid("Webhook", 0), "NOT_FOUND"),
        (gid("Store", 1), "GRAPHQL_ERROR"),
        ("x", "GRAPHQL_ERROR"),
    ],
)
def test_subscribe_typed_errors(integrator, webhook_id, code):
    data = payload(
        integrator(EVENTS_UPDATE, {"id": webhook_id, "events": ["PICKUP_READY"]}),
        "o2oWebhookEventsUpdate",
    )

    [error] = data["o2oWebhookErrors"]
    assert (error["field"], error["code"]) == ("webhookId", code)


def test_subscribe_needs_manage_webhooks(staff_api_client, webhook):
    response = staff_api_client.post_graphql(
        EVENTS_UPDATE, {"id": gid("Webhook", webhook.pk), "events": ["PICKUP_READY"]}
    )

    errors = response.json()["errors"]
    assert errors[0]["extensions"]["exception"]["code"] == "PermissionDenied"
    assert not webhook.o2o_subscriptions.exists()


def test_staff_list_dead_deliveries_and_retry_them(
    integrator,
    o2o_webhook,
    webhook_receiver,
    configure_o2o,
    on_commit,
    site_settings,
    staff_user,
    permission_manage_orders,
):
    # Reading a pickup event's payload takes the event's permission too.
    staff_user.user_permissions.add(permission_manage_orders)
    configure_o2o(
        active=True, **{conf.GEOCODER_PROVIDER: "none", conf.WEBHOOK_MAX_ATTEMPTS: "1"}
    )
    o2o_webhook(O2OEventType.PICKUP_READY)
    webhook_receiver.answer = 500
    with on_commit(), transaction.atomic():
        events_record(type=O2OEventType.PICKUP_READY, payloads=[{"id": "x"}])
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.DEAD

    [edge] = payload(
        integrator(DELIVERIES, {"status": "DEAD"}), "o2oWebhookDeliveries"
    )["edges"]
    node = edge["node"]
    assert node["id"] == gid("O2OWebhookDelivery", delivery.pk)
    assert node["key"] == str(delivery.key)
    assert (node["eventType"], node["status"], node["attempts"]) == (
        "PICKUP_READY",
        "DEAD",
        1,
    )
    assert node["nextAttemptAt"] is None
    assert json.loads(node["payload"])[0]["event_type"] == "pickup_ready"
    assert node["attemptRecords"][0]["responseStatusCode"] == 500
    assert (
        payload(
            integrator(DELIVERIES, {"status": "DELIVERED"}), "o2oWebhookDeliveries"
        )["edges"]
        == []
    )

    webhook_receiver.answer = 200
    with on_commit():
        data = payload(integrator(RETRY, {"id": node["id"]}), "o2oWebhookDeliveryRetry")
    assert data["o2oWebhookErrors"] == []
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert len(webhook_receiver.accepted()) == 1

    [error] = payload(integrator(RETRY, {"id": node["id"]}), "o2oWebhookDeliveryRetry")[
        "o2oWebhookErrors"
    ]
    assert (error["field"], error["code"]) == ("id", "NOT_DEAD")


def test_deliveries_need_manage_webhooks(staff_api_client):
    response = staff_api_client.post_graphql(DELIVERIES, {})
    errors = response.json()["errors"]
    assert errors[0]["extensions"]["exception"]["code"] == "PermissionDenied"
    response = staff_api_client.post_graphql(
        RETRY, {"id": gid("O2OWebhookDelivery", 1)}
    )
    errors = response.json()["errors"]
    assert errors[0]["extensions"]["exception"]["code"] == "PermissionDenied"


def test_pending_deliveries_show_when_they_are_next_tried(
    integrator, o2o_webhook, webhook_receiver, on_commit, site_settings
):
    o2o_webhook(O2OEventType.PICKUP_READY)
    webhook_receiver.answer = 503
    start = timezone.now()
    with freeze_time(start), on_commit(), transaction.atomic():
        events_record(type=O2OEventType.PICKUP_READY, payloads=[{"id": "x"}])

    [edge] = payload(
        integrator(DELIVERIES, {"status": "PENDING"}), "o2oWebhookDeliveries"
    )["edges"]
    assert edge["node"]["nextAttemptAt"] == (start + timedelta(seconds=10)).isoformat()


def test_webhook_lists_and_delivery_lists_do_not_query_per_row(
    integrator, o2o_webhook, webhook_receiver, on_commit, site_settings
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    webhooks_query = "{ webhooks(first: 50) { edges { node { id o2oEvents } } } }"
    deliveries_query = (
        "{ o2oWebhookDeliveries(first: 50) { edges { node { id eventType payload "
        "webhook { id } attemptRecords { responseStatusCode } } } } }"
    )

    def queries(query, name, expected_rows):
        integrator(query)  # Warm: permissions, plugin settings.
        with CaptureQueriesContext(connection) as captured:
            edges = payload(integrator(query), name)["edges"]
        assert len(edges) == expected_rows
        return len(captured)

    def add_subscriber_and_event():
        o2o_webhook(O2OEventType.PICKUP_READY)
        with on_commit(), transaction.atomic():
            events_record(type=O2OEventType.PICKUP_READY, payloads=[{"id": "x"}])

    add_subscriber_and_event()  # 1 webhook, 1 delivery; then 2, 3 and 4 more.
    few = queries(webhooks_query, "webhooks", 1), queries(
        deliveries_query, "o2oWebhookDeliveries", 1
    )
    for _ in range(3):
        add_subscriber_and_event()
    many_webhooks = queries(webhooks_query, "webhooks", 4)
    many_deliveries = queries(deliveries_query, "o2oWebhookDeliveries", 1 + 2 + 3 + 4)

    assert (many_webhooks, many_deliveries) == few
