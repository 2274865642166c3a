import graphene
import pytest
from saleor.account.models import Address
from saleor.warehouse.models import Stock, Warehouse

from saleor_o2o.store.models import GeocodingStatus, Store

from helpers.api import assert_permission_denied

STORE_CREATE = """
mutation StoreCreate($input: StoreCreateInput!) {
  storeCreate(input: $input) {
    store {
      id name slug latitude longitude timezone services pickupLeadTimeMinutes
      isActive address { city postalCode country { code } }
      warehouse { id name slug }
      openingHours { weekday opens closes closesNextDay }
      openingHoursExceptions { date name isClosed intervals { opens closes } }
      geocodingStatus
    }
    storeErrors { field code message }
  }
}
"""

STORE_UPDATE = """
mutation StoreUpdate($id: ID!, $input: StoreUpdateInput!) {
  storeUpdate(id: $id, input: $input) {
    store { id name slug latitude longitude isActive services address { city } }
    storeErrors { field code message }
  }
}
"""

STORE_DELETE = """
mutation StoreDelete($id: ID!) {
  storeDelete(id: $id) {
    store { id name }
    storeErrors { field code message }
  }
}
"""

ADDRESS = {
    "streetAddress1": "1 Rue de Rivoli",
    "city": "Paris",
    "postalCode": "75001",
    "country": "FR",
}


def create_input(**overrides):
    data = {
        "name": "Paris Rivoli",
        "address": ADDRESS,
        "latitude": 48.8606,
        "longitude": 2.3376,
        "timezone": "Europe/Paris",
        "openingHours": [
            {"weekday": "MONDAY", "opens": "09:00", "closes": "13:00"},
            {"weekday": "MONDAY", "opens": "14:00", "closes": "19:00"},
            {
                "weekday": "FRIDAY",
                "opens": "22:00",
                "closes": "02:00",
                "closesNextDay": True,
            },
        ],
        "openingHoursExceptions": [{"date": "2099-12-25", "name": "Christmas"}],
        "services": ["CLICK_AND_COLLECT", "CURBSIDE"],
        "pickupLeadTimeMinutes": 45,
    }
    data.update(overrides)
    return data


def _errors(content, mutation):
    return content["data"][mutation]["storeErrors"]


def test_store_create(staff_api_client, permission_manage_products):
    response = staff_api_client.post_graphql(
        STORE_CREATE,
        {"input": create_input()},
        permissions=[permission_manage_products],
    )
    content = response.json()["data"]["storeCreate"]
    assert content["storeErrors"] == []
    data = content["store"]
    assert data["name"] == "Paris Rivoli"
    assert data["slug"] == "paris-rivoli"
    assert data["services"] == ["CLICK_AND_COLLECT", "CURBSIDE"]
    assert data["pickupLeadTimeMinutes"] == 45
    assert data["geocodingStatus"] == "MANUAL"
    assert data["address"]["country"]["code"] == "FR"
    assert data["openingHours"] == [
        {
            "weekday": "MONDAY",
            "opens": "09:00:00",
            "closes": "13:00:00",
            "closesNextDay": False,
        },
        {
            "weekday": "MONDAY",
            "opens": "14:00:00",
            "closes": "19:00:00",
            "closesNextDay": False,
        },
        {
            "weekday": "FRIDAY",
            "opens": "22:00:00",
            "closes": "02:00:00",
            "closesNextDay": True,
        },
    ]
    assert data["openingHoursExceptions"] == [
        {"date": "2099-12-25", "name": "Christmas", "isClosed": True, "intervals": []}
    ]
    store = Store.objects.get()
    # The store is backed by a Saleor warehouse of the same name and slug.
    assert store.warehouse.name == "Paris Rivoli"
    assert store.warehouse.slug == "paris-rivoli"
    assert data["warehouse"]["slug"] == "paris-rivoli"


def test_store_create_as_app(app_api_client, permission_manage_products):
    response = app_api_client.post_graphql(
        STORE_CREATE,
        {"input": create_input()},
        permissions=[permission_manage_products],
    )
    assert _errors(response.json(), "storeCreate") == []
    assert Store.objects.count() == 1


def test_store_create_no_permission(staff_api_client, api_client):
    for client in (staff_api_client, api_client):
        response = client.post_graphql(STORE_CREATE, {"input": create_input()})
        assert_permission_denied(response)
    assert Store.objects.count() == 0


@pytest.mark.parametrize(
    "overrides, field, code",
    [
        ({"latitude": 91.0}, "latitude", "OUT_OF_RANGE"),
        ({"longitude": -180.5}, "longitude", "OUT_OF_RANGE"),
        ({"latitude": None, "longitude": 2.3}, "latitude", "REQUIRED"),
        ({"timezone": "Europe/Atlantis"}, "timezone", "INVALID_TIMEZONE"),
        (
            {
                "openingHours": [
                    {"weekday": "MONDAY", "opens": "19:00", "closes": "09:00"}
                ]
            },
            "openingHours",
            "INVALID_INTERVAL",
        ),
        (
            {
                "openingHours": [
                    {"weekday": "MONDAY", "opens": "09:00", "closes": "13:00"},
                    {"weekday": "MONDAY", "opens": "12:00", "closes": "18:00"},
                ]
            },
            "openingHours",
            "OVERLAPPING_INTERVALS",
        ),
        (
            {
                "openingHoursExceptions": [
                    {"date": "2099-01-01"},
                    {
                        "date": "2099-01-01",
                        "intervals": [{"opens": "10:00", "closes": "12:00"}],
                    },
                ]
            },
            "openingHoursExceptions",
            "DUPLICATE_DATE",
        ),
        ({"pickupLeadTimeMinutes": -5}, "pickupLeadTimeMinutes", "OUT_OF_RANGE"),
        ({"email": "not-an-address"}, "email", "INVALID"),
        ({"phone": "+33 12"}, "phone", "INVALID"),
        ({"name": "  "}, "name", "REQUIRED"),
        ({"slug": "Not A Slug"}, "slug", "INVALID"),
        (
            {"address": {**ADDRESS, "postalCode": "ABCDE"}},
            "address.postalCode",
            "INVALID",
        ),
        ({"address": {"city": "Paris"}}, "address.country", "REQUIRED"),
    ],
)
def test_store_create_bad_input(
    staff_api_client, permission_manage_products, overrides, field, code
):
    response = staff_api_client.post_graphql(
        STORE_CREATE,
        {"input": create_input(**overrides)},
        permissions=[permission_manage_products],
    )
    assert response.status_code == 200
    errors = _errors(response.json(), "storeCreate")
    assert [(e["field"], e["code"]) for e in errors] == [(field, code)], errors
    assert errors[0]["message"]
    # Nothing half-written: no store, warehouse or address left behind.
    assert Store.objects.count() == 0
    assert Warehouse.objects.count() == 0
    assert Address.objects.count() == 0


def test_store_create_duplicate_slug(
    staff_api_client, permission_manage_products, store
):
    response = staff_api_client.post_graphql(
        STORE_CREATE,
        {"input": create_input(slug=store.slug)},
        permissions=[permission_manage_products],
    )
    errors = _errors(response.json(), "storeCreate")
    assert [(e["field"], e["code"]) for e in errors] == [("slug", "UNIQUE")]


def test_store_create_derives_a_free_slug(
    staff_api_client, permission_manage_products, store
):
    response = staff_api_client.post_graphql(
        STORE_CREATE,
        {"input": create_input(name=store.name)},
        permissions=[permission_manage_products],
    )
    data = response.json()["data"]["storeCreate"]
    assert data["storeErrors"] == []
    assert data["store"]["slug"] == f"{store.slug}-2"


def test_store_update(staff_api_client, permission_manage_products, store):
    store_id = graphene.Node.to_global_id("Store", store.pk)
    response = staff_api_client.post_graphql(
        STORE_UPDATE,
        {
            "id": store_id,
            "input": {
                "name": "Paris Opéra",
                "latitude": 48.8719,
                "longitude": 2.3316,
                "isActive": False,
                "services": ["CURBSIDE"],
                "address": {"city": "Paris", "postalCode": "75009", "country": "FR"},
            },
        },
        permissions=[permission_manage_products],
    )
    data = response.json()["data"]["storeUpdate"]
    assert data["storeErrors"] == []
    assert data["store"]["name"] == "Paris Opéra"
    assert data["store"]["isActive"] is False
    assert data["store"]["services"] == ["CURBSIDE"]
    store.refresh_from_db()
    assert (store.latitude, store.longitude) == (48.8719, 2.3316)
    assert store.warehouse.name == "Paris Opéra"
    assert store.warehouse.address.postal_code == "75009"
    # The street was kept: an address update changes only the fields given.
    assert store.warehouse.address.street_address_1 == "1 Rue de Test"


def test_store_update_keeps_hours_unless_given(
    staff_api_client, permission_manage_products, store
):
    before = store.opening_hours
    staff_api_client.post_graphql(
        STORE_UPDATE,
        {"id": graphene.Node.to_global_id("Store", store.pk), "input": {"name": "X"}},
        permissions=[permission_manage_products],
    )
    store.refresh_from_db()
    assert store.opening_hours == before


def test_store_update_unknown_id(staff_api_client, permission_manage_products, store):
    missing = graphene.Node.to_global_id("Store", store.pk + 1000)
    response = staff_api_client.post_graphql(
        STORE_UPDATE,
        {"id": missing, "input": {"name": "X"}},
        permissions=[permission_manage_products],
    )
    errors = _errors(response.json(), "storeUpdate")
    assert [(e["field"], e["code"]) for e in errors] == [("id", "NOT_FOUND")]


def test_store_update_id_of_another_type(
    staff_api_client, permission_manage_products, store
):
    wrong = graphene.Node.to_global_id("Warehouse", store.warehouse_id)
    response = staff_api_client.post_graphql(
        STORE_UPDATE,
        {"id": wrong, "input": {"name": "X"}},
        permissions=[permission_manage_products],
    )
    errors = _errors(response.json(), "storeUpdate")
    assert [(e["field"], e["code"]) for e in errors] == [("id", "GRAPHQL_ERROR")]


def test_store_update_bad_input_changes_nothing(
    staff_api_client, permission_manage_products, store
):
    response = staff_api_client.post_graphql(
        STORE_UPDATE,
        {
            "id": graphene.Node.to_global_id("Store", store.pk),
            "input": {"name": "Renamed", "latitude": 100, "longitude": 2},
        },
        permissions=[permission_manage_products],
    )
    errors = _errors(response.json(), "storeUpdate")
    assert [(e["field"], e["code"]) for e in errors] == [("latitude", "OUT_OF_RANGE")]
    store.refresh_from_db()
    assert store.name == "Paris Louvre"


def test_store_update_no_permission(staff_api_client, store):
    response = staff_api_client.post_graphql(
        STORE_UPDATE,
        {"id": graphene.Node.to_global_id("Store", store.pk), "input": {"name": "X"}},
    )
    assert_permission_denied(response)
    store.refresh_from_db()
    assert store.name == "Paris Louvre"


def test_store_delete(staff_api_client, permission_manage_products, store):
    warehouse_id, address_id = store.warehouse_id, store.warehouse.address_id
    response = staff_api_client.post_graphql(
        STORE_DELETE,
        {"id": graphene.Node.to_global_id("Store", store.pk)},
        permissions=[permission_manage_products],
    )
    data = response.json()["data"]["storeDelete"]
    assert data["storeErrors"] == []
    assert data["store"]["name"] == "Paris Louvre"
    assert not Store.objects.exists()
    assert not Warehouse.objects.filter(pk=warehouse_id).exists()
    assert not Address.objects.filter(pk=address_id).exists()


def test_store_delete_refused_while_stock_is_allocated(
    staff_api_client, permission_manage_products, store, order_line_allocated_in
):
    order_line_allocated_in(store)
    response = staff_api_client.post_graphql(
        STORE_DELETE,
        {"id": graphene.Node.to_global_id("Store", store.pk)},
        permissions=[permission_manage_products],
    )
    errors = _errors(response.json(), "storeDelete")
    assert [(e["field"], e["code"]) for e in errors] == [
        ("id", "STORE_HAS_ALLOCATIONS")
    ]
    assert Store.objects.filter(pk=store.pk).exists()
    assert Stock.objects.filter(warehouse=store.warehouse).exists()


def test_store_delete_no_permission(staff_api_client, store):
    response = staff_api_client.post_graphql(
        STORE_DELETE, {"id": graphene.Node.to_global_id("Store", store.pk)}
    )
    assert_permission_denied(response)
    assert Store.objects.filter(pk=store.pk).exists()


def test_store_create_without_coordinates_is_queued_for_geocoding(
    staff_api_client, permission_manage_products
):
    response = staff_api_client.post_graphql(
        STORE_CREATE,
        {"input": create_input(latitude=None, longitude=None)},
        permissions=[permission_manage_products],
    )
    data = response.json()["data"]["storeCreate"]
    assert data["storeErrors"] == []
    assert data["store"]["latitude"] is None
    # Saved as pending; the Celery task is queued when the transaction commits.
    assert Store.objects.get().geocoding_status == GeocodingStatus.PENDING
