"""Local delivery attacked as a hostile client would: bad input, money paths."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from saleor.account.models import Address
from saleor.order.models import Order

from saleor_o2o.local_delivery.models import CheckoutLocalDelivery

from helpers.api import gid
from helpers.deliveries import ADDRESS, cart, delivering, first_window
from helpers.storefront import (
    CHECKOUT_COMPLETE,
    DUMMY_GATEWAY,
    DUMMY_TOKEN,
    PAYMENT_CREATE,
)

UPDATE = """
mutation($checkout: ID!, $store: ID, $window: DateTime!) {
  checkoutLocalDeliveryUpdate(checkoutId: $checkout, storeId: $store, window: $window) {
    checkout { totalPrice { gross { amount } } }
    localDeliveryErrors { field code message }
  }
}
"""

LINES_UPDATE = """
mutation($checkout: ID!, $lines: [CheckoutLineInput]!) {
  checkoutLinesUpdate(checkoutId: $checkout, lines: $lines) {
    checkout { totalPrice { gross { amount } } }
    checkoutErrors { field code message }
  }
}
"""


@pytest.fixture
def store_delivering(o2o_active, store_factory, variant):
    """A store delivering Paris 4e by postal code: 5 of fee, 80 of minimum order."""
    store = store_factory("Louvre", 48.857, 2.352)
    delivering(store, variant, stock=10, minimum_order_amount=Decimal("80"))
    return store


def choose(client, checkout, window, store):
    answer = client.post_graphql(
        UPDATE,
        {
            "checkout": gid("Checkout", checkout.pk),
            "store": gid("Store", store.pk),
            "window": window,
        },
    ).json()
    assert "errors" not in answer, answer["errors"]
    return answer["data"]["checkoutLocalDeliveryUpdate"]


@pytest.mark.parametrize("offset", ["+99:00", "-24:00", "+23:99"])
def test_a_window_with_an_impossible_utc_offset_is_a_typed_error(
    api_client, store_delivering, variant, offset
):
    """An offset of a day or more parses, then fails when used: a typed error, not
    a ValueError leaking out."""
    data = choose(
        api_client, cart(variant, 2), f"2030-01-01T10:00:00{offset}", store_delivering
    )
    assert [(e["field"], e["code"]) for e in data["localDeliveryErrors"]] == [
        ("window", "WINDOW_UNAVAILABLE")
    ]
    assert not CheckoutLocalDelivery.objects.exists()


def pay_and_complete(client, checkout, amount):
    checkout.billing_address = Address.objects.create(**ADDRESS)
    checkout.save(update_fields=["billing_address"])
    checkout_id = gid("Checkout", checkout.pk)
    paid = client.post_graphql(
        PAYMENT_CREATE,
        {
            "checkout": checkout_id,
            "input": {"gateway": DUMMY_GATEWAY, "token": DUMMY_TOKEN, "amount": amount},
        },
    ).json()["data"]["checkoutPaymentCreate"]
    assert paid["paymentErrors"] == []
    answer = client.post_graphql(CHECKOUT_COMPLETE, {"checkout": checkout_id}).json()
    assert "errors" not in answer, answer["errors"]
    return answer["data"]["checkoutComplete"]


@pytest.fixture
def published(variant):
    variant.product.is_published = True
    variant.product.save(update_fields=["is_published"])
    return variant


def test_shrinking_the_cart_below_the_minimum_after_choosing_is_refused(
    api_client, store_delivering, published
):
    checkout = cart(published, 2)  # 100: above the minimum of 80.
    chosen = choose(
        api_client,
        checkout,
        first_window(store_delivering).start.isoformat(),
        store_delivering,
    )
    assert chosen["localDeliveryErrors"] == []
    shrunk = api_client.post_graphql(
        LINES_UPDATE,
        {
            "checkout": gid("Checkout", checkout.pk),
            "lines": [
                {"variantId": gid("ProductVariant", published.pk), "quantity": 1}
            ],
        },
    ).json()["data"]["checkoutLinesUpdate"]
    assert shrunk["checkoutErrors"] == []
    amount = shrunk["checkout"]["totalPrice"]["gross"]["amount"]
    completed = pay_and_complete(api_client, checkout, amount)
    assert [(e["field"], e["code"]) for e in completed["checkoutErrors"]] == [
        ("shippingMethod", "SHIPPING_METHOD_NOT_APPLICABLE")
    ]
    assert not Order.objects.exists()


def test_completing_after_the_chosen_window_started_is_refused(
    api_client, store_delivering, published
):
    checkout = cart(published, 2)
    chosen = choose(
        api_client,
        checkout,
        first_window(store_delivering).start.isoformat(),
        store_delivering,
    )
    amount = chosen["checkout"]["totalPrice"]["gross"]["amount"]
    # Time passes: the window chosen has started by the time the shopper pays.
    started = timezone.now() - timedelta(minutes=10)
    CheckoutLocalDelivery.objects.update(
        window_start=started, window_end=started + timedelta(hours=2)
    )
    completed = pay_and_complete(api_client, checkout, amount)
    assert [(e["field"], e["code"]) for e in completed["checkoutErrors"]] == [
        ("shippingMethod", "SHIPPING_METHOD_NOT_APPLICABLE")
    ]
    assert not Order.objects.exists()
