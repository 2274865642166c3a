"""Bad input to the pickup and webhook API: typed errors, never a server error."""

import json

import pytest

from helpers.api import gid
from helpers.stores import store_input

CASES = [
    # (query, variables, where the typed errors are, or None for top-level errors)
    (
        "mutation($id: ID!) { pickupStatusUpdate(id: $id, status: READY) "
        "{ pickupErrors { field code } } }",
        {"id": ""},
        "pickupStatusUpdate",
    ),
    (
        "mutation($id: ID!) { pickupStatusUpdate(id: $id, status: READY) "
        "{ pickupErrors { field code } } }",
        {"id": "UGlja3VwOg=="},  # "Pickup:" with no pk.
        "pickupStatusUpdate",
    ),
    (
        "mutation($id: ID!) { pickupStatusUpdate(id: $id, status: READY) "
        "{ pickupErrors { field code } } }",
        {"id": gid("Pickup", "abc")},
        "pickupStatusUpdate",
    ),
    (
        "mutation($id: ID!) { pickupStatusUpdate(id: $id, status: READY) "
        "{ pickupErrors { field code } } }",
        {"id": gid("Pickup", 10**20)},
        "pickupStatusUpdate",
    ),
    (
        "mutation($id: ID!, $code: String!, $by: String) "
        "{ pickupCollect(id: $id, code: $code, collectedBy: $by) "
        "{ pickupErrors { field code } } }",
        {"id": "PICKUP", "code": "x" * 10000, "by": "y" * 1000},
        "pickupCollect",
    ),
    (
        "mutation($token: UUID!, $bay: String) { pickupCheckIn(orderToken: $token, "
        "bay: $bay) { pickupErrors { field code } } }",
        {"token": "00000000-0000-0000-0000-000000000000", "bay": "b" * 1000},
        "pickupCheckIn",
    ),
    (
        '{ pickups(first: 10, storeId: "not-an-id") { edges { node { id } } } }',
        {},
        None,
    ),
    (
        '{ pickups(first: 10, storeId: "%s") { edges { node { id } } } }'
        % gid("Store", "x"),
        {},
        None,
    ),
    (
        '{ pickup(id: "%s") { id } }' % gid("Order", 1),
        {},
        None,
    ),
    (
        "mutation($id: ID!) { o2oWebhookEventsUpdate(webhookId: $id, events: []) "
        "{ o2oWebhookErrors { field code } } }",
        {"id": gid("Webhook", "abc")},
        "o2oWebhookEventsUpdate",
    ),
    (
        "mutation($id: ID!) { o2oWebhookDeliveryRetry(id: $id) "
        "{ o2oWebhookErrors { field code } } }",
        {"id": "%%%"},
        "o2oWebhookDeliveryRetry",
    ),
    (
        '{ o2oWebhookDeliveries(first: 5, webhookId: "garbage") '
        "{ edges { node { id } } } }",
        {},
        None,
    ),
]


STORE_CASES = [
    ('{ store(id: "%s") { id } }' % gid("Store", "abc"), {}, None),
    ('{ store(id: "%s") { id } }' % gid("Store", ""), {}, None),
    (
        "{ stores(first: 5, near: {latitude: 48.8, longitude: 2.3}, filter: "
        '{canSupply: {lines: [{variantId: "%s", quantity: 1}]}}) '
        "{ edges { node { id } } } }" % gid("ProductVariant", "x"),
        {},
        None,
    ),
]

OFFER_CASES = [
    (
        "mutation($id: ID!) { offerClaim(offerId: $id) "
        "{ offerErrors { field code } } }",
        {"id": gid("Offer", "abc")},
        "offerClaim",
    ),
    (
        'mutation($id: ID!) { offerClaim(offerId: $id, token: "not-a-token") '
        "{ offerErrors { field code } } }",
        {"id": gid("Offer", 1)},
        "offerClaim",
    ),
    (
        'mutation($s: ID!) { offerRedeem(code: "%s", storeId: $s) '
        "{ offerErrors { field code } } }" % ("Z" * 5000),
        {"s": gid("Store", "abc")},
        "offerRedeem",
    ),
    (
        'mutation($id: ID!) { offerUpdate(id: $id, input: {title: "x"}) '
        "{ offerErrors { field code } } }",
        {"id": "%%%"},
        "offerUpdate",
    ),
    (
        "mutation($id: ID!) { offerDelete(id: $id) { offerErrors { field code } } }",
        {"id": gid("Offer", 10**20)},
        "offerDelete",
    ),
    (
        '{ offerStats(offerId: "zzz") { shown } }',
        {},
        None,
    ),
    (
        "{ offers(near: {latitude: 1000, longitude: 2}) { distanceKm } }",
        {},
        None,
    ),
    (
        "{ offers(near: {latitude: 48.8, longitude: 2.3}, radiusKm: -1) "
        "{ distanceKm } }",
        {},
        None,
    ),
]


@pytest.mark.parametrize(
    "query,variables,payload_name", CASES + STORE_CASES + OFFER_CASES
)
def test_bad_input_is_refused_with_a_typed_error(
    staff_api_client,
    permission_manage_orders,
    permission_manage_webhooks,
    permission_manage_discounts,
    o2o_active,
    query,
    variables,
    payload_name,
):
    response = staff_api_client.post_graphql(
        query,
        variables,
        permissions=[
            permission_manage_orders,
            permission_manage_webhooks,
            permission_manage_discounts,
        ],
    )

    assert response.status_code == 200, response.content
    content = json.loads(response.content)
    if payload_name is None:
        [error] = content["errors"]
        assert error["extensions"]["code"] in (
            "GRAPHQL_ERROR",
            "NOT_FOUND",
            "INVALID",
            "OUT_OF_RANGE",
        ), error
    else:
        assert "errors" not in content, content["errors"]
        errors = next(iter(content["data"][payload_name].values()))
        assert errors and all(e["code"] for e in errors), errors


def test_an_id_beyond_the_databases_integers_is_simply_not_found(
    staff_api_client, permission_manage_orders
):
    response = staff_api_client.post_graphql(
        '{ pickup(id: "%s") { id } }' % gid("Pickup", 10**20),
        permissions=[permission_manage_orders],
    )

    assert response.status_code == 200, response.content
    assert json.loads(response.content) == {"data": {"pickup": None}}


STORE_CREATE = """
mutation($input: StoreCreateInput!) {
  storeCreate(input: $input) { store { id } storeErrors { field code } }
}
"""


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"name": "n" * 10_000}, "name"),
        ({"streetAddress1": "s" * 500}, "address.streetAddress1"),
        ({"city": "c" * 500}, "address.city"),
        ({"postalCode": "7" * 100}, "address.postalCode"),
        ({"slug": "s" * 300}, "slug"),
        ({"email": "e" * 300 + "@example.com"}, "email"),
        ({"timezone": "T" * 100}, "timezone"),
        (
            {"openingHoursExceptions": [{"date": "2026-12-25", "name": "x" * 500}]},
            "openingHoursExceptions.0.name",
        ),
    ],
)
def test_values_too_long_for_the_database_are_typed_errors(
    staff_api_client, permission_manage_products, o2o_active, changes, field
):
    response = staff_api_client.post_graphql(
        STORE_CREATE,
        {"input": store_input(**changes)},
        permissions=[permission_manage_products],
    )

    assert response.status_code == 200, response.content
    data = json.loads(response.content)
    assert "errors" not in data, data["errors"]
    errors = data["data"]["storeCreate"]["storeErrors"]
    assert [(e["field"], e["code"]) for e in errors] in (
        [(field, "INVALID")],
        [(field, "OUT_OF_RANGE")],
        [(field, "INVALID_TIMEZONE")],
    ), errors


@pytest.mark.parametrize("date", ["9999-12-31", "0001-01-01"])
def test_pickup_slots_at_the_ends_of_the_calendar_are_out_of_range(
    api_client, o2o_active, store, date
):
    response = api_client.post_graphql(
        '{ store(slug: "%s") { pickupSlots(date: "%s") { start } } }'
        % (store.slug, date)
    )

    assert response.status_code == 200, response.content
    [error] = json.loads(response.content)["errors"]
    assert error["extensions"]["code"] == "OUT_OF_RANGE"
    assert error["extensions"]["field"] == "date"


@pytest.mark.parametrize(
    "query, variables",
    [
        (
            "mutation($token: UUID!, $bay: String) { pickupCheckIn(orderToken: $token, "
            "bay: $bay) { pickupErrors { field code } } }",
            {"token": "00000000-0000-0000-0000-000000000000", "bay": "\u0000"},
        ),
        ('{ store(slug: "a\\u0000b") { id } }', {}),
        ("query($s: String) { store(slug: $s) { id } }", {"s": "x\x00"}),
        ('{ products(first: 1, filter: {search: "\x00"}) { totalCount } }', {}),
    ],
    ids=["variable", "escape in a literal", "raw in a variable", "Saleor's field"],
)
def test_text_with_a_nul_character_is_refused_before_anything_runs(
    api_client, o2o_active, query, variables
):
    """PostgreSQL cannot store NUL: refused up front, on Saleor's fields too."""
    response = api_client.post_graphql(query, variables)

    assert response.status_code == 400
    [error] = json.loads(response.content)["errors"]
    assert "NUL" in error["message"]


def test_numbers_that_are_not_finite_are_refused(api_client, o2o_active):
    body = (
        '{"query": "query($r: Float) { stores(first: 1, near: {latitude: 1, '
        'longitude: 1}, radiusKm: $r) { totalCount } }", "variables": {"r": NaN}}'
    )
    response = api_client.post("/graphql/", body, content_type="application/json")

    assert response.status_code == 400
    assert "finite" in json.loads(response.content)["errors"][0]["message"]
