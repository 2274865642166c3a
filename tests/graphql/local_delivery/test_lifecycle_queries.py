"""Reading local deliveries over GraphQL: the desk's list scoped to the clerk's
stores, the code only for the shopper, and Saleor's orderCancel followed."""

from datetime import timedelta

import pytest
from saleor.account.models import User
from saleor.order import OrderStatus

from saleor_o2o.local_delivery import rules as lc
from saleor_o2o.local_delivery.models import LocalDelivery
from saleor_o2o.store.models import StoreMembership

from helpers.api import ApiClient, assert_permission_denied, gid, payload
from helpers.deliveries import move

DELIVERIES = """
query Desk(
  $storeId: ID, $statuses: [LocalDeliveryStatusEnum!], $first: Int, $after: String
) {
  localDeliveries(
    first: $first, after: $after, storeId: $storeId, statuses: $statuses
  ) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id status windowStart store { name } code } }
  }
}
"""

DELIVERY = """
query Delivery($id: ID!) {
  localDelivery(id: $id) { id status code qrPayload transitions { toStatus } }
}
"""

ORDER_BY_TOKEN = """
query Order($token: UUID!) {
  orderByToken(token: $token) {
    localDelivery {
      status code qrPayload windowStart windowEnd courierName attempts
      transitions { note } nextStatuses store { name }
    }
  }
}
"""

MY_ORDERS = """
{ me { orders(first: 10) { edges { node { localDelivery { id code } } } } } }
"""

STAFF_ORDER = """
query Order($id: ID!) { order(id: $id) { localDelivery { id code } } }
"""

ORDER_CANCEL = """
mutation Cancel($id: ID!) {
  orderCancel(id: $id) { order { status } orderErrors { code } }
}
"""


@pytest.fixture
def desk(staff_api_client, permission_manage_orders):
    def post(query, variables):
        return staff_api_client.post_graphql(
            query, variables, permissions=[permission_manage_orders]
        )

    return post


def clerk_of(store, permission, email):
    user = User.objects.create_user(email, "password", is_staff=True)
    user.user_permissions.add(permission)
    StoreMembership.objects.create(user=user, store=store, role="clerk")
    return ApiClient(user=user)


def ids(response):
    edges = payload(response, "localDeliveries")["edges"]
    return [edge["node"]["id"] for edge in edges]


def test_the_desk_lists_by_window_and_filters_by_status(
    desk, local_delivery_factory, clerk
):
    from django.utils import timezone

    now = timezone.now()
    late = local_delivery_factory(window_start=now + timedelta(hours=6))
    early = local_delivery_factory(window_start=now + timedelta(hours=2))
    preparing = move(
        local_delivery_factory(window_start=now + timedelta(hours=4)),
        lc.PREPARING,
        actor=clerk,
    )

    first_page = payload(desk(DELIVERIES, {"first": 2}), "localDeliveries")
    assert first_page["totalCount"] == 3 and first_page["pageInfo"]["hasNextPage"]
    rest = desk(DELIVERIES, {"first": 2, "after": first_page["pageInfo"]["endCursor"]})
    served = [edge["node"]["id"] for edge in first_page["edges"]] + ids(rest)
    assert served == [
        gid("LocalDelivery", early.pk),
        gid("LocalDelivery", preparing.pk),
        gid("LocalDelivery", late.pk),
    ]
    assert ids(desk(DELIVERIES, {"first": 10, "statuses": ["PREPARING"]})) == [
        gid("LocalDelivery", preparing.pk)
    ]
    assert all(
        edge["node"]["code"] is None
        for edge in first_page["edges"]  # Staff never read the codes.
    )


def test_a_clerk_sees_only_their_stores_deliveries(
    local_delivery_factory, store, store_factory, permission_manage_orders
):
    lyon = store_factory("Lyon Bellecour", 45.7578, 4.8320, city="Lyon")
    at_paris = local_delivery_factory()
    at_lyon = local_delivery_factory(from_store=lyon)
    paris_clerk = clerk_of(store, permission_manage_orders, "a@example.com")
    lyon_clerk = clerk_of(lyon, permission_manage_orders, "b@example.com")

    assert ids(paris_clerk.post_graphql(DELIVERIES, {"first": 10})) == [
        gid("LocalDelivery", at_paris.pk)
    ]
    assert ids(lyon_clerk.post_graphql(DELIVERIES, {"first": 10})) == [
        gid("LocalDelivery", at_lyon.pk)
    ]
    # Another store's delivery, or list, does not exist for them.
    response = paris_clerk.post_graphql(
        DELIVERY, {"id": gid("LocalDelivery", at_lyon.pk)}
    )
    assert payload(response, "localDelivery") is None
    response = paris_clerk.post_graphql(
        DELIVERIES, {"first": 10, "storeId": gid("Store", lyon.pk)}
    )
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert error["extensions"]["field"] == "storeId"
    response = paris_clerk.post_graphql(
        STAFF_ORDER, {"id": gid("Order", at_lyon.order_id)}
    )
    assert payload(response, "order") in (None, {"localDelivery": None})


def test_queries_need_manage_orders(
    staff_api_client, api_client, user_api_client, local_delivery_factory
):
    delivery = local_delivery_factory()

    for client in (staff_api_client, api_client, user_api_client):
        assert_permission_denied(client.post_graphql(DELIVERIES, {"first": 10}))
        assert_permission_denied(
            client.post_graphql(DELIVERY, {"id": gid("LocalDelivery", delivery.pk)})
        )


def test_the_shopper_reads_status_window_and_code_through_their_order(
    api_client, local_delivery_factory, clerk
):
    delivery = move(
        local_delivery_factory(), lc.PREPARING, lc.OUT_FOR_DELIVERY, actor=clerk
    )

    data = payload(
        api_client.post_graphql(ORDER_BY_TOKEN, {"token": str(delivery.order.token)}),
        "orderByToken",
    )["localDelivery"]

    assert data["code"] == delivery.code
    assert data["qrPayload"] == f"o2o:delivery:{delivery.code}"
    assert (data["status"], data["courierName"], data["attempts"]) == (
        "OUT_FOR_DELIVERY",
        "Sam (bike)",
        1,
    )
    assert data["windowStart"] and data["windowEnd"]
    assert data["transitions"] is None and data["nextStatuses"] == []


def test_only_the_shopper_who_ordered_reads_the_code(
    local_delivery_factory, customer_user, user_api_client, desk
):
    other = User.objects.create_user("other@example.com", "password")
    theirs = local_delivery_factory(user=other)
    mine = local_delivery_factory(user=customer_user)

    edges = payload(user_api_client.post_graphql(MY_ORDERS), "me")["orders"]["edges"]
    assert [edge["node"]["localDelivery"] for edge in edges] == [
        {"id": gid("LocalDelivery", mine.pk), "code": mine.code}
    ]
    assert_permission_denied(
        user_api_client.post_graphql(DELIVERY, {"id": gid("LocalDelivery", theirs.pk)})
    )
    # Order staff reach every delivery of their stores, never its code.
    for response in (
        desk(DELIVERY, {"id": gid("LocalDelivery", theirs.pk)}),
        desk(STAFF_ORDER, {"id": gid("Order", theirs.order_id)}),
    ):
        data = response.json()["data"]
        found = data.get("localDelivery") or data["order"]["localDelivery"]
        assert found["id"] == gid("LocalDelivery", theirs.pk)
        assert found["code"] is None


@pytest.mark.parametrize("current", [lc.PREPARING, lc.OUT_FOR_DELIVERY])
def test_saleors_order_cancel_cancels_the_delivery(
    desk, local_delivery_factory, clerk, o2o_active, current
):
    path = {lc.PREPARING: (lc.PREPARING,)}.get(
        current, (lc.PREPARING, lc.OUT_FOR_DELIVERY)
    )
    delivery = move(local_delivery_factory(), *path, actor=clerk)

    data = payload(
        desk(ORDER_CANCEL, {"id": gid("Order", delivery.order_id)}), "orderCancel"
    )

    assert data["orderErrors"] == [] and data["order"]["status"] == "CANCELED"
    cancelled = LocalDelivery.objects.get()
    assert cancelled.status == lc.CANCELLED
    entry = cancelled.transitions.last()
    assert (entry.actor_type, entry.from_status) == ("system", current)
    cancelled.order.refresh_from_db()
    assert cancelled.order.status == OrderStatus.CANCELED


DESK_PAGE = """
query Desk($storeId: ID!) {
  localDeliveries(first: 100, storeId: $storeId) { edges { node {
    id status nextStatuses windowStart windowEnd courierName attempts codeLockedUntil
    store { name } order { number userEmail lines { productName quantity } }
    transitions { toStatus actorType user { email } }
  } } }
}
"""


def test_the_desk_query_costs_one_query_per_delivery_at_most(
    desk, local_delivery_factory
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for_desk(count):
        LocalDelivery.objects.all().delete()
        made = [local_delivery_factory() for _ in range(count)]
        variables = {"storeId": gid("Store", made[0].store_id)}
        desk(DESK_PAGE, variables)  # Warm: permissions, plugin settings.
        with CaptureQueriesContext(connection) as captured:
            edges = payload(desk(DESK_PAGE, variables), "localDeliveries")["edges"]
        assert len(edges) == count
        return len(captured)

    small, large = queries_for_desk(2), queries_for_desk(8)

    # Saleor's Order.lines resolver queries once per order; nothing else grows.
    assert large - small <= 6, (small, large)
