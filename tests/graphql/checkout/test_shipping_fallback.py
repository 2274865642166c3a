"""The method a checkout falls back on when its own stops applying.

Saleor 2.10 replaces an invalid shipping method by the cheapest valid one when lines
or the shipping address change. Click-and-collect costs nothing in Saleor's tables,
so without `checkout.saleor_alternative` a shopper whose courier stopped applying
would find "Click and collect" chosen for them, with no store.
"""

import pytest
from saleor.checkout.models import Checkout
from saleor.shipping import ShippingMethodType
from saleor.shipping.models import ShippingMethod, ShippingZone
from saleor.warehouse.models import Stock

from saleor_o2o.store.pickup_zone import pickup_method

from helpers.api import gid
from helpers.storefront import client_storefront

LINES_ADD = """
mutation($checkout: ID!, $lines: [CheckoutLineInput]!) {
  checkoutLinesAdd(checkoutId: $checkout, lines: $lines) {
    checkout { shippingMethod { name } }
    checkoutErrors { field code message }
  }
}
"""


def _method(zone, name, price, minimum=0):
    return ShippingMethod.objects.create(
        name=name,
        type=ShippingMethodType.PRICE_BASED,
        shipping_zone=zone,
        price_amount=price,
        minimum_order_price_amount=minimum,
        currency="USD",
    )


@pytest.fixture
def french_shop(settings, site_settings, o2o_active, store_factory, variant):
    """A Paris store offering pickup, in a France zone with a 5 USD courier."""
    settings.DEFAULT_COUNTRY = "FR"
    variant.product.is_published = True
    variant.product.save(update_fields=["is_published"])
    store = store_factory("Paris Marais", 48.8566, 2.3522)
    zone = ShippingZone.objects.create(name="France", countries=["FR"])
    store.warehouse.shipping_zones.add(zone)
    Stock.objects.create(warehouse=store.warehouse, product_variant=variant, quantity=9)
    courier = _method(zone, "Courier", 5)
    assert pickup_method() is not None  # Free in Saleor's table: the cheapest.
    return zone, courier, variant


def _courier_stops_applying(api_client, courier, variant) -> dict:
    """Prepare a checkout with the courier, make the courier need a bigger order
    than the cart, then add a line; return ``checkoutLinesAdd``'s answer."""
    shopper = client_storefront(api_client)
    checkout_id = shopper.checkout_prepare(
        lines=[(variant.pk, 1)], method_id=courier.pk
    )
    assert Checkout.objects.get().shipping_method == courier
    courier.minimum_order_price_amount = 10_000
    courier.save(update_fields=["minimum_order_price_amount"])
    answer = api_client.post_graphql(
        LINES_ADD,
        {
            "checkout": checkout_id,
            "lines": [{"variantId": gid("ProductVariant", variant.pk), "quantity": 1}],
        },
    ).json()
    data = answer["data"]["checkoutLinesAdd"]
    assert data["checkoutErrors"] == []
    return data


def test_no_ordinary_method_left_means_none_chosen_not_click_and_collect(
    api_client, french_shop
):
    _zone, courier, variant = french_shop

    data = _courier_stops_applying(api_client, courier, variant)

    assert data["checkout"]["shippingMethod"] is None
    assert Checkout.objects.get().shipping_method is None


def test_the_cheapest_ordinary_method_is_chosen_before_the_free_pickup(
    api_client, french_shop
):
    zone, courier, variant = french_shop
    express = _method(zone, "Express", 12)

    data = _courier_stops_applying(api_client, courier, variant)

    assert data["checkout"]["shippingMethod"] == {"name": "Express"}
    assert Checkout.objects.get().shipping_method == express


def test_a_method_the_shopper_keeps_is_left_alone(api_client, french_shop):
    _zone, courier, variant = french_shop
    shopper = client_storefront(api_client)
    checkout_id = shopper.checkout_prepare(
        lines=[(variant.pk, 1)], method_id=courier.pk
    )

    answer = api_client.post_graphql(
        LINES_ADD,
        {
            "checkout": checkout_id,
            "lines": [{"variantId": gid("ProductVariant", variant.pk), "quantity": 1}],
        },
    ).json()

    assert answer["data"]["checkoutLinesAdd"]["checkout"]["shippingMethod"] == {
        "name": "Courier"
    }
