"""Completing a checkout: refusals before payment, refunds after a failure, the sweep.

Races between many requests are tested over HTTP (tests/http/); these tests drive
one completion at a time through Django's test client, with a test card gateway
that can make something happen while the shopper's bank answers.
"""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from saleor.checkout.models import Checkout
from saleor.order.models import Order
from saleor.payment import ChargeStatus, TransactionKind, gateway
from saleor.payment.models import Payment
from saleor.warehouse.models import Stock

from saleor_o2o.checkout import completion
from saleor_o2o.core.db import session_lock_try
from saleor_o2o.pickup.models import CheckoutPickup
from saleor_o2o.store import stock as store_stock
from saleor_o2o.store.models import PickupReservation

from helpers import fake_gateway
from helpers.storefront import client_storefront, outcome


@pytest.fixture
def shop(settings, o2o_active, site_settings, variant, store):
    """A published variant with 3 units in a Paris store, and the test card gateway."""
    settings.PLUGINS = [*settings.PLUGINS, "helpers.fake_gateway.FakeCardGatewayPlugin"]
    settings.DEFAULT_COUNTRY = "FR"
    product = variant.product
    product.is_published = True
    product.save(update_fields=["is_published"])
    Stock.objects.create(warehouse=store.warehouse, product_variant=variant, quantity=3)
    yield store, variant
    fake_gateway.during_payment.clear()


@pytest.fixture
def shopper(api_client):
    return client_storefront(api_client)


def prepare(shopper, shop, quantity=2):
    store, variant = shop
    checkout_id = shopper.checkout_prepare(
        lines=[(variant.pk, quantity)],
        store_id=store.pk,
        gateway=fake_gateway.GATEWAY_ID,
        payment_token="ok",
    )
    return checkout_id, Checkout.objects.get().token


def errors(answer):
    return [
        (error["code"], error["message"])
        for error in answer["data"]["checkoutComplete"]["checkoutErrors"]
    ]


def test_stock_lost_while_paying_refunds_the_payment(shopper, shop):
    store, variant = shop
    checkout_id, token = prepare(shopper, shop)
    # Staff count the shelf while the shopper's bank answers: only one unit left.
    fake_gateway.during_payment.append(
        lambda: store_stock.store_stock_update(
            store=store, levels=[store_stock.StockLevel(variant.pk, 1)]
        )
    )

    answer = shopper.checkout_complete(checkout_id)

    [(code, message)] = errors(answer)
    assert code == "INSUFFICIENT_STOCK"
    assert message.endswith("Your payment was refunded.")
    assert not Order.objects.exists()
    payment = Payment.objects.get()
    assert (payment.charge_status, payment.captured_amount) == (
        ChargeStatus.FULLY_REFUNDED,
        0,
    )
    assert list(payment.transactions.values_list("kind", flat=True)) == [
        TransactionKind.CAPTURE,
        TransactionKind.REFUND,
    ]
    assert not PickupReservation.objects.exists()
    assert CheckoutPickup.objects.get(checkout_id=token).held_until is None


def test_a_retry_after_a_dead_attempt_places_the_order_without_charging_again(
    shopper, shop
):
    checkout_id, token = prepare(shopper, shop)
    # An earlier attempt's process died between the capture and the order.
    payment = Payment.objects.get()
    gateway.process_payment(payment=payment, token=payment.token)

    assert outcome(shopper.checkout_complete(checkout_id)) == "order"

    order = Order.objects.get(checkout_token=token)
    payment.refresh_from_db()
    assert payment.order == order and payment.captured_amount == payment.total
    captures = payment.transactions.filter(kind=TransactionKind.CAPTURE)
    assert captures.count() == 1
    assert order.o2o_pickup.store == shop[0]


def test_a_retry_that_cannot_place_the_order_refunds_the_earlier_capture(shopper, shop):
    checkout_id, token = prepare(shopper, shop, quantity=1)
    payment = Payment.objects.get()
    gateway.process_payment(payment=payment, token=payment.token)
    # The cart grew since: the payment no longer covers it.
    Checkout.objects.get().lines.update(quantity=2)

    [(code, message)] = errors(shopper.checkout_complete(checkout_id))

    assert code == "CHECKOUT_NOT_FULLY_PAID"
    assert message.endswith("Your payment was refunded.")
    payment.refresh_from_db()
    assert (payment.charge_status, payment.captured_amount) == (
        ChargeStatus.FULLY_REFUNDED,
        0,
    )
    assert not Order.objects.exists()


def test_the_sweep_refunds_payments_left_without_an_order(shopper, shop):
    prepare(shopper, shop)
    payment = Payment.objects.get()
    gateway.process_payment(payment=payment, token=payment.token)

    assert completion.payments_orphaned_refund() == 0  # Too recent: maybe running.
    later = timezone.now() + completion.ORPHAN_AFTER + timedelta(minutes=1)
    assert completion.payments_orphaned_refund(now=later) == 1
    payment.refresh_from_db()
    assert payment.charge_status == ChargeStatus.FULLY_REFUNDED
    assert completion.payments_orphaned_refund(now=later) == 0


def test_a_checkout_already_placed_is_not_charged_again(shopper, shop):
    checkout_id, token = prepare(shopper, shop)
    # The order exists; Saleor has not deleted the checkout yet.
    Order.objects.create(checkout_token=token, user_email="a@example.com")

    [(code, _message)] = errors(shopper.checkout_complete(checkout_id))

    assert code == "UNIQUE"
    assert Payment.objects.get().charge_status == ChargeStatus.NOT_CHARGED


def test_a_completion_running_elsewhere_refuses_this_one(shopper, shop):
    checkout_id, token = prepare(shopper, shop)
    holding, release = threading.Event(), threading.Event()

    def other_request():
        try:
            with session_lock_try(f"checkout-completion:{token}") as held:
                assert held
                holding.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=other_request)
    thread.start()
    try:
        assert holding.wait(timeout=30)
        [(code, _message)] = errors(shopper.checkout_complete(checkout_id))
    finally:
        release.set()
        thread.join(timeout=30)

    assert code == "UNIQUE"
    assert Payment.objects.get().charge_status == ChargeStatus.NOT_CHARGED
    assert not PickupReservation.objects.exists()
