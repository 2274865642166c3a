"""Pickup lifecycle over GraphQL: staff mutations, shopper check-in, visibility."""

import pytest
from saleor.order import OrderStatus

from saleor_o2o.pickup import rules as lifecycle
from saleor_o2o.pickup import services as pickup_services
from saleor_o2o.pickup.models import Pickup, PickupStatus

from helpers.api import assert_permission_denied, gid, payload

STATUS_UPDATE = """
mutation Move($id: ID!, $status: PickupStatusEnum!, $note: String) {
  pickupStatusUpdate(id: $id, status: $status, note: $note) {
    pickup {
      id status readyAt expiresAt
      transitions { fromStatus toStatus actorType note user { email } app { name } }
    }
    pickupErrors { field code message }
  }
}
"""

COLLECT = """
mutation Collect($id: ID!, $code: String!, $collectedBy: String) {
  pickupCollect(id: $id, code: $code, collectedBy: $collectedBy) {
    pickup { status collectedAt order { status } transitions { collectedBy } }
    pickupErrors { field code message }
  }
}
"""

CHECK_IN = """
mutation CheckIn($token: UUID!, $bay: String, $vehicle: String) {
  pickupCheckIn(orderToken: $token, bay: $bay, vehicle: $vehicle) {
    pickup { status arrivalBay arrivalVehicle arrivedAt transitions { toStatus } }
    pickupErrors { field code message }
  }
}
"""

PICKUP = """
query Pickup($id: ID!) {
  pickup(id: $id) { id code status }
}
"""

MY_ORDERS = """
{ me { orders(first: 10) { edges { node { id pickup { id code } } } } } }
"""

ORDER_BY_TOKEN = """
query Order($token: UUID!) {
  orderByToken(token: $token) {
    pickup {
      status code qrPayload isCurbside store { name } transitions { note } nextStatuses
    }
  }
}
"""

PICKUPS = """
query Desk($storeId: ID, $statuses: [PickupStatusEnum!], $first: Int, $after: String) {
  pickups(first: $first, after: $after, storeId: $storeId, statuses: $statuses) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id status store { name } order { id } } }
  }
}
"""


@pytest.fixture
def desk(staff_api_client, permission_manage_orders):
    """Post as a staff user with MANAGE_ORDERS."""

    def post(query, variables):
        return staff_api_client.post_graphql(
            query, variables, permissions=[permission_manage_orders]
        )

    return post


@pytest.fixture
def ready(pickup_factory, staff_user):
    def make(**kwargs):
        return pickup_services.pickup_status_update(
            pickup=pickup_factory(**kwargs),
            status="ready",
            actor=pickup_services.Actor.of(staff_user),
        )

    return make


def test_status_update_needs_manage_orders(staff_api_client, pickup_factory):
    pickup = pickup_factory()

    response = staff_api_client.post_graphql(
        STATUS_UPDATE, {"id": gid("Pickup", pickup.pk), "status": "PREPARING"}
    )

    assert_permission_denied(response)
    assert Pickup.objects.get().status == PickupStatus.RECEIVED


def test_staff_move_a_pickup_to_ready(desk, pickup_factory, staff_user, o2o_active):
    pickup = pickup_factory()

    data = payload(
        desk(STATUS_UPDATE, {"id": gid("Pickup", pickup.pk), "status": "PREPARING"}),
        "pickupStatusUpdate",
    )
    assert data["pickupErrors"] == []
    data = payload(
        desk(
            STATUS_UPDATE,
            {"id": gid("Pickup", pickup.pk), "status": "READY", "note": "Shelf B2"},
        ),
        "pickupStatusUpdate",
    )

    assert data["pickupErrors"] == []
    assert data["pickup"]["status"] == "READY"
    assert data["pickup"]["readyAt"] and data["pickup"]["expiresAt"]
    assert data["pickup"]["transitions"][-1] == {
        "fromStatus": "PREPARING",
        "toStatus": "READY",
        "actorType": "STAFF",
        "note": "Shelf B2",
        "user": {"email": staff_user.email},
        "app": None,
    }


def test_an_app_moving_a_pickup_is_recorded_as_the_app(
    app_api_client, permission_manage_orders, pickup_factory, app
):
    pickup = pickup_factory()

    data = payload(
        app_api_client.post_graphql(
            STATUS_UPDATE,
            {"id": gid("Pickup", pickup.pk), "status": "PREPARING"},
            permissions=[permission_manage_orders],
        ),
        "pickupStatusUpdate",
    )

    entry = data["pickup"]["transitions"][-1]
    assert entry["actorType"] == "APP" and entry["app"] == {"name": app.name}


def test_a_refused_transition_is_a_typed_error_naming_the_status(desk, pickup_factory):
    pickup = pickup_factory()

    data = payload(
        desk(STATUS_UPDATE, {"id": gid("Pickup", pickup.pk), "status": "EXPIRED"}),
        "pickupStatusUpdate",
    )

    [error] = data["pickupErrors"]
    assert error["code"] == "INVALID_TRANSITION" and error["field"] == "status"
    assert "RECEIVED" in error["message"]
    assert data["pickup"] is None


@pytest.mark.parametrize(
    "variables,field,code",
    [
        ({"status": "COLLECTED"}, "status", "CODE_REQUIRED"),
        ({"status": "READY", "note": "x" * 501}, "note", "INVALID"),
        ({"status": "READY", "id": "bm90LWEtcGlja3Vw"}, "id", "GRAPHQL_ERROR"),
        ({"status": "READY", "id": gid("Pickup", 0)}, "id", "NOT_FOUND"),
        ({"status": "READY", "id": gid("Order", 1)}, "id", "GRAPHQL_ERROR"),
    ],
)
def test_status_update_typed_errors(desk, pickup_factory, variables, field, code):
    pickup = pickup_factory()
    variables = {"id": gid("Pickup", pickup.pk), **variables}

    data = payload(desk(STATUS_UPDATE, variables), "pickupStatusUpdate")

    [error] = data["pickupErrors"]
    assert (error["field"], error["code"]) == (field, code)


def test_collect_with_the_code_fulfils_the_order(desk, ready):
    pickup = ready()

    data = payload(
        desk(
            COLLECT,
            {
                "id": gid("Pickup", pickup.pk),
                "code": pickup.code.lower(),
                "collectedBy": "Alex, neighbour",
            },
        ),
        "pickupCollect",
    )

    assert data["pickupErrors"] == []
    assert data["pickup"]["status"] == "COLLECTED" and data["pickup"]["collectedAt"]
    assert data["pickup"]["order"]["status"] == "FULFILLED"
    assert data["pickup"]["transitions"][-1]["collectedBy"] == "Alex, neighbour"


def test_wrong_codes_are_typed_errors_until_the_lock_out(desk, ready):
    pickup = ready()
    variables = {"id": gid("Pickup", pickup.pk), "code": "AAAAAA"}

    codes = []
    for _ in range(lifecycle.MAX_CODE_ATTEMPTS + 1):
        [error] = payload(desk(COLLECT, variables), "pickupCollect")["pickupErrors"]
        codes.append((error["field"], error["code"]))

    assert (
        codes
        == [("code", "INVALID_CODE")] * (lifecycle.MAX_CODE_ATTEMPTS - 1)
        + [("code", "CODE_LOCKED")] * 2
    )
    right = {"id": gid("Pickup", pickup.pk), "code": pickup.code}
    [error] = payload(desk(COLLECT, right), "pickupCollect")["pickupErrors"]
    assert error["code"] == "CODE_LOCKED"
    assert Pickup.objects.get().status == PickupStatus.READY


def test_collect_needs_manage_orders(staff_api_client, ready):
    pickup = ready()

    response = staff_api_client.post_graphql(
        COLLECT, {"id": gid("Pickup", pickup.pk), "code": pickup.code}
    )

    assert_permission_denied(response)


def test_shopper_checks_in_with_the_order_token(api_client, ready, o2o_active):
    pickup = ready(curbside=True)

    data = payload(
        api_client.post_graphql(
            CHECK_IN,
            {"token": str(pickup.order.token), "bay": "7", "vehicle": "Red van"},
        ),
        "pickupCheckIn",
    )

    assert data["pickupErrors"] == []
    assert data["pickup"]["status"] == "CUSTOMER_ARRIVED"
    assert (data["pickup"]["arrivalBay"], data["pickup"]["arrivalVehicle"]) == (
        "7",
        "Red van",
    )
    assert data["pickup"]["arrivedAt"]
    # Shoppers do not see the audit trail.
    assert data["pickup"]["transitions"] is None


@pytest.mark.parametrize(
    "token,extra,field,code",
    [
        ("0b0d5b70-0000-4000-8000-000000000000", {}, "orderToken", "NOT_FOUND"),
        (None, {"bay": "x" * 33}, "bay", "INVALID"),
        (None, {}, "bay", "REQUIRED"),
    ],
)
def test_check_in_typed_errors(
    api_client, ready, o2o_active, token, extra, field, code
):
    pickup = ready(curbside=True)

    data = payload(
        api_client.post_graphql(
            CHECK_IN, {"token": token or str(pickup.order.token), **extra}
        ),
        "pickupCheckIn",
    )

    [error] = data["pickupErrors"]
    assert (error["field"], error["code"]) == (field, code)


def test_check_in_before_ready_names_the_status(api_client, pickup_factory, o2o_active):
    pickup = pickup_factory()

    data = payload(
        api_client.post_graphql(CHECK_IN, {"token": str(pickup.order.token)}),
        "pickupCheckIn",
    )

    [error] = data["pickupErrors"]
    assert error["code"] == "INVALID_TRANSITION" and "RECEIVED" in error["message"]


def test_check_in_while_the_plugin_is_inactive(api_client, ready):
    pickup = ready()

    data = payload(
        api_client.post_graphql(CHECK_IN, {"token": str(pickup.order.token)}),
        "pickupCheckIn",
    )

    assert data["pickupErrors"][0]["code"] == "FEATURE_DISABLED"


def test_shopper_sees_status_code_and_store_through_their_order(api_client, ready):
    pickup = ready()

    data = payload(
        api_client.post_graphql(ORDER_BY_TOKEN, {"token": str(pickup.order.token)}),
        "orderByToken",
    )

    assert data["pickup"] == {
        "status": "READY",
        "code": pickup.code,
        "qrPayload": f"o2o:pickup:{pickup.code}",
        "isCurbside": False,
        "store": {"name": pickup.store.name},
        "transitions": None,
        "nextStatuses": ["CUSTOMER_ARRIVED"],  # What a shopper may do: check in.
    }


def test_no_shopper_sees_another_shoppers_pickup(
    pickup_factory, customer_user, user_api_client, api_client, desk
):
    from saleor.account.models import User

    other = User.objects.create_user("other@example.com", "password")
    theirs = pickup_factory(user=other)
    mine = pickup_factory(user=customer_user)

    edges = payload(user_api_client.post_graphql(MY_ORDERS), "me")["orders"]["edges"]
    assert [edge["node"]["pickup"] for edge in edges] == [
        {"id": gid("Pickup", mine.pk), "code": mine.code}
    ]
    for client in (user_api_client, api_client):
        response = client.post_graphql(PICKUP, {"id": gid("Pickup", theirs.pk)})
        assert_permission_denied(response)
    # Order staff see any pickup.
    response = desk(PICKUP, {"id": gid("Pickup", theirs.pk)})
    assert payload(response, "pickup")["code"] == theirs.code


def test_pickups_for_the_desk(desk, pickup_factory, ready, store_factory, api_client):
    other_store = store_factory("Lyon", 45.76, 4.84)
    waiting = ready()
    pickup_factory()
    elsewhere = ready(in_store=other_store)

    edges = payload(
        desk(
            PICKUPS,
            {
                "storeId": gid("Store", waiting.store.pk),
                "statuses": ["READY"],
                "first": 10,
            },
        ),
        "pickups",
    )["edges"]
    assert [edge["node"]["id"] for edge in edges] == [gid("Pickup", waiting.pk)]
    everything = payload(desk(PICKUPS, {"first": 10}), "pickups")["edges"]
    assert len(everything) == 3
    assert gid("Pickup", elsewhere.pk) in {edge["node"]["id"] for edge in everything}

    assert_permission_denied(api_client.post_graphql(PICKUPS, {"first": 10}))


def test_the_desk_serves_booked_slots_in_order_then_the_oldest_orders(
    desk, pickup_factory, store
):
    from datetime import timedelta

    from django.utils import timezone

    later_slot, walk_in, early_slot = (
        pickup_factory(),
        pickup_factory(),
        pickup_factory(),
    )
    now = timezone.now()
    Pickup.objects.filter(pk=later_slot.pk).update(slot_start=now + timedelta(hours=3))
    Pickup.objects.filter(pk=early_slot.pk).update(slot_start=now + timedelta(hours=1))
    Pickup.objects.filter(pk=walk_in.pk).update(created_at=now - timedelta(hours=1))

    first_page = payload(desk(PICKUPS, {"first": 2}), "pickups")
    assert first_page["totalCount"] == 3 and first_page["pageInfo"]["hasNextPage"]
    rest = payload(
        desk(PICKUPS, {"first": 2, "after": first_page["pageInfo"]["endCursor"]}),
        "pickups",
    )

    served = [edge["node"]["id"] for edge in first_page["edges"] + rest["edges"]]
    assert served == [
        gid("Pickup", walk_in.pk),
        gid("Pickup", early_slot.pk),
        gid("Pickup", later_slot.pk),
    ]


def test_pickups_with_a_bad_store_id(desk):
    response = desk(PICKUPS, {"storeId": gid("Order", 1), "first": 10})

    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert error["extensions"]["field"] == "storeId"


def test_cancelled_order_status_is_visible(desk, pickup_factory):
    pickup = pickup_factory()

    payload(
        desk(STATUS_UPDATE, {"id": gid("Pickup", pickup.pk), "status": "CANCELLED"}),
        "pickupStatusUpdate",
    )

    pickup.order.refresh_from_db()
    assert pickup.order.status == OrderStatus.CANCELED


DESK_PAGE = """
query Desk($storeId: ID!) {
  pickups(first: 100, storeId: $storeId) { edges { node {
    id status nextStatuses slotStart isCurbside arrivalBay arrivalVehicle expiresAt
    store { name } order { number userEmail lines { productName quantity } }
    transitions { toStatus actorType user { email } }
  } } }
}
"""


def test_the_desk_page_query_costs_one_query_per_pickup_at_most(desk, pickup_factory):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for_desk(count):
        Pickup.objects.all().delete()
        made = [pickup_factory() for _ in range(count)]
        variables = {"storeId": gid("Store", made[0].store_id)}
        desk(DESK_PAGE, variables)  # Warm: permissions, plugin settings.
        with CaptureQueriesContext(connection) as captured:
            edges = payload(desk(DESK_PAGE, variables), "pickups")["edges"]
        assert len(edges) == count
        return len(captured)

    small, large = queries_for_desk(2), queries_for_desk(8)

    # Saleor's Order.lines resolver queries once per order; nothing else grows.
    assert large - small <= 6, (small, large)


def test_a_shoppers_orders_with_pickups_cost_the_same_queries_for_more_orders(
    pickup_factory, customer_user, user_api_client
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(count):
        for _ in range(count):
            pickup_factory(user=customer_user)
        user_api_client.post_graphql(MY_ORDERS)
        with CaptureQueriesContext(connection) as captured:
            edges = payload(user_api_client.post_graphql(MY_ORDERS), "me")["orders"]
        assert all(edge["node"]["pickup"] for edge in edges["edges"])
        return len(captured)

    assert queries(1) == queries(4)
