"""Local delivery mutations over GraphQL: permissions, scoping, typed errors."""

import pytest
from saleor.account.models import User
from saleor.order import OrderStatus

from saleor_o2o.core.handover import MAX_CODE_ATTEMPTS
from saleor_o2o.local_delivery import rules as lc
from saleor_o2o.local_delivery.models import LocalDelivery
from saleor_o2o.store.models import StoreMembership

from helpers.api import ApiClient, assert_permission_denied, gid, payload
from helpers.deliveries import move

STATUS_UPDATE = """
mutation Move(
  $id: ID!, $status: LocalDeliveryStatusEnum!, $courierName: String,
  $trackingReference: String, $note: String
) {
  localDeliveryStatusUpdate(
    id: $id, status: $status, courierName: $courierName,
    trackingReference: $trackingReference, note: $note
  ) {
    localDelivery {
      id status courierName trackingReference attempts nextStatuses code
      transitions { fromStatus toStatus actorType note user { email } app { name } }
    }
    localDeliveryErrors { field code message }
  }
}
"""

DELIVER = """
mutation Deliver($id: ID!, $code: String!) {
  localDeliveryDeliver(id: $id, code: $code) {
    localDelivery { status deliveredAt order { status } }
    localDeliveryErrors { field code message }
  }
}
"""

UNLOCK = """
mutation Unlock($id: ID!, $reason: String!) {
  localDeliveryCodeUnlock(id: $id, reason: $reason) {
    localDelivery { codeLockedUntil transitions { kind note } }
    localDeliveryErrors { field code message }
  }
}
"""


@pytest.fixture
def desk(staff_api_client, permission_manage_orders):
    """Post as a staff user with MANAGE_ORDERS acting in every store."""

    def post(query, variables):
        return staff_api_client.post_graphql(
            query, variables, permissions=[permission_manage_orders]
        )

    return post


@pytest.fixture
def member(permission_manage_orders):
    """Return an API client of a new staff member of a store, with MANAGE_ORDERS."""

    def make(store, role="clerk", email=None):
        user = User.objects.create_user(
            email or f"{role}-{store.slug}@example.com", "password", is_staff=True
        )
        user.user_permissions.add(permission_manage_orders)
        StoreMembership.objects.create(user=user, store=store, role=role)
        return ApiClient(user=user)

    return make


@pytest.fixture
def out(local_delivery_factory, clerk):
    def make(**kwargs):
        return move(
            local_delivery_factory(**kwargs),
            lc.PREPARING,
            lc.OUT_FOR_DELIVERY,
            actor=clerk,
        )

    return make


def errors_of(response, name):
    return [
        (error["field"], error["code"])
        for error in payload(response, name)["localDeliveryErrors"]
    ]


@pytest.mark.parametrize(
    "query,variables",
    [
        (STATUS_UPDATE, {"status": "PREPARING"}),
        (DELIVER, {"code": "AAAAAA"}),
        (UNLOCK, {"reason": "Called"}),
    ],
)
def test_every_mutation_needs_manage_orders(
    staff_api_client, app_api_client, out, query, variables
):
    delivery = out()
    variables = {"id": gid("LocalDelivery", delivery.pk), **variables}

    for client in (staff_api_client, app_api_client):
        assert_permission_denied(client.post_graphql(query, variables))
    assert LocalDelivery.objects.get().status == lc.OUT_FOR_DELIVERY


def test_staff_prepare_and_send_a_delivery_out(
    desk, local_delivery_factory, staff_user
):
    delivery = local_delivery_factory()
    id_ = gid("LocalDelivery", delivery.pk)

    data = payload(
        desk(STATUS_UPDATE, {"id": id_, "status": "PREPARING"}),
        "localDeliveryStatusUpdate",
    )
    assert data["localDeliveryErrors"] == []
    assert data["localDelivery"]["nextStatuses"] == ["OUT_FOR_DELIVERY", "CANCELLED"]
    data = payload(
        desk(
            STATUS_UPDATE,
            {
                "id": id_,
                "status": "OUT_FOR_DELIVERY",
                "trackingReference": "CX-77",
                "note": "Van 2",
            },
        ),
        "localDeliveryStatusUpdate",
    )

    assert data["localDeliveryErrors"] == []
    out = data["localDelivery"]
    assert (out["status"], out["trackingReference"], out["attempts"]) == (
        "OUT_FOR_DELIVERY",
        "CX-77",
        1,
    )
    assert out["code"] is None  # Staff never read the shopper's proof of delivery.
    assert out["nextStatuses"] == ["DELIVERED", "FAILED_ATTEMPT"]
    assert out["transitions"][-1] == {
        "fromStatus": "PREPARING",
        "toStatus": "OUT_FOR_DELIVERY",
        "actorType": "STAFF",
        "note": "Van 2",
        "user": {"email": staff_user.email},
        "app": None,
    }


def test_an_app_moving_a_delivery_is_recorded_as_the_app(
    app_api_client, permission_manage_orders, local_delivery_factory, app
):
    delivery = local_delivery_factory()

    data = payload(
        app_api_client.post_graphql(
            STATUS_UPDATE,
            {"id": gid("LocalDelivery", delivery.pk), "status": "PREPARING"},
            permissions=[permission_manage_orders],
        ),
        "localDeliveryStatusUpdate",
    )

    entry = data["localDelivery"]["transitions"][-1]
    assert entry["actorType"] == "APP" and entry["app"] == {"name": app.name}


@pytest.mark.parametrize(
    "variables,field,code",
    [
        ({"status": "FAILED_ATTEMPT"}, "status", "INVALID_TRANSITION"),
        ({"status": "DELIVERED"}, "status", "CODE_REQUIRED"),
        ({"status": "PREPARING", "note": "x" * 501}, "note", "INVALID"),
        ({"status": "PREPARING", "courierName": "x" * 121}, "courierName", "INVALID"),
        (
            {"status": "PREPARING", "trackingReference": "x" * 256},
            "trackingReference",
            "INVALID",
        ),
        ({"status": "PREPARING", "id": "bm90LWEtZGVsaXZlcnk="}, "id", "GRAPHQL_ERROR"),
        ({"status": "PREPARING", "id": gid("LocalDelivery", 0)}, "id", "NOT_FOUND"),
        ({"status": "PREPARING", "id": gid("Pickup", 1)}, "id", "GRAPHQL_ERROR"),
    ],
)
def test_status_update_typed_errors(
    desk, local_delivery_factory, variables, field, code
):
    delivery = local_delivery_factory()
    variables = {"id": gid("LocalDelivery", delivery.pk), **variables}

    response = desk(STATUS_UPDATE, variables)

    assert errors_of(response, "localDeliveryStatusUpdate") == [(field, code)]
    assert LocalDelivery.objects.get().status == lc.RECEIVED


def test_going_out_without_courier_or_reference_is_required(
    desk, local_delivery_factory, clerk
):
    delivery = move(local_delivery_factory(), lc.PREPARING, actor=clerk)

    response = desk(
        STATUS_UPDATE,
        {"id": gid("LocalDelivery", delivery.pk), "status": "OUT_FOR_DELIVERY"},
    )

    assert errors_of(response, "localDeliveryStatusUpdate") == [
        ("courierName", "REQUIRED")
    ]


def test_staff_cannot_cancel_a_delivery_out_with_a_courier(desk, out):
    delivery = out()

    response = desk(
        STATUS_UPDATE, {"id": gid("LocalDelivery", delivery.pk), "status": "CANCELLED"}
    )

    [error] = payload(response, "localDeliveryStatusUpdate")["localDeliveryErrors"]
    assert error["code"] == "INVALID_TRANSITION"
    assert "only system" in error["message"]


def test_deliver_with_the_code_fulfils_the_order(desk, out):
    delivery = out()

    data = payload(
        desk(
            DELIVER,
            {"id": gid("LocalDelivery", delivery.pk), "code": delivery.code.lower()},
        ),
        "localDeliveryDeliver",
    )

    assert data["localDeliveryErrors"] == []
    assert data["localDelivery"]["status"] == "DELIVERED"
    assert data["localDelivery"]["deliveredAt"]
    assert data["localDelivery"]["order"]["status"] == "FULFILLED"


def test_wrong_codes_are_typed_errors_until_the_lock_out(desk, out):
    delivery = out()
    variables = {"id": gid("LocalDelivery", delivery.pk), "code": "AAAAAA"}

    codes = [
        errors_of(desk(DELIVER, variables), "localDeliveryDeliver")[0]
        for _ in range(MAX_CODE_ATTEMPTS + 1)
    ]

    assert (
        codes
        == [("code", "INVALID_CODE")] * (MAX_CODE_ATTEMPTS - 1)
        + [("code", "CODE_LOCKED")] * 2
    )
    right = {"id": gid("LocalDelivery", delivery.pk), "code": delivery.code}
    assert errors_of(desk(DELIVER, right), "localDeliveryDeliver") == [
        ("code", "CODE_LOCKED")
    ]
    assert errors_of(desk(DELIVER, {**right, "code": " "}), "localDeliveryDeliver") == [
        ("code", "CODE_REQUIRED")
    ]
    assert LocalDelivery.objects.get().status == lc.OUT_FOR_DELIVERY


def test_deliver_before_it_is_out_is_an_invalid_transition(
    desk, local_delivery_factory
):
    delivery = local_delivery_factory()

    response = desk(
        DELIVER, {"id": gid("LocalDelivery", delivery.pk), "code": delivery.code}
    )

    assert errors_of(response, "localDeliveryDeliver") == [
        ("status", "INVALID_TRANSITION")
    ]


def lock(delivery, desk):
    for _ in range(MAX_CODE_ATTEMPTS):
        desk(DELIVER, {"id": gid("LocalDelivery", delivery.pk), "code": "AAAAAA"})


def test_only_a_manager_of_the_store_unlocks(desk, out, member, store):
    delivery = out()
    variables = {"id": gid("LocalDelivery", delivery.pk), "reason": "Shopper called"}
    assert errors_of(desk(UNLOCK, variables), "localDeliveryCodeUnlock") == [
        ("id", "NOT_LOCKED")
    ]
    lock(delivery, desk)

    clerk = member(store, "clerk")
    assert errors_of(
        clerk.post_graphql(UNLOCK, variables), "localDeliveryCodeUnlock"
    ) == [("id", "PERMISSION_DENIED")]
    manager = member(store, "manager")
    assert errors_of(
        manager.post_graphql(UNLOCK, {**variables, "reason": ""}),
        "localDeliveryCodeUnlock",
    ) == [("reason", "REQUIRED")]
    data = payload(manager.post_graphql(UNLOCK, variables), "localDeliveryCodeUnlock")

    assert data["localDeliveryErrors"] == []
    assert data["localDelivery"]["codeLockedUntil"] is None
    assert data["localDelivery"]["transitions"][-1] == {
        "kind": "CODE_UNLOCKED",
        "note": "Shopper called",
    }


@pytest.mark.parametrize(
    "query,variables,name",
    [
        (STATUS_UPDATE, {"status": "FAILED_ATTEMPT"}, "localDeliveryStatusUpdate"),
        (DELIVER, {"code": "AAAAAA"}, "localDeliveryDeliver"),
        (UNLOCK, {"reason": "Called"}, "localDeliveryCodeUnlock"),
    ],
)
def test_another_stores_staff_get_not_found(
    out, member, store_factory, query, variables, name
):
    delivery = out()
    lyon = store_factory("Lyon Bellecour", 45.7578, 4.8320, city="Lyon")
    variables = {"id": gid("LocalDelivery", delivery.pk), **variables}

    for role in ("clerk", "manager"):
        response = member(lyon, role).post_graphql(query, variables)
        assert errors_of(response, name) == [("id", "NOT_FOUND")]

    unchanged = LocalDelivery.objects.get()
    assert (unchanged.status, unchanged.failed_code_attempts) == (
        lc.OUT_FOR_DELIVERY,
        0,
    )
    assert unchanged.order.status == OrderStatus.UNFULFILLED


@pytest.mark.parametrize(
    "query,variables,name",
    [
        (DELIVER, {"code": "AAAAAA"}, "localDeliveryDeliver"),
        (UNLOCK, {"reason": "Called"}, "localDeliveryCodeUnlock"),
    ],
)
@pytest.mark.parametrize(
    "bad_id,code",
    [
        ("bm90LWEtZGVsaXZlcnk=", "GRAPHQL_ERROR"),
        (gid("LocalDelivery", 0), "NOT_FOUND"),
        (gid("Pickup", 1), "GRAPHQL_ERROR"),
    ],
)
def test_deliver_and_unlock_with_a_bad_id(desk, query, variables, name, bad_id, code):
    response = desk(query, {"id": bad_id, **variables})

    assert errors_of(response, name) == [("id", code)]


def test_a_note_too_long_on_delivery_is_invalid(desk, out):
    delivery = out()

    response = desk(
        """mutation($id: ID!, $code: String!, $note: String) {
          localDeliveryDeliver(id: $id, code: $code, note: $note) {
            localDeliveryErrors { field code } } }""",
        {
            "id": gid("LocalDelivery", delivery.pk),
            "code": delivery.code,
            "note": "x" * 501,
        },
    )

    assert errors_of(response, "localDeliveryDeliver") == [("note", "INVALID")]
    assert LocalDelivery.objects.get().status == lc.OUT_FOR_DELIVERY
