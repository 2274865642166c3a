"""storeDeliveryAreaUpdate and the store's deliveryArea / deliveryWindows fields."""

import json

import pytest
from saleor.account.models import User

from saleor_o2o.local_delivery import areas
from saleor_o2o.local_delivery.models import DeliveryArea, DeliveryPostalCode
from saleor_o2o.store.models import StoreMembership, StoreRole

from helpers.api import ApiClient, assert_permission_denied, content, gid, payload

AREA_FIELDS = """
deliveryArea {
  isActive radiusKm postalCodes { country { code } prefixes }
  minimumOrder { amount currency } feeBase { amount } feePerKm { amount }
  freeAbove { amount } leadTimeMinutes windowMinutes windowCapacity
}
"""

UPDATE = (
    """
mutation($storeId: ID!, $input: DeliveryAreaInput!) {
  storeDeliveryAreaUpdate(storeId: $storeId, input: $input) {
    store { id %s }
    localDeliveryErrors { field code message }
  }
}
"""
    % AREA_FIELDS
)

STORE = (
    """
query($id: ID!, $days: Int) {
  store(id: $id) { %s deliveryWindows(days: $days) { start end capacity remaining } }
}
"""
    % AREA_FIELDS
)

FULL_INPUT = {
    "isActive": True,
    "radiusKm": 8.5,
    "postalCodes": [
        {"country": "FR", "prefixes": ["75 001", "92-100"]},
        {"country": "BE", "prefixes": ["1000"]},
        {"country": "FR", "prefixes": ["93"]},
    ],
    "minimumOrder": "20",
    "feeBase": "3.5",
    "feePerKm": "0.4",
    "freeAbove": "80",
    "leadTimeMinutes": 90,
    "windowMinutes": 60,
    "windowCapacity": 3,
}


def update(client, store, data, **kwargs):
    response = client.post_graphql(
        UPDATE, {"storeId": gid("Store", store.pk), "input": data}, **kwargs
    )
    return payload(response, "storeDeliveryAreaUpdate")


def error_of(answer):
    [error] = answer["localDeliveryErrors"]
    return error["field"], error["code"]


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


def test_a_store_gets_its_delivery_area(
    staff_api_client, permission_manage_products, store
):
    answer = update(
        staff_api_client, store, FULL_INPUT, permissions=[permission_manage_products]
    )

    assert answer["localDeliveryErrors"] == []
    area = answer["store"]["deliveryArea"]
    assert area["radiusKm"] == 8.5
    assert area["postalCodes"] == [
        {"country": {"code": "BE"}, "prefixes": ["1000"]},
        {"country": {"code": "FR"}, "prefixes": ["75001", "92100", "93"]},
    ]
    assert area["minimumOrder"] == {"amount": 20.0, "currency": "USD"}
    assert (area["feeBase"], area["feePerKm"], area["freeAbove"]) == (
        {"amount": 3.5},
        {"amount": 0.4},
        {"amount": 80.0},
    )
    assert (
        area["leadTimeMinutes"],
        area["windowMinutes"],
        area["windowCapacity"],
        area["isActive"],
    ) == (90, 60, 3, True)


def test_fields_left_out_keep_their_value_and_codes_given_replace(
    staff_api_client, permission_manage_products, store
):
    update(
        staff_api_client, store, FULL_INPUT, permissions=[permission_manage_products]
    )

    answer = update(
        staff_api_client,
        store,
        {"postalCodes": [{"country": "FR", "prefixes": ["94"]}], "freeAbove": None},
    )

    area = answer["store"]["deliveryArea"]
    assert area["postalCodes"] == [{"country": {"code": "FR"}, "prefixes": ["94"]}]
    assert area["freeAbove"] is None
    assert area["radiusKm"] == 8.5 and area["feeBase"] == {"amount": 3.5}

    answer = update(staff_api_client, store, {"radiusKm": None, "postalCodes": []})
    assert error_of(answer) == ("radiusKm", "REQUIRED")
    assert DeliveryPostalCode.objects.filter(area__store=store).count() == 1


@pytest.mark.parametrize(
    "data, field, code",
    [
        ({"radiusKm": 0}, "radiusKm", "OUT_OF_RANGE"),
        ({"radiusKm": areas.MAX_RADIUS_KM + 1}, "radiusKm", "OUT_OF_RANGE"),
        ({"radiusKm": None, "postalCodes": None}, "radiusKm", "REQUIRED"),
        (
            {"postalCodes": [{"country": "FR", "prefixes": ["75#"]}]},
            "postalCodes",
            "INVALID",
        ),
        (
            {"postalCodes": [{"country": "FR", "prefixes": [""]}]},
            "postalCodes",
            "INVALID",
        ),
        (
            {"postalCodes": [{"country": "FR", "prefixes": ["1" * 21]}]},
            "postalCodes",
            "INVALID",
        ),
        (
            {
                "postalCodes": [
                    {
                        "country": "FR",
                        "prefixes": [str(n) for n in range(areas.MAX_POSTAL_CODES + 1)],
                    }
                ]
            },
            "postalCodes",
            "OUT_OF_RANGE",
        ),
        ({"minimumOrder": "-1"}, "minimumOrder", "OUT_OF_RANGE"),
        ({"minimumOrder": None}, "minimumOrder", "REQUIRED"),
        ({"feeBase": "1000000000"}, "feeBase", "OUT_OF_RANGE"),
        ({"feePerKm": "-0.01"}, "feePerKm", "OUT_OF_RANGE"),
        ({"freeAbove": "-5"}, "freeAbove", "OUT_OF_RANGE"),
        ({"leadTimeMinutes": -1}, "leadTimeMinutes", "OUT_OF_RANGE"),
        ({"leadTimeMinutes": 7 * 24 * 60 + 1}, "leadTimeMinutes", "OUT_OF_RANGE"),
        ({"leadTimeMinutes": None}, "leadTimeMinutes", "REQUIRED"),
        ({"windowMinutes": 4}, "windowMinutes", "OUT_OF_RANGE"),
        ({"windowMinutes": 481}, "windowMinutes", "OUT_OF_RANGE"),
        ({"windowCapacity": 0}, "windowCapacity", "OUT_OF_RANGE"),
        ({"isActive": None}, "isActive", "REQUIRED"),
    ],
)
def test_bad_input_is_refused_with_a_typed_error(
    staff_api_client, permission_manage_products, store, data, field, code
):
    update(
        staff_api_client,
        store,
        {"radiusKm": 5, "postalCodes": [{"country": "FR", "prefixes": ["75"]}]},
        permissions=[permission_manage_products],
    )
    before = DeliveryArea.objects.values().get(store=store)

    answer = update(staff_api_client, store, data)

    assert error_of(answer) == (field, code)
    assert answer["store"] is None
    assert DeliveryArea.objects.values().get(store=store) == before
    assert list(
        DeliveryPostalCode.objects.filter(area__store=store).values_list("prefix")
    ) == [("75",)]


def test_a_new_area_needs_a_radius_or_postal_codes(
    staff_api_client, permission_manage_products, store
):
    answer = update(
        staff_api_client,
        store,
        {"feeBase": "2"},
        permissions=[permission_manage_products],
    )
    assert error_of(answer) == ("radiusKm", "REQUIRED")
    assert not DeliveryArea.objects.exists()


@pytest.mark.parametrize(
    "store_id, code",
    [("not an id", "GRAPHQL_ERROR"), (gid("Pickup", 1), "GRAPHQL_ERROR")],
)
def test_bad_store_ids_are_typed(
    staff_api_client, permission_manage_products, store, store_id, code
):
    response = staff_api_client.post_graphql(
        UPDATE,
        {"storeId": store_id, "input": {"radiusKm": 5}},
        permissions=[permission_manage_products],
    )
    answer = payload(response, "storeDeliveryAreaUpdate")
    assert error_of(answer) == ("storeId", code)


def test_an_unknown_store_is_not_found(staff_api_client, permission_manage_products):
    response = staff_api_client.post_graphql(
        UPDATE,
        {"storeId": gid("Store", 999), "input": {"radiusKm": 5}},
        permissions=[permission_manage_products],
    )
    answer = payload(response, "storeDeliveryAreaUpdate")
    assert error_of(answer) == ("storeId", "NOT_FOUND")


def test_without_permission_nothing_changes(staff_api_client, api_client, store):
    for client in (staff_api_client, api_client):
        response = client.post_graphql(
            UPDATE, {"storeId": gid("Store", store.pk), "input": {"radiusKm": 5}}
        )
        assert_permission_denied(response)
    assert not DeliveryArea.objects.exists()


def test_managers_set_their_own_stores_only(store, store_factory, manager_of):
    lyon = store_factory("Lyon Bellecour", 45.7578, 4.8320, city="Lyon")
    manager = manager_of(store)

    assert update(manager, store, {"radiusKm": 5})["localDeliveryErrors"] == []
    assert error_of(update(manager, lyon, {"radiusKm": 5})) == ("storeId", "NOT_FOUND")
    clerk = manager_of(lyon, role=StoreRole.CLERK)
    assert error_of(update(clerk, lyon, {"radiusKm": 5})) == (
        "storeId",
        "PERMISSION_DENIED",
    )
    assert list(DeliveryArea.objects.values_list("store_id", flat=True)) == [store.pk]


def test_shoppers_see_the_area_and_its_windows(
    o2o_active, api_client, store, delivery_area_factory
):
    delivery_area_factory(
        store,
        radius_km=4,
        fee_base_amount="2.5",
        window_minutes=120,
        window_capacity=2,
        postal_codes={"FR": ["75001"]},
    )

    data = content(api_client.post_graphql(STORE, {"id": gid("Store", store.pk)}))

    assert data["store"]["deliveryArea"]["feeBase"] == {"amount": 2.5}
    windows = data["store"]["deliveryWindows"]
    assert windows, "a store open six days a week has windows this week"
    assert all(w["capacity"] == 2 for w in windows)
    assert {w["remaining"] for w in windows} == {2}


def test_a_store_without_an_area_has_no_windows(o2o_active, api_client, store):
    data = content(
        api_client.post_graphql(STORE, {"id": gid("Store", store.pk), "days": 3})
    )
    assert data["store"]["deliveryArea"] is None
    assert data["store"]["deliveryWindows"] == []


def test_days_out_of_range_are_refused(
    o2o_active, api_client, store, delivery_area_factory
):
    delivery_area_factory(store)
    response = api_client.post_graphql(
        STORE, {"id": gid("Store", store.pk), "days": 15}
    )
    body = json.loads(response.content)
    [error] = body["errors"]
    assert (error["extensions"]["code"], error["extensions"]["field"]) == (
        "OUT_OF_RANGE",
        "days",
    )
