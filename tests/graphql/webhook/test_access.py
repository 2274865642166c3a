"""Apps reach only their own webhooks' O2O subscriptions and deliveries; no secrets.

Two apps, each with a webhook subscribed to pickup_ready and one dead delivery;
each asks about the other's, and staff ask about both.
"""

import json

import pytest
from django.contrib.auth.models import Permission
from django.db import transaction
from saleor.app.models import App
from saleor.webhook.models import Webhook

from saleor_o2o.core import settings as conf
from saleor_o2o.graphql.api import schema
from saleor_o2o.webhook.events import O2OEventType, events_record
from saleor_o2o.webhook.models import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookSubscription,
)

from helpers.api import assert_permission_denied, content, event_permissions, gid
from helpers.api import payload as field_of

READY = O2OEventType.PICKUP_READY

DELIVERIES = """
query Deliveries($webhookId: ID) {
  o2oWebhookDeliveries(first: 20, webhookId: $webhookId) {
    edges { node {
      id eventType status payload
      subscriber { id name targetUrl isActive appId appName }
      attemptRecords { responseStatusCode error }
    } }
  }
}
"""

DEPRECATED_WEBHOOK = """
{ o2oWebhookDeliveries(first: 20) { edges { node { id webhook { id secretKey } } } } }
"""

RETRY = """
mutation Retry($id: ID!) {
  o2oWebhookDeliveryRetry(id: $id) {
    delivery { id status }
    o2oWebhookErrors { field code message }
  }
}
"""

EVENTS_UPDATE = """
mutation Subscribe($id: ID!, $events: [O2OWebhookEventTypeEnum!]!) {
  o2oWebhookEventsUpdate(webhookId: $id, events: $events) {
    events
    o2oWebhookErrors { field code message }
  }
}
"""

WEBHOOK_EVENTS = """
query Events($id: ID!) { webhook(id: $id) { id o2oEvents } }
"""


def _perm(app_label, codename):
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


class Shop:
    """Two apps with a webhook each and one dead delivery each."""

    def __init__(self, receiver):
        self.apps, self.webhooks, self.deliveries = {}, {}, {}
        for name in ("notifier", "erp"):
            app = App.objects.create(name=name.upper(), is_active=True)
            app.permissions.add(
                _perm("webhook", "manage_webhooks"), *event_permissions(READY)
            )
            webhook = Webhook.objects.create(
                app=app,
                name=f"{name} hook",
                target_url=receiver.url.replace("http://", f"http://{name}:pw-{name}@"),
                secret_key=f"secret-of-{name}",
            )
            WebhookSubscription.objects.create(webhook=webhook, event_type=READY)
            self.apps[name], self.webhooks[name] = app, webhook
        with transaction.atomic():  # The test's transaction: no kick, no send.
            events_record(type=READY, payloads=[{"id": "x", "code": "K7P2QX"}])
        for name, webhook in self.webhooks.items():
            delivery = WebhookDelivery.objects.get(webhook=webhook)
            delivery.status = DeliveryStatus.DEAD
            delivery.attempts = 1
            delivery.save()
            self.deliveries[name] = delivery

    def client(self, api_client, name):
        """An API client authenticated as one of the apps."""
        return type(api_client)(app=self.apps[name])


@pytest.fixture
def shop(webhook_receiver, site_settings, configure_o2o):
    configure_o2o(
        active=True, **{conf.GEOCODER_PROVIDER: "none", conf.WEBHOOK_MAX_ATTEMPTS: "1"}
    )
    return Shop(webhook_receiver)


@pytest.fixture
def staff(staff_api_client, staff_user):
    staff_user.user_permissions.add(_perm("webhook", "manage_webhooks"))
    return staff_api_client


def _nodes(response):
    return [edge["node"] for edge in content(response)["o2oWebhookDeliveries"]["edges"]]


def test_an_app_lists_only_its_own_webhooks_deliveries(shop, api_client):
    notifier = shop.client(api_client, "notifier")

    [node] = _nodes(notifier.post_graphql(DELIVERIES))

    assert node["id"] == gid("O2OWebhookDelivery", shop.deliveries["notifier"].pk)
    assert node["subscriber"]["appName"] == "NOTIFIER"
    other_webhook = gid("Webhook", shop.webhooks["erp"].pk)
    assert _nodes(notifier.post_graphql(DELIVERIES, {"webhookId": other_webhook})) == []


def test_staff_list_every_delivery_and_no_secret(shop, staff, webhook_receiver):
    response = staff.post_graphql(DELIVERIES)

    nodes = {node["subscriber"]["appName"]: node for node in _nodes(response)}
    assert set(nodes) == {"NOTIFIER", "ERP"}
    webhook, app = shop.webhooks["erp"], shop.apps["erp"]
    assert nodes["ERP"]["subscriber"] == {
        "id": gid("Webhook", webhook.pk),
        "name": "erp hook",
        "targetUrl": webhook_receiver.url,  # Without "erp:pw-erp@".
        "isActive": True,
        "appId": gid("App", app.pk),
        "appName": "ERP",
    }
    text = response.content.decode()
    assert (
        "secret-of" not in text and "pw-erp" not in text and "pw-notifier" not in text
    )


def test_the_deprecated_webhook_field_answers_only_the_owning_app(
    shop, staff, api_client
):
    staff_nodes = _nodes(staff.post_graphql(DEPRECATED_WEBHOOK))
    assert len(staff_nodes) == 2
    assert all(node["webhook"] is None for node in staff_nodes)

    [own] = _nodes(shop.client(api_client, "erp").post_graphql(DEPRECATED_WEBHOOK))
    assert own["webhook"] == {
        "id": gid("Webhook", shop.webhooks["erp"].pk),
        "secretKey": "secret-of-erp",  # Its own, as Saleor's webhook(id) shows it.
    }


def test_the_webhook_field_is_deprecated_and_no_o2o_type_holds_a_secret():
    delivery = schema.get_type("O2OWebhookDelivery").fields
    assert delivery["webhook"].deprecation_reason
    assert "subscriber" in delivery["webhook"].deprecation_reason
    for name, graphql_type in schema.get_type_map().items():
        if name.startswith("O2O") and hasattr(graphql_type, "fields"):
            assert not [f for f in graphql_type.fields if "secret" in f.lower()], name


def test_an_app_cannot_retry_another_apps_delivery(shop, api_client):
    notifier = shop.client(api_client, "notifier")
    erp_delivery = gid("O2OWebhookDelivery", shop.deliveries["erp"].pk)

    data = field_of(
        notifier.post_graphql(RETRY, {"id": erp_delivery}), "o2oWebhookDeliveryRetry"
    )

    [error] = data["o2oWebhookErrors"]
    assert (error["field"], error["code"]) == ("id", "NOT_FOUND")
    assert data["delivery"] is None
    shop.deliveries["erp"].refresh_from_db()
    assert shop.deliveries["erp"].status == DeliveryStatus.DEAD

    own = gid("O2OWebhookDelivery", shop.deliveries["notifier"].pk)
    data = field_of(
        notifier.post_graphql(RETRY, {"id": own}), "o2oWebhookDeliveryRetry"
    )
    assert data["o2oWebhookErrors"] == []


def test_staff_retry_any_delivery(shop, staff):
    erp_delivery = gid("O2OWebhookDelivery", shop.deliveries["erp"].pk)

    data = field_of(
        staff.post_graphql(RETRY, {"id": erp_delivery}), "o2oWebhookDeliveryRetry"
    )

    assert data["o2oWebhookErrors"] == []


def test_an_app_cannot_change_another_apps_subscriptions(shop, api_client):
    notifier = shop.client(api_client, "notifier")
    erp_webhook = gid("Webhook", shop.webhooks["erp"].pk)

    data = field_of(
        notifier.post_graphql(EVENTS_UPDATE, {"id": erp_webhook, "events": []}),
        "o2oWebhookEventsUpdate",
    )

    [error] = data["o2oWebhookErrors"]
    assert (error["field"], error["code"]) == ("webhookId", "NOT_FOUND")
    assert list(
        shop.webhooks["erp"].o2o_subscriptions.values_list("event_type", flat=True)
    ) == [READY]

    own = gid("Webhook", shop.webhooks["notifier"].pk)
    data = field_of(
        notifier.post_graphql(EVENTS_UPDATE, {"id": own, "events": []}),
        "o2oWebhookEventsUpdate",
    )
    assert data["o2oWebhookErrors"] == [] and data["events"] == []


def test_o2o_events_are_shown_to_the_owning_app_and_staff_only(
    shop, api_client, staff, staff_api_client, staff_user
):
    own = gid("Webhook", shop.webhooks["notifier"].pk)
    other = gid("Webhook", shop.webhooks["erp"].pk)
    notifier = shop.client(api_client, "notifier")

    answer = content(notifier.post_graphql(WEBHOOK_EVENTS, {"id": own}))
    assert answer["webhook"]["o2oEvents"] == ["PICKUP_READY"]
    # Saleor answers null for another app's webhook.
    assert (
        content(notifier.post_graphql(WEBHOOK_EVENTS, {"id": other}))["webhook"] is None
    )
    answer = content(staff.post_graphql(WEBHOOK_EVENTS, {"id": other}))
    assert answer["webhook"]["o2oEvents"] == ["PICKUP_READY"]

    # Staff who manage apps reach webhooks through Saleor's App.webhooks.
    staff_user.user_permissions.remove(_perm("webhook", "manage_webhooks"))
    response = staff_api_client.post_graphql(
        "{ apps(first: 10) { edges { node { webhooks { id o2oEvents } } } } }",
        permissions=[_perm("app", "manage_apps")],
    )
    assert_permission_denied(response)
    assert "PICKUP_READY" not in response.content.decode()


def test_a_payload_is_shown_only_to_holders_of_the_events_permission(
    shop, staff, staff_user, api_client
):
    def payloads(client):
        return [node["payload"] for node in _nodes(client.post_graphql(DELIVERIES))]

    assert payloads(staff) == [None, None]  # MANAGE_WEBHOOKS alone.
    staff_user.user_permissions.add(_perm("order", "manage_orders"))
    shown = payloads(staff)
    assert [json.loads(body)[0]["code"] for body in shown] == ["K7P2QX"] * 2

    notifier = shop.apps["notifier"]
    assert payloads(shop.client(api_client, "notifier")) != [None]
    notifier.permissions.remove(_perm("order", "manage_orders"))
    assert payloads(shop.client(api_client, "notifier")) == [None]


def test_an_app_subscribes_its_own_webhook_to_events_its_permissions_allow(
    shop, api_client
):
    notifier = shop.client(api_client, "notifier")
    own = gid("Webhook", shop.webhooks["notifier"].pk)

    data = field_of(
        notifier.post_graphql(
            EVENTS_UPDATE, {"id": own, "events": ["PICKUP_READY", "STORE_STOCK_LOW"]}
        ),
        "o2oWebhookEventsUpdate",
    )

    [error] = data["o2oWebhookErrors"]
    assert (error["field"], error["code"]) == ("events", "OUT_OF_SCOPE_PERMISSION")
    assert "MANAGE_PRODUCTS" in error["message"]
    shop.apps["notifier"].permissions.add(_perm("product", "manage_products"))
    data = field_of(
        notifier.post_graphql(
            EVENTS_UPDATE, {"id": own, "events": ["PICKUP_READY", "STORE_STOCK_LOW"]}
        ),
        "o2oWebhookEventsUpdate",
    )
    assert data["o2oWebhookErrors"] == []
    assert data["events"] == ["PICKUP_READY", "STORE_STOCK_LOW"]


def test_subscribing_a_private_target_is_a_typed_error(shop, api_client, settings):
    settings.O2O_WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    notifier = shop.client(api_client, "notifier")
    own = gid("Webhook", shop.webhooks["notifier"].pk)

    data = field_of(
        notifier.post_graphql(EVENTS_UPDATE, {"id": own, "events": ["PICKUP_READY"]}),
        "o2oWebhookEventsUpdate",
    )

    [error] = data["o2oWebhookErrors"]
    assert (error["field"], error["code"]) == ("webhookId", "PRIVATE_TARGET")
    assert "127.0.0.1" in error["message"] and "pw-notifier" not in error["message"]


def test_shoppers_and_anonymous_callers_reach_no_delivery(
    shop, api_client, user_api_client
):
    for client in (api_client, user_api_client):
        assert_permission_denied(client.post_graphql(DELIVERIES))
        assert_permission_denied(
            client.post_graphql(
                RETRY, {"id": gid("O2OWebhookDelivery", shop.deliveries["erp"].pk)}
            )
        )


def test_an_apps_delivery_list_does_not_query_per_row(shop, api_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    notifier = shop.client(api_client, "notifier")

    def queries(expected_rows):
        notifier.post_graphql(DELIVERIES)  # Warm: the plugin's settings.
        with CaptureQueriesContext(connection) as captured:
            assert len(_nodes(notifier.post_graphql(DELIVERIES))) == expected_rows
        return len(captured)

    one = queries(1)
    with transaction.atomic():
        events_record(type=READY, payloads=[{"id": str(n)} for n in range(5)])
    assert queries(6) == one
