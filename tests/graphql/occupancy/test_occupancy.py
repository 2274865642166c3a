"""storeOccupancyUpdate, storeOccupancySettingsUpdate, Store.occupancy and busyHours."""

import datetime as dt

import pytest
import pytz
from django.contrib.auth.models import Permission
from saleor.account.models import User

from saleor_o2o.occupancy import history
from saleor_o2o.occupancy.models import StoreOccupancy
from saleor_o2o.store.models import AppStore, StoreMembership, StoreRole

from helpers.api import ApiClient, assert_permission_denied, content, gid, payload

UPDATE = """
mutation($storeId: ID!, $delta: Int, $count: Int) {
  storeOccupancyUpdate(storeId: $storeId, delta: $delta, count: $count) {
    occupancy { current capacity level isCrowded }
    occupancyErrors { field code message }
  }
}
"""

SETTINGS = """
mutation($storeId: ID!, $input: StoreOccupancySettingsInput!) {
  storeOccupancySettingsUpdate(storeId: $storeId, input: $input) {
    settings { capacity showNumbers crowdedPercent crowdedSlotCapacity dwellMinutes }
    occupancyErrors { field code }
  }
}
"""

STORE = """
query($id: ID!, $weekday: WeekdayEnum) {
  store(id: $id) {
    occupancy { current capacity level isCrowded }
    busyHours(weekday: $weekday) { weekday hour typicalOccupancy level }
    occupancySettings { capacity showNumbers }
  }
}
"""


def staff_of(store, role, *codenames):
    user = User.objects.create_user(
        f"{role}-{store.slug}@example.com", "password", is_staff=True
    )
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    StoreMembership.objects.create(user=user, store=store, role=role)
    return ApiClient(user=user)


def update(client, store, **variables):
    response = client.post_graphql(
        UPDATE, {"storeId": gid("Store", store.pk), **variables}
    )
    return payload(response, "storeOccupancyUpdate")


def settings(client, store, data):
    response = client.post_graphql(
        SETTINGS, {"storeId": gid("Store", store.pk), "input": data}
    )
    return payload(response, "storeOccupancySettingsUpdate")


@pytest.fixture
def other_store(store_factory):
    return store_factory("Paris Bastille", 48.8532, 2.3692)


def test_a_clerk_counts_people_in_and_out(store, o2o_active):
    clerk = staff_of(store, StoreRole.CLERK, "manage_orders")

    assert update(clerk, store, delta=4)["occupancy"]["current"] == 4
    answer = update(clerk, store, delta=-6)
    assert answer["occupancyErrors"] == []
    assert answer["occupancy"] == {
        "current": 0,
        "capacity": None,
        "level": None,
        "isCrowded": False,
    }
    assert update(clerk, store, count=12)["occupancy"]["current"] == 12


@pytest.mark.parametrize(
    "variables, field, code",
    [
        ({}, "delta", "REQUIRED"),
        ({"delta": 1, "count": 2}, "count", "INVALID"),
        ({"delta": 0}, "delta", "OUT_OF_RANGE"),
        ({"delta": -10001}, "delta", "OUT_OF_RANGE"),
        ({"count": -1}, "count", "OUT_OF_RANGE"),
    ],
)
def test_bad_changes_get_typed_errors(
    staff_api_client, permission_manage_orders, store, variables, field, code
):
    response = staff_api_client.post_graphql(
        UPDATE,
        {"storeId": gid("Store", store.pk), **variables},
        permissions=[permission_manage_orders],
    )
    answer = payload(response, "storeOccupancyUpdate")
    assert [(e["field"], e["code"]) for e in answer["occupancyErrors"]] == [
        (field, code)
    ]
    assert not StoreOccupancy.objects.filter(store=store, current__gt=0).exists()


def test_a_wrong_id_is_a_typed_error(staff_api_client, permission_manage_orders):
    response = staff_api_client.post_graphql(
        UPDATE,
        {"storeId": gid("Order", 1), "delta": 1},
        permissions=[permission_manage_orders],
    )
    [error] = payload(response, "storeOccupancyUpdate")["occupancyErrors"]
    assert (error["field"], error["code"]) == ("storeId", "GRAPHQL_ERROR")


def test_counting_needs_manage_orders(staff_api_client, api_client, store):
    assert_permission_denied(
        staff_api_client.post_graphql(
            UPDATE, {"storeId": gid("Store", store.pk), "delta": 1}
        )
    )
    assert_permission_denied(
        api_client.post_graphql(UPDATE, {"storeId": gid("Store", store.pk), "delta": 1})
    )
    assert not StoreOccupancy.objects.exists()


def test_staff_and_apps_count_only_in_their_stores(store, other_store, app, o2o_active):
    clerk = staff_of(store, StoreRole.CLERK, "manage_orders")
    AppStore.objects.create(app=app, store=store)
    app.permissions.add(Permission.objects.get(codename="manage_orders"))
    app_client = ApiClient(app=app)

    for client in (clerk, app_client):
        [error] = update(client, other_store, delta=1)["occupancyErrors"]
        assert (error["field"], error["code"]) == ("storeId", "NOT_FOUND")
        assert update(client, store, delta=1)["occupancyErrors"] == []
    assert not StoreOccupancy.objects.filter(store=other_store).exists()
    assert StoreOccupancy.objects.get(store=store).current == 2


def test_managers_set_the_settings_clerks_may_not(store, other_store):
    manager = staff_of(store, StoreRole.MANAGER, "manage_products")
    data = {
        "capacity": 30,
        "showNumbers": False,
        "crowdedPercent": 80,
        "crowdedSlotCapacity": 1,
        "dwellMinutes": 25,
    }
    answer = settings(manager, store, data)
    assert answer == {"settings": data, "occupancyErrors": []}

    assert settings(manager, other_store, {"capacity": 5})["occupancyErrors"] == [
        {"field": "storeId", "code": "NOT_FOUND"}
    ]
    clerk = staff_of(store, StoreRole.CLERK, "manage_products")
    assert settings(clerk, store, {"capacity": 5})["occupancyErrors"] == [
        {"field": "storeId", "code": "PERMISSION_DENIED"}
    ]
    assert StoreOccupancy.objects.get(store=store).capacity == 30


@pytest.mark.parametrize(
    "data, field",
    [
        ({"capacity": -1}, "capacity"),
        ({"crowdedPercent": 0}, "crowdedPercent"),
        ({"crowdedSlotCapacity": -2}, "crowdedSlotCapacity"),
        ({"dwellMinutes": 100000}, "dwellMinutes"),
    ],
)
def test_bad_settings_get_typed_errors(
    staff_api_client, permission_manage_products, store, data, field
):
    response = staff_api_client.post_graphql(
        SETTINGS,
        {"storeId": gid("Store", store.pk), "input": data},
        permissions=[permission_manage_products],
    )
    answer = payload(response, "storeOccupancySettingsUpdate")
    assert answer["occupancyErrors"] == [{"field": field, "code": "OUT_OF_RANGE"}]


def test_settings_need_manage_products(staff_api_client, store):
    assert_permission_denied(
        staff_api_client.post_graphql(
            SETTINGS, {"storeId": gid("Store", store.pk), "input": {"capacity": 3}}
        )
    )


def test_shoppers_see_the_level_and_figures_only_if_the_store_shows_them(
    store, api_client, o2o_active
):
    manager = staff_of(store, StoreRole.MANAGER, "manage_products", "manage_orders")
    settings(manager, store, {"capacity": 20, "showNumbers": False})
    update(manager, store, count=15)
    history.samples_add(
        [(store.pk, store.timezone, 19)],
        at=dt.datetime(2026, 3, 28, 10, tzinfo=pytz.utc),  # Saturday 11:00 Paris.
    )
    variables = {"id": gid("Store", store.pk), "weekday": "SATURDAY"}

    shopper = content(api_client.post_graphql(STORE, variables))["store"]
    assert shopper["occupancy"] == {
        "current": None,
        "capacity": None,
        "level": "BUSY",
        "isCrowded": False,
    }
    assert len(shopper["busyHours"]) == 24
    assert shopper["busyHours"][11] == {
        "weekday": "SATURDAY",
        "hour": 11,
        "typicalOccupancy": None,
        "level": "CROWDED",
    }
    assert shopper["busyHours"][10]["level"] is None
    assert shopper["occupancySettings"] is None

    staff = content(manager.post_graphql(STORE, variables))["store"]
    assert staff["occupancy"]["current"] == 15
    assert staff["busyHours"][11]["typicalOccupancy"] == 19.0
    assert staff["occupancySettings"] == {"capacity": 20, "showNumbers": False}


def test_a_store_that_does_not_count_has_no_occupancy(store, api_client, o2o_active):
    answer = content(api_client.post_graphql(STORE, {"id": gid("Store", store.pk)}))
    assert answer["store"]["occupancy"] is None
    assert len(answer["store"]["busyHours"]) == 168
