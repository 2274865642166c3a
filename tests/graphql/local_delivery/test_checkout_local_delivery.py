"""The storefront's local delivery: options, choosing, the price and the order."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from saleor.order.models import Order
from saleor.payment import ChargeStatus
from saleor.shipping import ShippingMethodType
from saleor.shipping.models import ShippingMethod, ShippingZone
from saleor.warehouse.models import Allocation

from saleor_o2o.core import settings as conf
from saleor_o2o.local_delivery.method import local_delivery_method
from saleor_o2o.local_delivery.models import CheckoutLocalDelivery, LocalDelivery
from saleor_o2o.pickup.models import CheckoutPickup

from helpers.api import gid
from helpers.deliveries import cart, delivering, first_window
from helpers.storefront import (
    BILLING_ADDRESS_UPDATE,
    CHECKOUT_COMPLETE,
    CHECKOUT_CREATE,
    DUMMY_GATEWAY,
    DUMMY_TOKEN,
    PARIS_ADDRESS,
    PAYMENT_CREATE,
    PICKUP_STORE_UPDATE,
    SHIPPING_ADDRESS_UPDATE,
    SHIPPING_METHOD_UPDATE,
)

OPTIONS = """
query($token: UUID!, $days: Int) {
  checkout(token: $token) {
    localDeliveryOptions(days: $days) {
      options {
        store { name }
        distanceKm
        fee { amount currency }
        suppliesWholeCart
        missingLines { variant { sku } quantityShort }
        belowMinimum
        earliestWindow { start end remaining }
        windows { start remaining }
      }
      errors { field code message }
    }
  }
}
"""

UPDATE = """
mutation($checkout: ID!, $store: ID, $window: DateTime!) {
  checkoutLocalDeliveryUpdate(checkoutId: $checkout, storeId: $store, window: $window) {
    checkout {
      shippingMethod { name }
      shippingAddress { postalCode }
      shippingPrice { gross { amount currency } }
      totalPrice { gross { amount currency } }
      localDelivery { store { name } windowStart windowEnd }
    }
    localDeliveryErrors { field code message }
  }
}
"""

METHODS = """
query($token: UUID!) {
  checkout(token: $token) { availableShippingMethods { name price { amount } } }
}
"""


@pytest.fixture
def stores(o2o_active, store_factory, variant):
    """Three stores delivering to Paris 4e by postal code, a fee of 5 + 1/km."""
    short = store_factory("Short", 48.857, 2.352)
    full = store_factory("Full", 48.88, 2.30)
    other = store_factory("Elsewhere", 45.76, 4.83)
    delivering(short, variant, stock=1)
    delivering(full, variant, stock=10)
    delivering(other, variant, postal_codes=["69"])
    return short, full


def options(client, checkout, days=None):
    answer = client.post_graphql(
        OPTIONS, {"token": str(checkout.token), "days": days}
    ).json()
    assert "errors" not in answer, answer["errors"]
    return answer["data"]["checkout"]["localDeliveryOptions"]


def update(client, checkout, window, store=None, checkout_id=None):
    answer = client.post_graphql(
        UPDATE,
        {
            "checkout": checkout_id or gid("Checkout", checkout.pk),
            "store": gid("Store", store.pk) if store is not None else None,
            "window": window.isoformat(),
        },
    ).json()
    assert "errors" not in answer, answer["errors"]
    return answer["data"]["checkoutLocalDeliveryUpdate"]


def errors(payload, key="localDeliveryErrors"):
    return [(e["field"], e["code"]) for e in payload[key]]


def test_options_rank_stores_with_the_whole_cart_first(api_client, stores, variant):
    short, full = stores
    data = options(api_client, cart(variant, 2))
    assert data["errors"] == []
    names = [option["store"]["name"] for option in data["options"]]
    assert names == ["Full", "Short"]  # "Elsewhere" does not deliver to 75004.
    best, worst = data["options"]
    assert best["suppliesWholeCart"] and best["missingLines"] == []
    assert best["fee"] == {"amount": 5.0, "currency": "USD"}  # No distance known.
    assert best["distanceKm"] is None and best["belowMinimum"] is False
    window = first_window(full)
    assert best["earliestWindow"]["start"] == window.start.isoformat()
    assert best["earliestWindow"]["remaining"] == 5
    assert len(best["windows"]) >= 5
    assert worst["suppliesWholeCart"] is False
    assert worst["missingLines"] == [{"variant": {"sku": "SKU-1"}, "quantityShort": 1}]


def test_options_show_the_fee_of_the_cart_as_it_is(api_client, stores, variant):
    assert options(api_client, cart(variant, 3))["options"][0]["fee"]["amount"] == 0.0


@pytest.mark.parametrize("days", [0, 15])
def test_options_days_out_of_bounds(api_client, stores, variant, days):
    data = options(api_client, cart(variant), days=days)
    assert data == {
        "options": [],
        "errors": [
            {
                "field": "days",
                "code": "OUT_OF_RANGE",
                "message": "Delivery windows are shown for 1 to 14 days.",
            }
        ],
    }


def test_options_need_an_address_and_something_to_ship(api_client, stores, variant):
    checkout = cart(variant)
    checkout.shipping_address = None
    checkout.save()
    assert errors(options(api_client, checkout), "errors") == [
        ("shippingAddress", "ADDRESS_REQUIRED")
    ]
    variant.product.product_type.is_shipping_required = False
    variant.product.product_type.save()
    assert errors(options(api_client, cart(variant)), "errors") == [
        ("checkoutId", "SHIPPING_NOT_REQUIRED")
    ]


def test_options_outside_every_area(api_client, stores, variant):
    marseille = dict(
        first_name="Camille",
        last_name="Martin",
        street_address_1="1 La Canebière",
        city="MARSEILLE",
        postal_code="13001",
        country="FR",
    )
    data = options(api_client, cart(variant, address=marseille))
    assert data["options"] == []
    assert errors(data, "errors") == [("shippingAddress", "OUTSIDE_AREA")]


def test_options_while_the_plugin_is_off(api_client, stores, variant, configure_o2o):
    configure_o2o(active=False)
    assert errors(options(api_client, cart(variant)), "errors") == [
        (None, "FEATURE_DISABLED")
    ]


def test_an_address_placed_on_the_map_matches_radius_areas(
    api_client, o2o_active_with_geocoder, store_factory, variant
):
    geocoder = o2o_active_with_geocoder
    geocoder.add("10 Rue de Rivoli", 48.8553, 2.3582)
    radius = store_factory("Radius", 48.8606, 2.3376)
    delivering(radius, variant, postal_codes=(), radius_km=5.0)
    data = options(api_client, cart(variant))
    assert data["errors"] == []
    [option] = data["options"]
    assert option["store"]["name"] == "Radius"
    assert 1.5 < option["distanceKm"] < 1.7
    assert option["fee"]["amount"] == pytest.approx(5 + option["distanceKm"], abs=0.01)


@pytest.mark.parametrize(
    "failure, code", [(None, "PLACE_NOT_FOUND"), (503, "GEOCODING_UNAVAILABLE")]
)
def test_an_address_not_placed_still_matches_postal_codes(
    api_client, o2o_active_with_geocoder, store_factory, variant, failure, code
):
    geocoder = o2o_active_with_geocoder
    if failure:  # For the options, then for the choice.
        geocoder.failures += [failure, failure]
    radius = store_factory("Radius", 48.8606, 2.3376)
    postal = store_factory("Postal", 48.88, 2.30)
    delivering(radius, variant, postal_codes=(), radius_km=5.0)
    delivering(postal, variant)
    data = options(api_client, cart(variant))
    assert [o["store"]["name"] for o in data["options"]] == ["Postal"]
    assert errors(data, "errors") == [("shippingAddress", code)]
    # Choosing the radius store says why it cannot be chosen.
    payload = update(
        api_client, cart(variant), first_window(radius).start, store=radius
    )
    assert errors(payload) == [("shippingAddress", code)]


def test_choose_a_store_and_window(api_client, stores, variant):
    short, full = stores
    checkout = cart(variant, 1)
    window = first_window(full)
    data = update(api_client, checkout, window.start, store=full)
    assert data["localDeliveryErrors"] == []
    chosen = data["checkout"]
    assert chosen["shippingMethod"] == {"name": "Local delivery"}
    assert chosen["shippingAddress"] == {"postalCode": "75004"}
    assert chosen["localDelivery"] == {
        "store": {"name": "Full"},
        "windowStart": window.start.isoformat(),
        "windowEnd": window.end.isoformat(),
    }
    assert chosen["shippingPrice"]["gross"] == {"amount": 5.0, "currency": "USD"}
    assert chosen["totalPrice"]["gross"] == {"amount": 55.0, "currency": "USD"}


def test_without_a_store_the_best_is_chosen(api_client, stores, variant):
    short, full = stores
    data = update(api_client, cart(variant, 2), first_window(full).start)
    assert data["checkout"]["localDelivery"]["store"] == {"name": "Full"}


def test_anyone_holding_the_checkout_may_choose(
    user_api_client, api_client, stores, variant, customer_user
):
    """Saleor's checkout mutations take the checkout's ID, whoever sends them."""
    short, full = stores
    owned = cart(variant, email=customer_user.email)
    owned.user = customer_user
    owned.save()
    window = first_window(full).start
    assert update(api_client, owned, window, store=full)["localDeliveryErrors"] == []
    assert update(user_api_client, owned, window)["localDeliveryErrors"] == []


@pytest.mark.parametrize(
    "case, expected",
    [
        ("outside", ("storeId", "OUTSIDE_AREA")),
        ("below_minimum", ("lines", "BELOW_MINIMUM")),
        ("full", ("window", "WINDOW_FULL")),
        ("past", ("window", "WINDOW_UNAVAILABLE")),
        ("not_a_window", ("window", "WINDOW_UNAVAILABLE")),
        ("short", ("storeId", "INSUFFICIENT_STOCK")),
        ("no_address", ("shippingAddress", "ADDRESS_REQUIRED")),
        ("nothing_to_ship", ("checkoutId", "SHIPPING_NOT_REQUIRED")),
        ("no_delivery", ("storeId", "SERVICE_NOT_OFFERED")),
        ("unknown_checkout", ("checkoutId", "NOT_FOUND")),
        ("wrong_checkout_type", ("checkoutId", "GRAPHQL_ERROR")),
        ("unknown_store", ("storeId", "NOT_FOUND")),
        ("wrong_store_type", ("storeId", "GRAPHQL_ERROR")),
    ],
)
def test_typed_errors(
    api_client,
    stores,
    variant,
    store_factory,
    local_delivery_factory,
    case,
    expected,
):
    short, full = stores
    checkout = cart(variant, 2 if case == "short" else 1)
    store, window = full, first_window(full).start
    checkout_id = None
    if case == "outside":
        store = full.__class__.objects.get(name="Elsewhere")
    elif case == "below_minimum":
        delivering(full, variant, minimum_order_amount=Decimal("80"))
    elif case == "full":
        delivering(full, variant, window_capacity=1)
        local_delivery_factory(from_store=full, window_start=window)
    elif case == "past":
        window = timezone.now() - timedelta(minutes=5)
    elif case == "not_a_window":
        window += timedelta(minutes=30)
    elif case == "short":
        store = short
    elif case == "no_address":
        checkout.shipping_address = None
        checkout.save()
    elif case == "nothing_to_ship":
        variant.product.product_type.is_shipping_required = False
        variant.product.product_type.save()
    elif case == "no_delivery":
        store = store_factory("Counter only", 48.86, 2.34)
    elif case == "unknown_checkout":
        checkout_id = gid("Checkout", uuid.uuid4())
    elif case == "wrong_checkout_type":
        checkout_id = gid("Store", full.pk)
    elif case == "unknown_store":
        store = full.__class__(pk=full.pk + 1000)
    elif case == "wrong_store_type":
        store = None
        answer = api_client.post_graphql(
            UPDATE,
            {
                "checkout": gid("Checkout", checkout.pk),
                "store": gid("Checkout", checkout.pk),
                "window": window.isoformat(),
            },
        ).json()
        assert errors(answer["data"]["checkoutLocalDeliveryUpdate"]) == [expected]
        return
    data = update(api_client, checkout, window, store=store, checkout_id=checkout_id)
    assert errors(data) == [expected]
    assert data["checkout"] is None
    assert not CheckoutLocalDelivery.objects.exists()


def test_update_while_the_plugin_is_off(api_client, stores, variant, configure_o2o):
    configure_o2o(active=False)
    short, full = stores
    data = update(api_client, cart(variant), first_window(full).start, store=full)
    assert errors(data) == [(None, "FEATURE_DISABLED")]


def test_local_delivery_is_listed_only_if_the_shop_says_so(
    api_client, stores, variant, configure_o2o, site_settings
):
    short, full = stores
    checkout = cart(variant, 1)

    def listed():
        answer = api_client.post_graphql(METHODS, {"token": str(checkout.token)})
        methods = answer.json()["data"]["checkout"]["availableShippingMethods"]
        return [m for m in methods if m["name"] == "Local delivery"]

    assert local_delivery_method() is not None
    assert listed() == []
    configure_o2o(
        active=True,
        **{conf.GEOCODER_PROVIDER: "none", conf.LOCAL_DELIVERY_LISTED: True},
    )
    # At the fee of the best store for this cart.
    assert listed() == [{"name": "Local delivery", "price": {"amount": 5.0}}]


def test_saleor_method_update_refuses_unlisted_local_delivery(
    api_client, stores, variant
):
    checkout = cart(variant)
    answer = api_client.post_graphql(
        SHIPPING_METHOD_UPDATE,
        {
            "checkout": gid("Checkout", checkout.pk),
            "method": gid("ShippingMethod", local_delivery_method().pk),
        },
    ).json()
    data = answer["data"]["checkoutShippingMethodUpdate"]
    assert errors(data, "checkoutErrors") == [
        ("shippingMethod", "SHIPPING_METHOD_NOT_APPLICABLE")
    ]


def test_another_method_or_a_pickup_store_drops_the_choice(api_client, stores, variant):
    short, full = stores
    zone = ShippingZone.objects.create(name="France", countries=["FR"])
    courier = ShippingMethod.objects.create(
        name="Courier",
        type=ShippingMethodType.PRICE_BASED,
        shipping_zone=zone,
        price_amount=7,
        minimum_order_price_amount=0,
        currency="USD",
    )
    checkout = cart(variant)
    update(api_client, checkout, first_window(full).start, store=full)
    answer = api_client.post_graphql(
        SHIPPING_METHOD_UPDATE,
        {
            "checkout": gid("Checkout", checkout.pk),
            "method": gid("ShippingMethod", courier.pk),
        },
    ).json()["data"]["checkoutShippingMethodUpdate"]
    assert answer["checkoutErrors"] == []
    assert answer["checkout"]["totalPrice"]["gross"]["amount"] == 57.0
    assert not CheckoutLocalDelivery.objects.exists()

    update(api_client, checkout, first_window(full).start, store=full)
    answer = api_client.post_graphql(
        PICKUP_STORE_UPDATE,
        {"checkout": gid("Checkout", checkout.pk), "store": gid("Store", full.pk)},
    ).json()["data"]["checkoutPickupStoreUpdate"]
    assert answer["pickupErrors"] == []
    assert not CheckoutLocalDelivery.objects.exists()
    assert CheckoutPickup.objects.count() == 1


def post(client, query, variables, name, errors_key="checkoutErrors"):
    answer = client.post_graphql(query, variables).json()
    assert "errors" not in answer, answer["errors"]
    payload = answer["data"][name]
    assert payload[errors_key] == [], payload[errors_key]
    return payload


def test_storefront_flow_to_an_order_delivered_from_the_chosen_store(
    api_client, stores, variant, settings, site_settings
):
    """checkoutCreate, address, options, choice, payment, checkoutComplete."""
    settings.DEFAULT_COUNTRY = "FR"
    product = variant.product
    product.is_published = True
    product.save(update_fields=["is_published"])
    short, full = stores
    created = post(
        api_client,
        CHECKOUT_CREATE,
        {
            "input": {
                "email": "shopper@example.com",
                "lines": [
                    {"variantId": gid("ProductVariant", variant.pk), "quantity": 2}
                ],
            }
        },
        "checkoutCreate",
    )
    checkout_id, token = created["checkout"]["id"], created["checkout"]["token"]
    post(
        api_client,
        SHIPPING_ADDRESS_UPDATE,
        {"checkout": checkout_id, "address": PARIS_ADDRESS},
        "checkoutShippingAddressUpdate",
    )
    post(
        api_client,
        BILLING_ADDRESS_UPDATE,
        {"checkout": checkout_id, "address": PARIS_ADDRESS},
        "checkoutBillingAddressUpdate",
    )
    answer = api_client.post_graphql(OPTIONS, {"token": token}).json()
    offered = answer["data"]["checkout"]["localDeliveryOptions"]["options"]
    best = offered[0]
    assert best["store"]["name"] == "Full"
    chosen = post(
        api_client,
        UPDATE,
        {"checkout": checkout_id, "window": best["earliestWindow"]["start"]},
        "checkoutLocalDeliveryUpdate",
        errors_key="localDeliveryErrors",
    )["checkout"]
    total = chosen["totalPrice"]["gross"]
    assert total == {"amount": 105.0, "currency": "USD"}
    post(
        api_client,
        PAYMENT_CREATE,
        {
            "checkout": checkout_id,
            "input": {
                "gateway": DUMMY_GATEWAY,
                "token": DUMMY_TOKEN,
                "amount": total["amount"],
            },
        },
        "checkoutPaymentCreate",
        errors_key="paymentErrors",
    )
    completed = post(
        api_client, CHECKOUT_COMPLETE, {"checkout": checkout_id}, "checkoutComplete"
    )
    assert completed["order"]["total"]["gross"] == total
    order = Order.objects.get(checkout_token=token)
    assert order.shipping_method_name == "Local delivery"
    assert order.shipping_price_gross.amount == Decimal("5.00")
    assert order.shipping_address.postal_code == "75004"
    assert list(
        Allocation.objects.filter(order_line__order=order).values_list(
            "stock__warehouse", "quantity_allocated"
        )
    ) == [(full.warehouse_id, 2)]
    delivery = LocalDelivery.objects.get(order=order)
    assert delivery.store == full
    assert delivery.window_start.isoformat() == best["earliestWindow"]["start"]
    assert order.payments.get().charge_status == ChargeStatus.FULLY_CHARGED


def test_listed_method_chosen_through_saleor_is_delivered_by_the_best_store(
    api_client, stores, variant, settings, site_settings, configure_o2o
):
    configure_o2o(
        active=True,
        **{conf.GEOCODER_PROVIDER: "none", conf.LOCAL_DELIVERY_LISTED: True},
    )
    short, full = stores
    checkout = cart(variant, 2)
    checkout_id = gid("Checkout", checkout.pk)
    method = post(
        api_client,
        SHIPPING_METHOD_UPDATE,
        {
            "checkout": checkout_id,
            "method": gid("ShippingMethod", local_delivery_method().pk),
        },
        "checkoutShippingMethodUpdate",
    )
    total = method["checkout"]["totalPrice"]["gross"]
    assert total == {"amount": 105.0, "currency": "USD"}
    checkout.billing_address = checkout.shipping_address.get_copy()
    checkout.save(update_fields=["billing_address"])
    post(
        api_client,
        PAYMENT_CREATE,
        {
            "checkout": checkout_id,
            "input": {"gateway": DUMMY_GATEWAY, "token": DUMMY_TOKEN, "amount": 105},
        },
        "checkoutPaymentCreate",
        errors_key="paymentErrors",
    )
    post(api_client, CHECKOUT_COMPLETE, {"checkout": checkout_id}, "checkoutComplete")
    delivery = LocalDelivery.objects.get()
    assert delivery.store == full
    assert delivery.window_start == first_window(full).start  # The earliest.
    assert delivery.order.shipping_price_gross.amount == Decimal("5.00")
