"""Choosing local delivery, reserving before payment, allocating from the store."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from saleor.order.models import Order
from saleor.warehouse.models import Allocation, Stock

from saleor_o2o.checkout import completion
from saleor_o2o.core.errors import O2OError
from saleor_o2o.core.settings import GeocoderSettings, O2OSettings
from saleor_o2o.local_delivery import choice as local_choice
from saleor_o2o.local_delivery import pricing
from saleor_o2o.local_delivery.method import (
    local_delivery_method,
    local_delivery_method_ensure,
    local_delivery_zone_sync,
)
from saleor_o2o.local_delivery.models import CheckoutLocalDelivery, LocalDelivery
from saleor_o2o.pickup import checkout as pickup_checkout
from saleor_o2o.pickup.models import CheckoutPickup
from saleor_o2o.store import reservations
from saleor_o2o.store.models import PickupReservation

from helpers.deliveries import cart, delivering, first_window, order_for

SETTINGS = O2OSettings(active=True, geocoder=GeocoderSettings(provider="none"))
LISTED = O2OSettings(active=True, local_delivery_listed=True)


@pytest.fixture(autouse=True)
def plugin(o2o_active):
    """The plugin on, geocoding off: addresses match areas by postal code."""
    return o2o_active


@pytest.fixture
def two_stores(store_factory, variant):
    """Two stores delivering to Paris 4e: "Near" with 1 unit, "Far" with 10."""
    near = store_factory("Near", 48.857, 2.352)
    far = store_factory("Far", 48.88, 2.30)
    delivering(near, variant, stock=1)
    delivering(far, variant, stock=10)
    return near, far


def choose(checkout, store=None, window=None, settings=SETTINGS):
    return local_choice.checkout_local_delivery_set(
        checkout=checkout, store=store, window_start=window, settings=settings
    )


def code_of(raised) -> str:
    return next(iter(raised.value.error_dict.values()))[0].code


def test_without_a_store_the_best_one_offering_the_window_is_chosen(
    two_stores, variant
):
    near, far = two_stores
    checkout = cart(variant, 2)
    address = checkout.shipping_address_id
    window = first_window(far)
    choose(checkout, window=window.start)
    choice = CheckoutLocalDelivery.objects.get()
    # "Near" cannot supply two units.
    assert (choice.store, choice.window_start, choice.window_end) == (
        far,
        window.start,
        window.end,
    )
    checkout.refresh_from_db()
    assert checkout.shipping_method == local_delivery_method()
    assert checkout.shipping_method.name == "Local delivery"
    assert checkout.shipping_address_id == address  # The shopper's own address.


@pytest.mark.parametrize(
    "setup, code, field",
    [
        ("store_short", "INSUFFICIENT_STOCK", "storeId"),
        ("below_minimum", "BELOW_MINIMUM", "lines"),
        ("elsewhere", "OUTSIDE_AREA", "storeId"),
        ("no_area", "SERVICE_NOT_OFFERED", "storeId"),
        ("past", "WINDOW_UNAVAILABLE", "window"),
        ("off_boundary", "WINDOW_UNAVAILABLE", "window"),
        ("full", "WINDOW_FULL", "window"),
        ("no_address", "ADDRESS_REQUIRED", "shippingAddress"),
    ],
)
def test_refusals_name_the_reason_and_the_field(
    two_stores, variant, store_factory, local_delivery_factory, setup, code, field
):
    near, far = two_stores
    checkout = cart(variant, 2)
    store = near
    window = first_window(near).start
    if setup == "store_short":
        pass
    elif setup == "below_minimum":
        store = far
        delivering(far, variant, minimum_order_amount=Decimal("500"))
    elif setup == "elsewhere":
        store = far
        delivering(far, variant, postal_codes=["69"])
    elif setup == "no_area":
        store = store_factory("No delivery", 48.86, 2.34)
    elif setup == "past":
        store, window = far, timezone.now() - timedelta(hours=1)
    elif setup == "off_boundary":
        store, window = far, window + timedelta(minutes=7)
    elif setup == "full":
        store = far
        delivering(far, variant, window_capacity=1)
        local_delivery_factory(from_store=far, window_start=window)
    elif setup == "no_address":
        store = far
        checkout.shipping_address = None
        checkout.save()
    with pytest.raises(O2OError) as raised:
        choose(checkout, store=store, window=window)
    assert (raised.value.code, raised.value.field) == (code, field)
    assert not CheckoutLocalDelivery.objects.exists()


def test_without_a_store_refusals_speak_of_every_store(two_stores, variant):
    near, far = two_stores
    checkout = cart(variant, 20)
    with pytest.raises(O2OError) as raised:
        choose(checkout, window=first_window(far).start)
    assert (raised.value.code, raised.value.field) == ("INSUFFICIENT_STOCK", "lines")
    outside = cart(variant, 1, address=dict(postal_code="13001", city="MARSEILLE"))
    outside.shipping_address.street_address_1 = "1 La Canebière"
    outside.shipping_address.country = "FR"
    outside.shipping_address.save()
    with pytest.raises(O2OError) as raised:
        choose(outside, window=first_window(far).start)
    assert (raised.value.code, raised.value.field) == (
        "OUTSIDE_AREA",
        "shippingAddress",
    )


def test_nothing_to_ship(two_stores, variant):
    variant.product.product_type.is_shipping_required = False
    variant.product.product_type.save()
    with pytest.raises(O2OError) as raised:
        choose(cart(variant), window=first_window(two_stores[1]).start)
    assert raised.value.code == "SHIPPING_NOT_REQUIRED"


def test_one_way_to_receive_the_order(two_stores, variant):
    """Local delivery drops a pickup choice, and a pickup drops local delivery."""
    near, far = two_stores
    checkout = cart(variant)
    home = checkout.shipping_address.get_copy()
    pickup_checkout.checkout_pickup_set(
        checkout=checkout, store=far, curbside=False, settings=SETTINGS
    )
    # Collecting set the store's address; the shopper gives theirs again.
    checkout.shipping_address = home
    checkout.save()
    choose(checkout, store=far, window=first_window(far).start)
    assert not CheckoutPickup.objects.exists()
    assert CheckoutLocalDelivery.objects.count() == 1
    pickup_checkout.checkout_pickup_set(
        checkout=checkout, store=far, curbside=False, settings=SETTINGS
    )
    assert not CheckoutLocalDelivery.objects.exists()
    assert CheckoutPickup.objects.count() == 1


def test_the_order_is_allocated_from_the_chosen_store_only(two_stores, variant):
    near, far = two_stores
    checkout = cart(variant, 2)
    window = first_window(far)
    choose(checkout, store=far, window=window.start)
    with transaction.atomic():
        completion.checkout_reserve(checkout=checkout)
    assert PickupReservation.objects.get().stock.warehouse == far.warehouse
    assert CheckoutLocalDelivery.objects.get().held_until > timezone.now()
    order = order_for(checkout)
    # Saleor allocated by country, from whichever warehouse came first.
    Allocation.objects.create(
        order_line=order.lines.get(),
        stock=Stock.objects.get(warehouse=near.warehouse),
        quantity_allocated=1,
    )
    with transaction.atomic():
        completion.order_allocate(order=order)
    assert list(
        Allocation.objects.values_list("stock__warehouse", "quantity_allocated")
    ) == [(far.warehouse_id, 2)]
    assert not PickupReservation.objects.exists()
    delivery = LocalDelivery.objects.get()
    assert (delivery.order, delivery.store, delivery.status) == (
        order,
        far,
        "received",
    )
    assert (delivery.window_start, delivery.window_end) == (window.start, window.end)
    assert CheckoutLocalDelivery.objects.get().held_until is None


def test_a_window_filled_since_choosing_is_refused_before_payment(
    two_stores, variant, local_delivery_factory
):
    near, far = two_stores
    delivering(far, variant, window_capacity=1)
    checkout = cart(variant)
    window = first_window(far).start
    choose(checkout, store=far, window=window)
    local_delivery_factory(from_store=far, window_start=window)
    with pytest.raises(ValidationError) as raised, transaction.atomic():
        completion.checkout_reserve(checkout=checkout)
    assert code_of(raised) == "shipping_method_not_applicable"
    assert not PickupReservation.objects.exists()


def test_a_held_window_place_is_freed_when_completion_fails(two_stores, variant):
    near, far = two_stores
    delivering(far, variant, window_capacity=1)
    window = first_window(far).start
    first, second = cart(variant), cart(variant)
    for checkout in (first, second):
        choose(checkout, store=far, window=window)
    with transaction.atomic():
        completion.checkout_reserve(checkout=first)
    with pytest.raises(ValidationError) as raised, transaction.atomic():
        completion.checkout_reserve(checkout=second)
    assert code_of(raised) == "shipping_method_not_applicable"
    completion.completion_failed(checkout_token=first.pk)
    with transaction.atomic():
        completion.checkout_reserve(checkout=second)
    assert CheckoutLocalDelivery.objects.get(checkout=second).held_until is not None


def test_store_sold_out_since_choosing_is_refused(two_stores, variant):
    near, far = two_stores
    checkout = cart(variant, 2)
    choose(checkout, store=far, window=first_window(far).start)
    Stock.objects.filter(warehouse=far.warehouse).update(quantity=1)
    with pytest.raises(ValidationError) as raised, transaction.atomic():
        completion.checkout_reserve(checkout=checkout)
    assert code_of(raised) in {"insufficient_stock", "shipping_method_not_applicable"}


def test_method_without_a_choice_is_refused_while_not_listed(
    two_stores, variant, o2o_active
):
    checkout = cart(variant)
    choose(checkout, store=two_stores[1], window=first_window(two_stores[1]).start)
    CheckoutLocalDelivery.objects.all().delete()
    with pytest.raises(ValidationError) as raised, transaction.atomic():
        completion.checkout_reserve(checkout=checkout)
    assert code_of(raised) == "shipping_method_not_set"


def test_listed_method_without_a_choice_goes_to_the_best_store(
    two_stores, variant, configure_o2o
):
    from saleor_o2o.core import settings as conf

    configure_o2o(
        active=True,
        **{conf.GEOCODER_PROVIDER: "none", conf.LOCAL_DELIVERY_LISTED: True},
    )
    near, far = two_stores
    checkout = cart(variant, 1)
    checkout.shipping_method = local_delivery_method_ensure(settings=LISTED)
    checkout.save()
    with transaction.atomic():
        completion.checkout_reserve(checkout=checkout)
    choice = CheckoutLocalDelivery.objects.get()
    # Both supply one unit in the same windows, at no known distance (postal codes
    # only): the first store wins, in its earliest window.
    assert (choice.store, choice.window_start) == (near, first_window(near).start)
    assert choice.held_until > timezone.now()


def test_fee_follows_the_cart_and_the_distance(two_stores, variant):
    near, far = two_stores
    checkout = cart(variant, 1)
    choose(checkout, store=far, window=first_window(far).start)
    CheckoutLocalDelivery.objects.update(distance_km=2.5)
    price = pricing.checkout_shipping_price(
        checkout=checkout, lines=list(checkout), discounts=[], previous_value=None
    )
    assert (price.gross.amount, price.gross.currency) == (Decimal("7.50"), "USD")
    checkout.lines.update(quantity=3)  # 150 USD: free from 150.
    price = pricing.checkout_shipping_price(
        checkout=checkout, lines=list(checkout), discounts=[], previous_value=None
    )
    assert price.gross.amount == Decimal("0.00")


def test_the_zone_lists_countries_served_and_ships_nothing_else(store_factory, variant):
    store = store_factory("Delivery only", 48.857, 2.352, is_click_and_collect=False)
    area = delivering(store, variant)
    area.postal_codes.create(country="BE", prefix="1000")
    local_delivery_zone_sync(store=store, settings=SETTINGS)
    method = local_delivery_method()
    assert [c.code for c in method.shipping_zone.countries] == ["BE", "FR"]
    assert list(store.warehouse.shipping_zones.all()) == [method.shipping_zone]
    # Saleor counts its stock for carts to France, but it ships no courier order.
    assert reservations.shipping_source("FR").warehouse_ids == ()
    area.is_active = False
    area.save()
    local_delivery_zone_sync(store=store, settings=SETTINGS)
    method.shipping_zone.refresh_from_db()
    assert method.shipping_zone.countries == []
    assert not store.warehouse.shipping_zones.exists()


@pytest.mark.django_db(transaction=True)
def test_shoppers_racing_for_the_last_window_places(store_factory, variant):
    """Eight shoppers, one window of 3 places, plenty of stock."""
    store = store_factory("Race", 48.857, 2.352)
    delivering(store, variant, stock=50, window_capacity=3)
    window = first_window(store).start
    checkouts = [cart(variant) for _ in range(8)]
    for checkout in checkouts:
        choose(checkout, store=store, window=window)
    barrier = threading.Barrier(len(checkouts))
    results = []

    def shopper(checkout):
        try:
            barrier.wait()
            with transaction.atomic():
                completion.checkout_reserve(checkout=checkout)
            with transaction.atomic():
                completion.order_allocate(order=order_for(checkout))
            results.append("won")
        except ValidationError as error:
            results.append(next(iter(error.error_dict.values()))[0].code)
        finally:
            connection.close()

    threads = [threading.Thread(target=shopper, args=(c,)) for c in checkouts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == ["shipping_method_not_applicable"] * 5 + ["won"] * 3
    assert LocalDelivery.objects.filter(window_start=window).count() == 3
    assert Order.objects.count() == 3
