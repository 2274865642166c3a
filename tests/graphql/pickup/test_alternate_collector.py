"""pickupAlternateCollectorUpdate: the shopper, by order token, names who collects."""

import json
import uuid

from saleor_o2o.pickup.models import PickupAuditKind, PickupStatus

MUTATION = """
mutation($token: UUID!, $name: String) {
  pickupAlternateCollectorUpdate(orderToken: $token, name: $name) {
    pickup { alternateCollector }
    pickupErrors { field code }
  }
}
"""


def run(client, token, name):
    response = client.post_graphql(MUTATION, {"token": str(token), "name": name})
    assert response.status_code == 200, response.content
    return json.loads(response.content)["data"]["pickupAlternateCollectorUpdate"]


def test_the_order_token_names_a_collector_and_the_audit_keeps_it(
    api_client, o2o_active, pickup_factory
):
    pickup = pickup_factory()

    data = run(api_client, pickup.order.token, "  Jo Martin ")

    assert data == {"pickup": {"alternateCollector": "Jo Martin"}, "pickupErrors": []}
    assert pickup.transitions.filter(
        kind=PickupAuditKind.COLLECTOR_AUTHORISED, note="Jo Martin"
    ).exists()


def test_bad_input_is_a_typed_error(api_client, o2o_active, pickup_factory):
    pickup = pickup_factory()

    assert run(api_client, uuid.uuid4(), "Jo")["pickupErrors"] == [
        {"field": "orderToken", "code": "NOT_FOUND"}
    ]
    assert run(api_client, pickup.order.token, "x" * 500)["pickupErrors"][0][
        "field"
    ] == ("name")
    pickup.status = PickupStatus.COLLECTED
    pickup.save(update_fields=["status"])
    assert run(api_client, pickup.order.token, "Jo")["pickupErrors"] == [
        {"field": "orderToken", "code": "INVALID_TRANSITION"}
    ]
    pickup.refresh_from_db()
    assert pickup.alternate_collector == ""


def test_it_is_off_while_the_plugin_is_inactive(api_client, pickup_factory):
    pickup = pickup_factory()

    assert run(api_client, pickup.order.token, "Jo")["pickupErrors"] == [
        {"field": None, "code": "FEATURE_DISABLED"}
    ]
