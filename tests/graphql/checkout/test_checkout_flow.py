"""A storefront's whole checkout, through Saleor 2.10's own GraphQL mutations.

The catalogue, the shipping zone and the stock are made with the ORM; the checkout is
then driven as a storefront drives it: ``checkoutCreate`` (lines and, for an anonymous
shopper, the email Saleor requires), ``checkoutShippingAddressUpdate``,
``checkoutBillingAddressUpdate``, ``checkoutShippingMethodUpdate``,
``checkoutPaymentCreate`` with the dummy gateway, then ``checkoutComplete``.

``checkoutCreate`` checks stock against the *request's* country (GeoIP, falling back
to ``settings.DEFAULT_COUNTRY``, "US" by default), whatever shipping address it is
given; the fixtures make France the default so that the Paris warehouse counts."""

from dataclasses import dataclass
from typing import Optional

import graphene
import pytest
from saleor.checkout.models import Checkout
from saleor.order.models import Order
from saleor.payment import ChargeStatus, TransactionKind
from saleor.payment.models import Payment
from saleor.shipping import ShippingMethodType
from saleor.shipping.models import ShippingMethod, ShippingZone
from saleor.warehouse.models import Allocation, Stock

from saleor_o2o.store import services as store_services

from helpers.api import gid
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
    client_storefront,
    outcome,
)


def post(client, query: str, variables: dict, name: str) -> dict:
    """Post a mutation and return its payload, asserting no top-level errors."""
    response = client.post_graphql(query, variables)
    assert response.status_code == 200, response.content
    content = response.json()
    assert "errors" not in content, content["errors"]
    return content["data"][name]


def assert_no_errors(payload: dict, key: str = "checkoutErrors"):
    assert payload[key] == [], payload[key]


@dataclass
class CheckoutSetup:
    """Catalogue, shipping and stock that a French checkout can be completed with."""

    variant: object
    store: object
    stock: Stock
    zone: ShippingZone
    method: ShippingMethod

    def start_checkout(
        self,
        client,
        quantity: int = 2,
        email: Optional[str] = "anon@example.com",
        choose_delivery=None,
    ) -> "ReadyCheckout":
        """Run a storefront's mutations up to, not including, `checkoutComplete`.

        `choose_delivery(client, checkout_id)`, when given, replaces choosing the
        courier and returns the checkout's gross total.
        """
        checkout_input = {
            "lines": [
                {
                    "variantId": gid("ProductVariant", self.variant.pk),
                    "quantity": quantity,
                }
            ],
        }
        if email:
            checkout_input["email"] = email
        data = post(
            client, CHECKOUT_CREATE, {"input": checkout_input}, "checkoutCreate"
        )
        assert_no_errors(data)
        checkout_id = data["checkout"]["id"]

        data = post(
            client,
            SHIPPING_ADDRESS_UPDATE,
            {"checkout": checkout_id, "address": PARIS_ADDRESS},
            "checkoutShippingAddressUpdate",
        )
        assert_no_errors(data)
        method_id = gid("ShippingMethod", self.method.pk)
        assert {"id": method_id, "name": self.method.name} in data["checkout"][
            "availableShippingMethods"
        ]

        data = post(
            client,
            BILLING_ADDRESS_UPDATE,
            {"checkout": checkout_id, "address": PARIS_ADDRESS},
            "checkoutBillingAddressUpdate",
        )
        assert_no_errors(data)

        if choose_delivery is None:
            data = post(
                client,
                SHIPPING_METHOD_UPDATE,
                {"checkout": checkout_id, "method": method_id},
                "checkoutShippingMethodUpdate",
            )
            assert_no_errors(data)
            total = data["checkout"]["totalPrice"]["gross"]
        else:
            total = choose_delivery(client, checkout_id)

        data = post(
            client,
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
        )
        assert_no_errors(data, "paymentErrors")
        assert data["payment"]["chargeStatus"] == "NOT_CHARGED"
        return ReadyCheckout(
            token=token_of(checkout_id),
            id=checkout_id,
            total=total,
            setup=self,
        )


def token_of(checkout_id: str) -> str:
    _type, token = graphene.Node.from_global_id(checkout_id)
    return token


@dataclass
class ReadyCheckout:
    """A paid-for (not yet charged) checkout; `complete(client)` places the order."""

    token: str
    id: str
    total: dict
    setup: CheckoutSetup

    def complete(self, client) -> dict:
        """Post `checkoutComplete` and return the whole JSON response."""
        return client.post_graphql(CHECKOUT_COMPLETE, {"checkout": self.id}).json()

    @property
    def variant(self):
        return self.setup.variant

    @property
    def store(self):
        return self.setup.store

    @property
    def zone(self):
        return self.setup.zone

    @property
    def method(self):
        return self.setup.method


@pytest.fixture
def checkout_setup(settings, store_factory, variant) -> CheckoutSetup:
    """A published, shippable variant stocked (3 units) in a Paris store's warehouse.

    The store's warehouse serves a France shipping zone with a flat 5 USD method.
    """
    settings.DEFAULT_COUNTRY = "FR"
    # Transactional tests flush every table; Django then re-creates the default Site
    # but not Saleor's SiteSettings (a data migration), which checkouts read.
    from django.contrib.sites.models import Site
    from saleor.site.models import SiteSettings

    SiteSettings.objects.get_or_create(site=Site.objects.get_current())
    product = variant.product
    product.is_published = True
    product.save(update_fields=["is_published"])
    assert product.product_type.is_shipping_required
    assert variant.track_inventory

    store = store_factory("Paris Marais", 48.8566, 2.3522)
    zone = ShippingZone.objects.create(name="France", countries=["FR"])
    method = ShippingMethod.objects.create(
        name="Courier",
        type=ShippingMethodType.PRICE_BASED,
        shipping_zone=zone,
        price_amount=5,
        minimum_order_price_amount=0,
        currency=variant.currency,
    )
    store.warehouse.shipping_zones.add(zone)
    stock = Stock.objects.create(
        warehouse=store.warehouse, product_variant=variant, quantity=3
    )
    return CheckoutSetup(
        variant=variant, store=store, stock=stock, zone=zone, method=method
    )


@pytest.fixture
def checkout_ready_to_complete(checkout_setup, api_client) -> ReadyCheckout:
    """An anonymous shopper's checkout of 2 units, with addresses, method, payment."""
    return checkout_setup.start_checkout(api_client, quantity=2)


def test_anonymous_checkout_completes_with_allocations(
    api_client, checkout_ready_to_complete
):
    ready = checkout_ready_to_complete
    content = ready.complete(api_client)
    assert "errors" not in content, content["errors"]
    data = content["data"]["checkoutComplete"]
    assert_no_errors(data)
    assert data["confirmationNeeded"] is False
    assert data["order"]["userEmail"] == "anon@example.com"
    assert data["order"]["status"] == "UNFULFILLED"
    assert data["order"]["paymentStatus"] == "FULLY_CHARGED"
    assert data["order"]["total"]["gross"] == {"amount": 105.0, "currency": "USD"}
    assert data["order"]["lines"] == [{"productSku": "SKU-1", "quantity": 2}]

    order = Order.objects.get(checkout_token=ready.token)
    assert order.user is None
    assert order.shipping_method == ready.method
    assert order.shipping_address.city == "PARIS"
    line = order.lines.get()
    assert (line.variant, line.quantity) == (ready.variant, 2)
    allocation = Allocation.objects.get(order_line=line)
    assert allocation.stock.warehouse == ready.store.warehouse
    assert allocation.quantity_allocated == 2
    payment = order.payments.get()
    assert payment.charge_status == ChargeStatus.FULLY_CHARGED
    assert not Checkout.objects.filter(token=ready.token).exists()


def test_logged_in_checkout_completes(checkout_setup, user_api_client, customer_user):
    ready = checkout_setup.start_checkout(user_api_client, quantity=1, email=None)
    content = ready.complete(user_api_client)
    assert "errors" not in content, content["errors"]
    data = content["data"]["checkoutComplete"]
    assert_no_errors(data)
    order = Order.objects.get(checkout_token=ready.token)
    assert order.user == customer_user
    assert order.user_email == customer_user.email
    assert Allocation.objects.get(order_line__order=order).quantity_allocated == 1


def test_second_checkout_short_of_stock_fails_before_charging(
    api_client, checkout_setup
):
    """Two checkouts of 2 units each pass `checkoutCreate` against 3 in stock.

    Only the first can be completed: the second fails in `prepare_order_data`, which
    Saleor runs before it processes the payment, so nothing is charged.
    """
    first = checkout_setup.start_checkout(api_client, quantity=2)
    second = checkout_setup.start_checkout(api_client, quantity=2)
    assert_no_errors(first.complete(api_client)["data"]["checkoutComplete"])

    content = second.complete(api_client)
    assert "errors" not in content, content["errors"]
    data = content["data"]["checkoutComplete"]
    assert data["order"] is None
    assert [error["code"] for error in data["checkoutErrors"]] == ["INSUFFICIENT_STOCK"]
    assert not Order.objects.filter(checkout_token=second.token).exists()
    assert Checkout.objects.filter(token=second.token).exists()
    payment = Payment.objects.get(checkout_id=second.token)
    assert payment.is_active
    assert payment.charge_status == ChargeStatus.NOT_CHARGED
    assert payment.captured_amount == 0
    assert not payment.transactions.filter(
        kind__in=[TransactionKind.CAPTURE, TransactionKind.AUTH]
    ).exists()
    assert Allocation.objects.filter(stock=checkout_setup.stock).count() == 1


def test_checkout_create_for_more_than_stocked_is_refused(api_client, checkout_setup):
    variables = {
        "input": {
            "email": "anon@example.com",
            "lines": [
                {
                    "variantId": gid("ProductVariant", checkout_setup.variant.pk),
                    "quantity": 4,
                }
            ],
            "shippingAddress": PARIS_ADDRESS,
        }
    }
    data = post(api_client, CHECKOUT_CREATE, variables, "checkoutCreate")
    assert data["checkout"] is None
    assert [error["code"] for error in data["checkoutErrors"]] == ["INSUFFICIENT_STOCK"]


# Click-and-collect through the same storefront flow ---------------------------------

ORDER_PICKUP = """
query($token: UUID!) {
  orderByToken(token: $token) {
    shippingMethodName
    pickup { code status isCurbside store { name } order { number } }
  }
}
"""


def choose_store(store, slot=None):
    """Return a `choose_delivery` that picks `store` (and `slot`) for pickup."""

    def choose(client, checkout_id):
        data = post(
            client,
            PICKUP_STORE_UPDATE,
            {"checkout": checkout_id, "store": gid("Store", store.pk), "slot": slot},
            "checkoutPickupStoreUpdate",
        )
        assert data["pickupErrors"] == [], data["pickupErrors"]
        assert data["checkout"]["shippingMethod"] == {"name": "Click and collect"}
        return data["checkout"]["totalPrice"]["gross"]

    return choose


@pytest.fixture
def pickup_setup(checkout_setup, o2o_active, store_factory):
    """A second Paris store, nearer the shopper and better stocked, for pickup."""
    pickup_store = store_factory("Paris Rivoli", 48.8606, 2.3376)
    Stock.objects.create(
        warehouse=pickup_store.warehouse,
        product_variant=checkout_setup.variant,
        quantity=2,
    )
    return checkout_setup, pickup_store


def test_click_and_collect_allocates_from_the_chosen_store(api_client, pickup_setup):
    setup, pickup_store = pickup_setup
    ready = setup.start_checkout(
        api_client, 2, choose_delivery=choose_store(pickup_store)
    )
    assert ready.total == {"amount": 100.0, "currency": "USD"}  # Free pickup.
    content = ready.complete(api_client)
    assert "errors" not in content, content["errors"]
    data = content["data"]["checkoutComplete"]
    assert_no_errors(data)
    order = Order.objects.get(checkout_token=ready.token)
    allocations = list(
        Allocation.objects.filter(order_line__order=order).values_list(
            "stock__warehouse_id", "quantity_allocated"
        )
    )
    # Not from "Paris Marais", whose warehouse Saleor would have picked first.
    assert allocations == [(pickup_store.warehouse_id, 2)]
    view = api_client.post_graphql(ORDER_PICKUP, {"token": str(order.token)}).json()
    pickup = view["data"]["orderByToken"]["pickup"]
    assert pickup["store"] == {"name": "Paris Rivoli"}
    assert pickup["status"] == "RECEIVED" and len(pickup["code"]) == 6
    assert pickup["order"]["number"] == str(order.pk)


def test_pickup_method_without_a_store_fails_before_payment(api_client, pickup_setup):
    setup, pickup_store = pickup_setup
    ready = setup.start_checkout(
        api_client, 1, choose_delivery=choose_store(pickup_store)
    )
    from saleor_o2o.pickup.models import CheckoutPickup

    CheckoutPickup.objects.all().delete()  # As if the shopper never chose a store.
    data = ready.complete(api_client)["data"]["checkoutComplete"]
    assert [e["code"] for e in data["checkoutErrors"]] == ["SHIPPING_METHOD_NOT_SET"]
    assert not Order.objects.exists()
    assert Payment.objects.get().charge_status == ChargeStatus.NOT_CHARGED


def test_store_sold_out_since_choosing_fails_before_payment(api_client, pickup_setup):
    setup, pickup_store = pickup_setup
    ready = setup.start_checkout(
        api_client, 2, choose_delivery=choose_store(pickup_store)
    )
    Stock.objects.filter(warehouse=pickup_store.warehouse).update(quantity=1)
    data = ready.complete(api_client)["data"]["checkoutComplete"]
    assert [e["code"] for e in data["checkoutErrors"]] == ["INSUFFICIENT_STOCK"]
    assert not Order.objects.exists()
    assert Payment.objects.get().charge_status == ChargeStatus.NOT_CHARGED


def test_click_and_collect_with_a_pickup_slot(api_client, pickup_setup):
    import datetime as dt

    from saleor_o2o.pickup.selectors import store_pickup_slots

    setup, pickup_store = pickup_setup
    pickup_store.pickup_slot_capacity = 2
    pickup_store.save()
    today = dt.date.today()
    slot = next(
        found
        for offset in range(8)
        for found in store_pickup_slots(
            store=pickup_store, day=today + dt.timedelta(days=offset)
        )
    )

    ready = setup.start_checkout(
        api_client,
        1,
        choose_delivery=choose_store(pickup_store, slot.start.isoformat()),
    )
    assert_no_errors(ready.complete(api_client)["data"]["checkoutComplete"])
    from saleor_o2o.pickup.models import Pickup

    assert Pickup.objects.get().slot_start == slot.start


# Stock held only in stores ---------------------------------------------------------


@pytest.fixture
def store_only_stock(settings, o2o_active, site_settings, store_factory, variant):
    """Two units of a published variant, held only in a Paris store."""
    settings.DEFAULT_COUNTRY = "FR"
    product = variant.product
    product.is_published = True
    product.save(update_fields=["is_published"])
    store = store_factory("Paris Bastille", 48.853, 2.369)
    Stock.objects.create(warehouse=store.warehouse, product_variant=variant, quantity=2)
    return store, variant


def test_a_variant_stocked_only_in_a_store_can_be_bought_for_pickup(
    api_client, store_only_stock
):
    store, variant = store_only_stock
    shopper = client_storefront(api_client)
    checkout_id = shopper.checkout_prepare(lines=[(variant.pk, 2)], store_id=store.pk)
    assert outcome(shopper.checkout_complete(checkout_id)) == "order"
    allocation = Allocation.objects.get()
    assert (allocation.stock.warehouse, allocation.quantity_allocated) == (
        store.warehouse,
        2,
    )


def test_an_inactive_stores_stock_cannot_be_put_in_a_cart(api_client, store_only_stock):
    store, variant = store_only_stock
    store_services.store_update(store=store, data={"is_active": False})
    data = post(
        api_client,
        CHECKOUT_CREATE,
        {
            "input": {
                "email": "anon@example.com",
                "lines": [
                    {"variantId": gid("ProductVariant", variant.pk), "quantity": 1}
                ],
            }
        },
        "checkoutCreate",
    )
    assert [error["code"] for error in data["checkoutErrors"]] == ["INSUFFICIENT_STOCK"]


def test_home_delivery_is_refused_before_payment_when_only_stores_hold_it(
    api_client, store_only_stock
):
    store, variant = store_only_stock
    zone = ShippingZone.objects.create(name="France", countries=["FR"])
    courier = ShippingMethod.objects.create(
        name="Courier",
        type=ShippingMethodType.PRICE_BASED,
        shipping_zone=zone,
        price_amount=5,
        minimum_order_price_amount=0,
        currency=variant.currency,
    )
    shopper = client_storefront(api_client)
    checkout_id = shopper.checkout_prepare(
        lines=[(variant.pk, 1)], method_id=courier.pk
    )
    answer = shopper.checkout_complete(checkout_id)
    assert outcome(answer) == "INSUFFICIENT_STOCK"
    assert not Order.objects.exists()
    assert Payment.objects.get().charge_status == ChargeStatus.NOT_CHARGED
