"""The try-on API: shoppers reserve and cancel, the desk lists, releases and sells;
typed errors for every bad input and scoping for every reader."""

import pytest
from django.test import override_settings
from saleor.account.models import User
from saleor.warehouse.models import Stock

from saleor_o2o.core.tokens import token_hash
from saleor_o2o.store.models import AppStore, StoreMembership
from saleor_o2o.visits.try_on import rules
from saleor_o2o.visits.try_on.models import TryOnReservation

from fixtures.try_on import make_appointment, reserve
from helpers.api import ApiClient, assert_permission_denied, content, gid, payload

RESERVE = """
mutation Reserve($input: TryOnReserveInput!) {
  tryOnReserve(input: $input) {
    token
    tryOnReservation { id status email heldUntil store { name }
      lines { sku quantity isHeld variant { id } } nextStatuses }
    tryOnErrors { field code message }
  }
}
"""
BY_TOKEN = """
query ($token: String, $id: ID) {
  tryOnReservation(token: $token, id: $id) { id status }
}
"""
MINE = "{ myTryOnReservations(first: 10) { edges { node { id status } } } }"
CANCEL = """
mutation ($id: ID, $token: String) {
  tryOnCancel(id: $id, token: $token) {
    tryOnReservation { status } tryOnErrors { field code }
  }
}
"""
RELEASE = """
mutation ($id: ID!) {
  tryOnRelease(id: $id, note: "Sorry") {
    tryOnReservation { status note } tryOnErrors { field code }
  }
}
"""
CONVERT = """
mutation ($id: ID!, $lines: [TryOnLineInput!]) {
  tryOnConvert(id: $id, lines: $lines) {
    tryOnReservation { status order { id } }
    order { id isPaid status lines { quantity } }
    tryOnErrors { field code }
  }
}
"""
DESK = """
query ($store: ID, $statuses: [TryOnStatusEnum!]) {
  tryOnReservations(first: 20, storeId: $store, statuses: $statuses) {
    edges { node { id status email store { name } } }
  }
}
"""


def reserve_input(where, variant, quantity=1, **extra):
    data = {
        "storeId": gid("Store", where.pk),
        "lines": [
            {"variantId": gid("ProductVariant", variant.pk), "quantity": quantity}
        ],
        "email": "guest@example.com",
    }
    data.update(extra)
    return {"input": data}


def errors_of(response, name):
    return [(e["field"], e["code"]) for e in payload(response, name)["tryOnErrors"]]


def test_a_guest_reserves_sees_it_by_token_only_and_cancels(
    api_client, o2o_active, try_on_store, variant
):
    data = payload(
        api_client.post_graphql(RESERVE, reserve_input(try_on_store, variant, 2)),
        "tryOnReserve",
    )
    assert data["tryOnErrors"] == []
    reservation = data["tryOnReservation"]
    assert reservation["status"] == "HELD"
    assert reservation["lines"] == [
        {
            "sku": "SKU-1",
            "quantity": 2,
            "isHeld": True,
            "variant": {"id": gid("ProductVariant", variant.pk)},
        }
    ]
    assert reservation["nextStatuses"] == ["CANCELLED"]
    token = data["token"]
    assert TryOnReservation.objects.get().token_hash == token_hash(token)
    found = content(api_client.post_graphql(BY_TOKEN, {"token": token}))
    assert found["tryOnReservation"]["id"] == reservation["id"]
    assert (
        content(api_client.post_graphql(BY_TOKEN, {"token": "x" * 32}))[
            "tryOnReservation"
        ]
        is None
    )
    assert (
        content(api_client.post_graphql(BY_TOKEN, {"id": reservation["id"]}))[
            "tryOnReservation"
        ]
        is None
    )
    wrong = api_client.post_graphql(CANCEL, {"token": "not-it"})
    assert errors_of(wrong, "tryOnCancel") == [("token", "INVALID_TOKEN")]
    by_id = api_client.post_graphql(CANCEL, {"id": reservation["id"]})
    assert errors_of(by_id, "tryOnCancel") == [("id", "NOT_FOUND")]
    done = payload(api_client.post_graphql(CANCEL, {"token": token}), "tryOnCancel")
    assert done["tryOnReservation"]["status"] == "CANCELLED"
    again = api_client.post_graphql(CANCEL, {"token": token})
    assert errors_of(again, "tryOnCancel") == [("status", "INVALID_TRANSITION")]


@override_settings(O2O_GUEST_TRY_ONS_PER_HOUR=2)
def test_guests_are_limited_per_address_signed_in_shoppers_are_not(
    api_client, user_api_client, o2o_active, try_on_store, variant
):
    """Each hold keeps stock from every other shopper: one address without an
    account cannot hold a store's shelf with made-up e-mail addresses."""
    Stock.objects.filter(product_variant=variant).update(quantity=50)
    outcomes = [
        errors_of(
            api_client.post_graphql(
                RESERVE, reserve_input(try_on_store, variant, email=f"g{n}@example.com")
            ),
            "tryOnReserve",
        )
        for n in range(3)
    ]

    assert outcomes == [[], [], [(None, "TOO_MANY_REQUESTS")]]
    assert TryOnReservation.objects.count() == 2
    signed_in = user_api_client.post_graphql(
        RESERVE, reserve_input(try_on_store, variant, email=None)
    )
    assert errors_of(signed_in, "tryOnReserve") == []


def test_a_signed_in_shopper_sees_and_cancels_only_their_own(
    user_api_client, o2o_active, try_on_store, variant
):
    data = payload(
        user_api_client.post_graphql(
            RESERVE, reserve_input(try_on_store, variant, email=None)
        ),
        "tryOnReserve",
    )
    mine = data["tryOnReservation"]
    assert mine["email"] == "shopper@example.com"
    theirs = reserve(try_on_store, variant, 1).reservation
    edges = content(user_api_client.post_graphql(MINE))["myTryOnReservations"]["edges"]
    assert [edge["node"]["id"] for edge in edges] == [mine["id"]]
    other = user_api_client.post_graphql(
        CANCEL, {"id": gid("TryOnReservation", theirs.pk)}
    )
    assert errors_of(other, "tryOnCancel") == [("id", "NOT_FOUND")]
    own = user_api_client.post_graphql(CANCEL, {"id": mine["id"]})
    assert payload(own, "tryOnCancel")["tryOnReservation"]["status"] == "CANCELLED"


@pytest.mark.parametrize(
    "change, expected",
    [
        (
            {"lines": [{"variantId": gid("ProductVariant", 0), "quantity": 1}]},
            ("lines.0.variantId", "NOT_FOUND"),
        ),
        (
            {"lines": [{"variantId": gid("Store", 1), "quantity": 1}]},
            ("lines.0.variantId", "GRAPHQL_ERROR"),
        ),
        ({"lines": []}, ("lines", "REQUIRED")),
        ("too_many_units", ("lines", "TOO_MANY_ITEMS")),
        ("more_than_stock", ("lines.0.quantity", "INSUFFICIENT_STOCK")),
        ({"storeId": gid("Store", 0)}, ("storeId", "NOT_FOUND")),
        ({"storeId": "not-an-id"}, ("storeId", "GRAPHQL_ERROR")),
        ("inactive_store", ("storeId", "NOT_FOUND")),
        ({"email": None}, ("email", "REQUIRED")),
        ({"email": "not-mail"}, ("email", "INVALID")),
        ("someone_elses_appointment", ("appointmentId", "NOT_FOUND")),
        ({"appointmentId": gid("Appointment", 0)}, ("appointmentId", "NOT_FOUND")),
    ],
)
def test_typed_errors_for_bad_input(
    api_client, o2o_active, try_on_store, variant, change, expected
):
    quantity = 1
    if change == "too_many_units":
        change, quantity = {}, rules.MAX_UNITS + 1
    elif change == "more_than_stock":
        change, quantity = {}, 4
    elif change == "inactive_store":
        try_on_store.is_active = False
        try_on_store.save()
        change = {}
    elif change == "someone_elses_appointment":
        appointment = make_appointment(try_on_store, email="else@example.com")
        change = {"appointmentId": gid("Appointment", appointment.pk)}
    variables = reserve_input(try_on_store, variant, quantity, **change)
    response = api_client.post_graphql(RESERVE, variables)
    assert errors_of(response, "tryOnReserve") == [expected]
    assert not TryOnReservation.objects.exists()


def test_reserving_is_off_while_the_plugin_is(api_client, try_on_store, variant):
    response = api_client.post_graphql(RESERVE, reserve_input(try_on_store, variant))
    assert errors_of(response, "tryOnReserve") == [(None, "FEATURE_DISABLED")]


def test_a_reservation_is_not_read_by_token_while_the_plugin_is_off(
    api_client, configure_o2o, try_on_store, variant
):
    reserved = reserve(try_on_store, variant, 1)
    configure_o2o(active=False)

    answer = api_client.post_graphql(BY_TOKEN, {"token": reserved.token}).json()

    assert answer["data"]["tryOnReservation"] is None
    assert [e["extensions"]["code"] for e in answer["errors"]] == ["FEATURE_DISABLED"]


def test_desk_mutations_and_list_need_manage_orders(
    staff_api_client, app_api_client, try_on_store, variant
):
    reservation = reserve(try_on_store, variant, 1).reservation
    variables = {"id": gid("TryOnReservation", reservation.pk)}
    for client in (staff_api_client, app_api_client, ApiClient()):
        assert_permission_denied(client.post_graphql(RELEASE, variables))
        assert_permission_denied(client.post_graphql(CONVERT, variables))
        assert_permission_denied(client.post_graphql(DESK, {}))
    reservation.refresh_from_db()
    assert reservation.status == rules.HELD


@pytest.fixture
def other_store(store_factory, variant):
    other = store_factory("Lyon", 45.76, 4.83)
    Stock.objects.create(warehouse=other.warehouse, product_variant=variant, quantity=3)
    return other


def clerk_of(store, email="clerk@example.com"):
    user = User.objects.create_user(email, "password", is_staff=True)
    StoreMembership.objects.create(user=user, store=store, role="clerk")
    return ApiClient(user=user)


def test_clerks_and_narrowed_apps_see_and_move_only_their_stores(
    try_on_store, other_store, variant, app, permission_manage_orders
):
    here = reserve(try_on_store, variant, 1, email="a@example.com").reservation
    there = reserve(other_store, variant, 1, email="b@example.com").reservation
    clerk = clerk_of(try_on_store)
    AppStore.objects.create(app=app, store=other_store)
    narrowed = ApiClient(app=app)
    perms = [permission_manage_orders]
    for client, mine, theirs in ((clerk, here, there), (narrowed, there, here)):
        listed = content(client.post_graphql(DESK, {}, permissions=perms))
        ids = [e["node"]["id"] for e in listed["tryOnReservations"]["edges"]]
        assert ids == [gid("TryOnReservation", mine.pk)]
        foreign = client.post_graphql(
            DESK, {"store": gid("Store", theirs.store_id)}, permissions=perms
        )
        assert (
            "errors" in foreign.json()
            or not foreign.json()["data"]["tryOnReservations"]
        )
        for query, name in ((RELEASE, "tryOnRelease"), (CONVERT, "tryOnConvert")):
            refused = client.post_graphql(
                query, {"id": gid("TryOnReservation", theirs.pk)}, permissions=perms
            )
            assert errors_of(refused, name) == [("id", "NOT_FOUND")]
        seen = content(
            client.post_graphql(BY_TOKEN, {"id": gid("TryOnReservation", theirs.pk)})
        )
        assert seen["tryOnReservation"] is None
    theirs_left = TryOnReservation.objects.filter(status=rules.HELD).count()
    assert theirs_left == 2


def test_the_desk_releases_and_sells(
    try_on_store, variant, customer_user, permission_manage_orders
):
    clerk = clerk_of(try_on_store)
    perms = [permission_manage_orders]
    first = reserve(try_on_store, variant, 1, email="a@example.com").reservation
    released = payload(
        clerk.post_graphql(
            RELEASE, {"id": gid("TryOnReservation", first.pk)}, permissions=perms
        ),
        "tryOnRelease",
    )
    assert released["tryOnReservation"] == {"status": "RELEASED", "note": "Sorry"}
    second = reserve(try_on_store, variant, 3, user=customer_user).reservation
    sold = payload(
        clerk.post_graphql(
            CONVERT,
            {
                "id": gid("TryOnReservation", second.pk),
                "lines": [
                    {"variantId": gid("ProductVariant", variant.pk), "quantity": 1}
                ],
            },
            permissions=perms,
        ),
        "tryOnConvert",
    )
    assert sold["tryOnErrors"] == []
    assert sold["order"]["isPaid"] and sold["order"]["status"] == "FULFILLED"
    assert sold["order"]["lines"] == [{"quantity": 1}]
    assert sold["tryOnReservation"]["order"]["id"] == sold["order"]["id"]
    too_many = clerk.post_graphql(
        CONVERT, {"id": gid("TryOnReservation", second.pk)}, permissions=perms
    )
    assert errors_of(too_many, "tryOnConvert") == [("status", "INVALID_TRANSITION")]
    assert Stock.objects.get(warehouse=try_on_store.warehouse).quantity == 2
