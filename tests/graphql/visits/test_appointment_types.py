"""appointmentTypeCreate / Update / Delete (store managers) and the store's
appointmentTypes for shoppers."""

import pytest
from saleor.account.models import User

from saleor_o2o.store.models import StoreMembership, StoreRole
from saleor_o2o.visits.appointments.models import AppointmentType

from helpers.api import ApiClient, assert_permission_denied, content, gid, payload

FIELDS = """
appointmentType {
  id name description durationMinutes capacity bufferMinutes bookAheadDays
  minNoticeMinutes changeUntilMinutes isActive store { id }
}
appointmentErrors { field code message }
"""
CREATE = (
    """
mutation($storeId: ID!, $input: AppointmentTypeInput!) {
  appointmentTypeCreate(storeId: $storeId, input: $input) { %s }
}"""
    % FIELDS
)
UPDATE = (
    """
mutation($id: ID!, $input: AppointmentTypeInput!) {
  appointmentTypeUpdate(id: $id, input: $input) { %s }
}"""
    % FIELDS
)
DELETE = (
    """
mutation($id: ID!) { appointmentTypeDelete(id: $id) { %s } }"""
    % FIELDS
)
STORE_TYPES = """
query($id: ID!, $all: Boolean) {
  store(id: $id) { appointmentTypes(includeInactive: $all) { name isActive } }
}"""


@pytest.fixture
def manager_of(permission_manage_products):
    def make(store, role=StoreRole.MANAGER):
        user = User.objects.create_user(
            f"{role}@{store.slug}.example", "password", is_staff=True, is_active=True
        )
        user.user_permissions.add(permission_manage_products)
        StoreMembership.objects.create(user=user, store=store, role=role)
        return ApiClient(user=user)

    return make


def errors(answer):
    return [(e["field"], e["code"]) for e in answer["appointmentErrors"]]


def test_a_manager_creates_updates_and_deletes_a_type(o2o_active, store, manager_of):
    client = manager_of(store)
    created = payload(
        client.post_graphql(
            CREATE,
            {
                "storeId": gid("Store", store.pk),
                "input": {
                    "name": " Fitting ",
                    "description": "Try the new collection.",
                    "durationMinutes": 45,
                    "capacity": 3,
                    "bufferMinutes": 15,
                },
            },
        ),
        "appointmentTypeCreate",
    )
    assert created["appointmentErrors"] == []
    made = created["appointmentType"]
    assert (made["name"], made["durationMinutes"], made["capacity"]) == (
        "Fitting",
        45,
        3,
    )
    assert (made["bookAheadDays"], made["minNoticeMinutes"]) == (30, 60)
    updated = payload(
        client.post_graphql(
            UPDATE, {"id": made["id"], "input": {"capacity": 5, "isActive": False}}
        ),
        "appointmentTypeUpdate",
    )
    assert (updated["appointmentType"]["capacity"], updated["appointmentErrors"]) == (
        5,
        [],
    )
    shopper = ApiClient()
    listed = content(shopper.post_graphql(STORE_TYPES, {"id": gid("Store", store.pk)}))
    assert listed["store"]["appointmentTypes"] == []
    staff_view = content(
        client.post_graphql(STORE_TYPES, {"id": gid("Store", store.pk), "all": True})
    )
    assert staff_view["store"]["appointmentTypes"] == [
        {"name": "Fitting", "isActive": False}
    ]
    deleted = payload(
        client.post_graphql(DELETE, {"id": made["id"]}), "appointmentTypeDelete"
    )
    assert deleted["appointmentErrors"] == []
    assert not AppointmentType.objects.exists()


def test_shoppers_see_the_active_types(o2o_active, store, appointment_type_factory):
    appointment_type_factory(name="Tailoring")
    appointment_type_factory(name="Fitting")
    appointment_type_factory(name="Hidden", is_active=False)
    listed = content(
        ApiClient().post_graphql(
            STORE_TYPES, {"id": gid("Store", store.pk), "all": True}
        )
    )
    assert [t["name"] for t in listed["store"]["appointmentTypes"]] == [
        "Fitting",
        "Tailoring",
    ]


@pytest.mark.parametrize(
    "data, field, code",
    [
        ({}, "name", "REQUIRED"),
        ({"name": ""}, "name", "REQUIRED"),
        ({"name": "x" * 121}, "name", "OUT_OF_RANGE"),
        ({"name": "F", "description": "x" * 2001}, "description", "OUT_OF_RANGE"),
        ({"name": "F", "durationMinutes": 1}, "durationMinutes", "OUT_OF_RANGE"),
        ({"name": "F", "capacity": 0}, "capacity", "OUT_OF_RANGE"),
        ({"name": "F", "bufferMinutes": 241}, "bufferMinutes", "OUT_OF_RANGE"),
        ({"name": "F", "bookAheadDays": 400}, "bookAheadDays", "OUT_OF_RANGE"),
        ({"name": "F", "minNoticeMinutes": -5}, "minNoticeMinutes", "OUT_OF_RANGE"),
        (
            {"name": "F", "changeUntilMinutes": 99999},
            "changeUntilMinutes",
            "OUT_OF_RANGE",
        ),
        ({"name": "F", "isActive": None}, "isActive", "REQUIRED"),
    ],
)
def test_create_refuses_each_bad_input(
    o2o_active, store, manager_of, data, field, code
):
    answer = payload(
        manager_of(store).post_graphql(
            CREATE, {"storeId": gid("Store", store.pk), "input": data}
        ),
        "appointmentTypeCreate",
    )
    assert errors(answer) == [(field, code)]
    assert not AppointmentType.objects.exists()


def test_update_refuses_bad_input_and_changes_nothing(
    o2o_active, store, manager_of, appointment_type
):
    answer = payload(
        manager_of(store).post_graphql(
            UPDATE,
            {
                "id": gid("AppointmentType", appointment_type.pk),
                "input": {"capacity": 9, "durationMinutes": 0},
            },
        ),
        "appointmentTypeUpdate",
    )
    assert errors(answer) == [("durationMinutes", "OUT_OF_RANGE")]
    appointment_type.refresh_from_db()
    assert appointment_type.capacity == 2


def test_bad_ids_are_typed_errors(o2o_active, store, manager_of, appointment_type):
    client = manager_of(store)
    answer = payload(
        client.post_graphql(
            UPDATE, {"id": gid("Store", store.pk), "input": {"capacity": 3}}
        ),
        "appointmentTypeUpdate",
    )
    assert errors(answer) == [("id", "GRAPHQL_ERROR")]
    answer = payload(
        client.post_graphql(DELETE, {"id": gid("AppointmentType", 999999)}),
        "appointmentTypeDelete",
    )
    assert errors(answer) == [("id", "NOT_FOUND")]


def test_a_type_with_upcoming_appointments_is_not_deleted(
    o2o_active, store, manager_of, appointment_type
):
    import datetime as dt

    from django.utils import timezone

    start = timezone.now() + dt.timedelta(days=1)
    appointment_type.appointments.create(
        store=store,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=30),
        email="a@example.com",
        token_hash="x",
        code="ABCDEF",
    )
    answer = payload(
        manager_of(store).post_graphql(
            DELETE, {"id": gid("AppointmentType", appointment_type.pk)}
        ),
        "appointmentTypeDelete",
    )
    assert errors(answer) == [("id", "HAS_APPOINTMENTS")]


def test_another_stores_manager_and_a_clerk_are_refused(
    o2o_active, store, store_factory, manager_of, appointment_type
):
    other = store_factory("Paris Bastille", 48.8532, 2.3692)
    type_id = gid("AppointmentType", appointment_type.pk)
    foreign = manager_of(other)
    answer = payload(
        foreign.post_graphql(UPDATE, {"id": type_id, "input": {"capacity": 9}}),
        "appointmentTypeUpdate",
    )
    assert errors(answer) == [("id", "NOT_FOUND")]
    answer = payload(
        foreign.post_graphql(
            CREATE, {"storeId": gid("Store", store.pk), "input": {"name": "Mine"}}
        ),
        "appointmentTypeCreate",
    )
    assert errors(answer) == [("storeId", "NOT_FOUND")]
    clerk = manager_of(store, role=StoreRole.CLERK)
    answer = payload(
        clerk.post_graphql(DELETE, {"id": type_id}), "appointmentTypeDelete"
    )
    assert errors(answer) == [("id", "PERMISSION_DENIED")]
    appointment_type.refresh_from_db()
    assert appointment_type.capacity == 2


@pytest.mark.parametrize("mutation", ["create", "update", "delete"])
def test_without_manage_products_permission_is_denied(
    o2o_active, store, staff_api_client, user_api_client, appointment_type, mutation
):
    type_id = gid("AppointmentType", appointment_type.pk)
    document, variables = {
        "create": (CREATE, {"storeId": gid("Store", store.pk), "input": {"name": "X"}}),
        "update": (UPDATE, {"id": type_id, "input": {"capacity": 3}}),
        "delete": (DELETE, {"id": type_id}),
    }[mutation]
    for client in (staff_api_client, user_api_client, ApiClient()):
        assert_permission_denied(client.post_graphql(document, variables))
    assert AppointmentType.objects.get().capacity == 2


STORE_LIST_TYPES = (
    "{ stores(first: 20) { edges { node { appointmentTypes { name } } } } }"
)


def test_a_store_list_reads_its_types_in_one_query(
    o2o_active, store, store_factory, appointment_type_factory
):
    """Not one query a store: the types of a whole page of stores come together."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    appointment_type_factory(name="Fitting")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            answer = content(ApiClient().post_graphql(STORE_LIST_TYPES))
        return len(captured.captured_queries), answer

    one, _answer = queries()
    for n in range(4):
        more = store_factory(f"Paris {n}", 48.85 + n / 100, 2.35)
        appointment_type_factory(of_store=more, name=f"Styling {n}")
    five, answer = queries()

    assert five == one
    names = [
        [kind["name"] for kind in edge["node"]["appointmentTypes"]]
        for edge in answer["stores"]["edges"]
    ]
    assert sorted(names) == sorted([["Fitting"]] + [[f"Styling {n}"] for n in range(4)])
