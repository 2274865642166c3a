import pytest
from saleor.checkout.models import Checkout
from saleor.warehouse.models import Stock

from saleor_o2o.pickup.models import CheckoutPickup
from saleor_o2o.store.pickup_zone import pickup_method

from helpers.api import gid

MUTATION = """
mutation($checkout: ID!, $store: ID!, $curbside: Boolean) {
  checkoutPickupStoreUpdate(
    checkoutId: $checkout, storeId: $store, curbside: $curbside
  ) {
    checkout {
      token
      shippingMethod { name price { amount } }
      shippingAddress { streetAddress1 city postalCode country { code } }
      pickup { store { name } isCurbside }
    }
    pickupErrors { field code message }
  }
}
"""


@pytest.fixture
def checkout_with_line(variant):
    checkout = Checkout.objects.create(email="shopper@example.com")
    checkout.lines.create(variant=variant, quantity=2)
    return checkout


def choose(client, checkout, store, curbside=False):
    response = client.post_graphql(
        MUTATION,
        {
            "checkout": gid("Checkout", checkout.pk),
            "store": gid("Store", store.pk),
            "curbside": curbside,
        },
    ).json()
    assert "errors" not in response, response["errors"]
    return response["data"]["checkoutPickupStoreUpdate"]


def errors(data):
    return [(e["field"], e["code"]) for e in data["pickupErrors"]]


def test_choose_a_store_to_collect_in(
    api_client, o2o_active, store, variant, checkout_with_line
):
    Stock.objects.create(warehouse=store.warehouse, product_variant=variant, quantity=5)
    data = choose(api_client, checkout_with_line, store)
    assert data["pickupErrors"] == []
    checkout = data["checkout"]
    assert checkout["shippingMethod"] == {
        "name": "Click and collect",
        "price": {"amount": 0.0},
    }
    assert checkout["shippingAddress"]["city"] == store.address.city
    assert checkout["pickup"] == {"store": {"name": store.name}, "isCurbside": False}
    method = pickup_method()
    # The store's warehouse serves the pickup zone, which covers its country.
    assert store.warehouse.shipping_zones.filter(pk=method.shipping_zone_id).exists()
    assert "FR" in [c.code for c in method.shipping_zone.countries]


def test_choosing_again_replaces_the_store(
    api_client, o2o_active, store_factory, variant, checkout_with_line
):
    first = store_factory("First", 48.85, 2.35)
    second = store_factory("Second", 48.86, 2.35, is_curbside=True)
    for store in (first, second):
        Stock.objects.create(
            warehouse=store.warehouse, product_variant=variant, quantity=5
        )
    choose(api_client, checkout_with_line, first)
    data = choose(api_client, checkout_with_line, second, curbside=True)
    assert data["checkout"]["pickup"] == {
        "store": {"name": "Second"},
        "isCurbside": True,
    }
    assert CheckoutPickup.objects.count() == 1


def test_store_short_of_a_line(
    api_client, o2o_active, store, variant, checkout_with_line
):
    Stock.objects.create(warehouse=store.warehouse, product_variant=variant, quantity=1)
    data = choose(api_client, checkout_with_line, store)
    assert errors(data) == [("storeId", "INSUFFICIENT_STOCK")]
    assert not CheckoutPickup.objects.exists()


def test_safety_stock_counts(
    api_client, o2o_active, store, variant, checkout_with_line
):
    Stock.objects.create(warehouse=store.warehouse, product_variant=variant, quantity=3)
    store.pickup_safety_stock = 2
    store.save()
    assert errors(choose(api_client, checkout_with_line, store)) == [
        ("storeId", "INSUFFICIENT_STOCK")
    ]


def test_store_without_click_and_collect(
    api_client, o2o_active, store_factory, variant, checkout_with_line
):
    counter_only = store_factory(
        "Counter only", 48.85, 2.35, is_click_and_collect=False
    )
    data = choose(api_client, checkout_with_line, counter_only)
    assert errors(data) == [("storeId", "SERVICE_NOT_OFFERED")]


def test_curbside_where_not_offered(
    api_client, o2o_active, store, variant, checkout_with_line
):
    Stock.objects.create(warehouse=store.warehouse, product_variant=variant, quantity=5)
    data = choose(api_client, checkout_with_line, store, curbside=True)
    assert errors(data) == [("curbside", "SERVICE_NOT_OFFERED")]


def test_inactive_store_is_not_found(
    api_client, o2o_active, store_factory, variant, checkout_with_line
):
    hidden = store_factory("Hidden", 48.85, 2.35, is_active=False)
    data = choose(api_client, checkout_with_line, hidden)
    assert errors(data) == [("storeId", "NOT_FOUND")]


def test_checkout_without_shippable_lines(api_client, o2o_active, store, variant):
    variant.product.product_type.is_shipping_required = False
    variant.product.product_type.save()
    checkout = Checkout.objects.create(email="shopper@example.com")
    checkout.lines.create(variant=variant, quantity=1)
    data = choose(api_client, checkout, store)
    assert errors(data) == [("checkoutId", "SHIPPING_NOT_REQUIRED")]


def test_unknown_checkout_and_wrong_id_types(api_client, o2o_active, store):
    import uuid

    response = api_client.post_graphql(
        MUTATION,
        {"checkout": gid("Checkout", uuid.uuid4()), "store": gid("Store", store.pk)},
    ).json()["data"]["checkoutPickupStoreUpdate"]
    assert errors(response) == [("checkoutId", "NOT_FOUND")]
    response = api_client.post_graphql(
        MUTATION,
        {"checkout": gid("Checkout", uuid.uuid4()), "store": gid("Product", 1)},
    ).json()["data"]["checkoutPickupStoreUpdate"]
    assert errors(response) == [("checkoutId", "NOT_FOUND")]


def test_disabled_plugin(api_client, store, checkout_with_line):
    data = choose(api_client, checkout_with_line, store)
    assert errors(data) == [(None, "FEATURE_DISABLED")]


PICKUP_OPTIONS = """
query($token: UUID!) {
  checkout(token: $token) {
    pickupOptions(near: {latitude: 48.8566, longitude: 2.3522}, radiusKm: 20) {
      name distanceKm cartSupply { isComplete shortLines { quantityShort } }
    }
  }
}
"""


def test_checkout_lists_its_pickup_options(
    api_client, o2o_active, store_factory, variant, checkout_with_line
):
    near_short = store_factory("Near, short", 48.8570, 2.3500)
    far_full = store_factory("Far, full", 48.8800, 2.3500)
    store_factory("No pickup", 48.8560, 2.3520, is_click_and_collect=False)
    Stock.objects.create(
        warehouse=near_short.warehouse, product_variant=variant, quantity=1
    )
    Stock.objects.create(
        warehouse=far_full.warehouse, product_variant=variant, quantity=9
    )
    response = api_client.post_graphql(
        PICKUP_OPTIONS, {"token": str(checkout_with_line.token)}
    ).json()
    options = response["data"]["checkout"]["pickupOptions"]
    assert [o["name"] for o in options] == ["Far, full", "Near, short"]
    assert options[0]["cartSupply"] == {"isComplete": True, "shortLines": []}
    assert options[1]["cartSupply"]["shortLines"] == [{"quantityShort": 1}]
