"""Reservation before payment and allocation from the chosen store."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from saleor.checkout.models import Checkout
from saleor.order.actions import cancel_order
from saleor.order.models import Order
from saleor.warehouse.models import Allocation, Stock, Warehouse

from saleor_o2o.checkout import completion
from saleor_o2o.core.settings import O2OSettings
from saleor_o2o.pickup import checkout as pickup_checkout
from saleor_o2o.pickup.models import CheckoutPickup, Pickup, PickupStatus
from saleor_o2o.store import pickup_zone, reservations
from saleor_o2o.store.availability import pickup_availability
from saleor_o2o.store.models import PickupReservation

SETTINGS = O2OSettings(active=True)


def make_checkout(variant, store, quantity):
    checkout = Checkout.objects.create(email="shopper@example.com")
    checkout.lines.create(variant=variant, quantity=quantity)
    pickup_checkout.checkout_pickup_set(
        checkout=checkout, store=store, curbside=False, settings=SETTINGS
    )
    return checkout


def make_order(checkout):
    """Create the order as Saleor's create_order does, before its hooks run."""
    order = Order.objects.create(
        checkout_token=checkout.token,
        user_email=checkout.email,
        shipping_method=checkout.shipping_method,
        currency="USD",
    )
    for line in checkout.lines.all():
        order.lines.create(
            variant=line.variant,
            product_name="Trail shoe",
            product_sku=line.variant.sku,
            is_shipping_required=True,
            quantity=line.quantity,
            unit_price_net_amount=50,
            unit_price_gross_amount=50,
            currency="USD",
        )
    return order


@pytest.fixture
def stocked_store(store, variant):
    Stock.objects.create(warehouse=store.warehouse, product_variant=variant, quantity=3)
    return store


def test_reservation_holds_units_for_the_checkout(stocked_store, variant):
    first = make_checkout(variant, stocked_store, 2)
    with transaction.atomic():
        pickup_checkout.checkout_pickup_reserve(checkout=first)
    reservation = PickupReservation.objects.get()
    assert (reservation.checkout_id, reservation.quantity) == (first.pk, 2)
    # Only one unit is left for anyone else.
    second = Checkout.objects.create(email="other@example.com")
    second.lines.create(variant=variant, quantity=2)
    CheckoutPickup.objects.create(checkout=second, store=stocked_store)
    second.shipping_method = first.shipping_method
    second.save()
    with pytest.raises(ValidationError) as raised, transaction.atomic():
        pickup_checkout.checkout_pickup_reserve(checkout=second)
    assert raised.value.error_dict["lines"][0].code == "insufficient_stock"


def test_shoppers_do_not_see_units_reserved_by_others(stocked_store, variant):
    checkout = make_checkout(variant, stocked_store, 2)
    with transaction.atomic():
        pickup_checkout.checkout_pickup_reserve(checkout=checkout)
    available = pickup_availability(
        store_ids=[stocked_store.pk], variant_ids=[variant.pk]
    )
    assert available == {(stocked_store.pk, variant.pk): 1}


def test_expired_reservations_do_not_count(stocked_store, variant):
    first = make_checkout(variant, stocked_store, 3)
    with transaction.atomic():
        pickup_checkout.checkout_pickup_reserve(checkout=first)
    PickupReservation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    second = make_checkout(variant, stocked_store, 3)
    with transaction.atomic():
        pickup_checkout.checkout_pickup_reserve(checkout=second)
    assert reservations.reservations_purge() == 1


def test_pickup_method_without_a_store_is_refused(stocked_store, variant):
    checkout = make_checkout(variant, stocked_store, 1)
    CheckoutPickup.objects.all().delete()
    with pytest.raises(ValidationError) as raised:
        pickup_checkout.checkout_pickup_reserve(checkout=checkout)
    assert (
        raised.value.error_dict["shippingMethod"][0].code == "shipping_method_not_set"
    )


def test_delivery_is_reserved_in_warehouses_that_ship_not_in_stores(
    stocked_store, variant
):
    """A store's stock (pickup zone only) never serves home delivery."""
    from saleor.shipping.models import ShippingZone

    pickup_zone.pickup_zone_sync(store=stocked_store, settings=SETTINGS)
    shipping = Warehouse.objects.create(
        name="Depot", slug="depot", address=stocked_store.address.get_copy()
    )
    shipping.shipping_zones.add(
        ShippingZone.objects.create(name="FR", countries=["FR"])
    )
    Stock.objects.create(warehouse=shipping, product_variant=variant, quantity=1)
    checkout = Checkout.objects.create(
        email="shopper@example.com", shipping_address=stocked_store.address.get_copy()
    )
    line = checkout.lines.create(variant=variant, quantity=1)
    with transaction.atomic():
        completion.checkout_reserve(checkout=checkout)
    reservation = PickupReservation.objects.get()
    assert reservation.stock.warehouse == shipping
    # Two units: the store has three, but it does not ship.
    line.quantity = 2
    line.save()
    with pytest.raises(ValidationError) as raised, transaction.atomic():
        completion.checkout_reserve(checkout=checkout)
    assert raised.value.error_dict["lines"][0].code == "insufficient_stock"


def test_allocations_of_several_orders_add_up(stocked_store, variant):
    for _ in range(3):
        checkout = make_checkout(variant, stocked_store, 1)
        with transaction.atomic():
            pickup_checkout.checkout_pickup_reserve(checkout=checkout)
            pickup_checkout.order_pickup_allocate(order=make_order(checkout))
    available = pickup_availability(
        store_ids=[stocked_store.pk], variant_ids=[variant.pk]
    )
    assert available[(stocked_store.pk, variant.pk)] == 0


def test_order_is_allocated_from_the_chosen_store_only(
    stocked_store, variant, store_factory
):
    other = store_factory("Other", 48.87, 2.35)
    other_stock = Stock.objects.create(
        warehouse=other.warehouse, product_variant=variant, quantity=10
    )
    checkout = make_checkout(variant, stocked_store, 2)
    with transaction.atomic():
        pickup_checkout.checkout_pickup_reserve(checkout=checkout)
    order = make_order(checkout)
    # Saleor allocated by country, from whichever warehouse came first.
    Allocation.objects.create(
        order_line=order.lines.get(), stock=other_stock, quantity_allocated=2
    )
    with transaction.atomic():
        pickup = pickup_checkout.order_pickup_allocate(order=order)
    allocations = list(
        Allocation.objects.values_list("stock__warehouse", "quantity_allocated")
    )
    assert allocations == [(stocked_store.warehouse_id, 2)]
    assert not PickupReservation.objects.exists()
    assert pickup.store == stocked_store and pickup.status == PickupStatus.RECEIVED
    assert len(pickup.code) == 6 and set(pickup.code) <= set(
        pickup_checkout.CODE_ALPHABET
    )


def test_cancelled_order_cancels_its_pickup(stocked_store, variant, o2o_active):
    checkout = make_checkout(variant, stocked_store, 1)
    with transaction.atomic():
        pickup_checkout.checkout_pickup_reserve(checkout=checkout)
    order = make_order(checkout)
    with transaction.atomic():
        pickup_checkout.order_pickup_allocate(order=order)
    cancel_order(order, None)  # As Saleor's orderCancel does.
    pickup = Pickup.objects.get()
    assert pickup.status == PickupStatus.CANCELLED
    assert [
        (t.from_status, t.to_status, t.actor_type) for t in pickup.transitions.all()
    ] == [
        ("received", "received", "shopper"),
        ("received", "cancelled", "system"),
    ]
    allocations = Allocation.objects.filter(order_line__order=order)
    assert set(allocations.values_list("quantity_allocated", flat=True)) == {0}


@pytest.mark.django_db(transaction=True)
def test_concurrent_checkouts_never_reserve_more_than_the_store_has(
    store_factory, variant
):
    """Eight shoppers race for the last three units in concurrent transactions."""
    store = store_factory("Last units", 48.85, 2.35)
    Stock.objects.create(warehouse=store.warehouse, product_variant=variant, quantity=3)
    checkouts = [make_checkout(variant, store, 1) for _ in range(8)]
    barrier = threading.Barrier(len(checkouts))
    results = []

    def shopper(checkout):
        try:
            barrier.wait()
            with transaction.atomic():
                pickup_checkout.checkout_pickup_reserve(checkout=checkout)
                order = make_order(checkout)
                pickup_checkout.order_pickup_allocate(order=order)
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
    assert sorted(results) == ["insufficient_stock"] * 5 + ["won"] * 3
    allocated = sum(Allocation.objects.values_list("quantity_allocated", flat=True))
    stock = Stock.objects.get(warehouse=store.warehouse)
    assert allocated == 3 <= stock.quantity
    assert Pickup.objects.count() == 3
    assert Order.objects.count() == 3
    assert not Warehouse.objects.filter(stock__quantity__lt=0).exists()


def test_an_order_taking_stock_below_the_threshold_records_an_event(
    stocked_store, variant
):
    from saleor_o2o.webhook.models import O2OEvent

    stocked_store.low_stock_threshold = 1
    stocked_store.save()
    checkout = make_checkout(variant, stocked_store, 2)
    with transaction.atomic():
        pickup_checkout.checkout_pickup_reserve(checkout=checkout)
        pickup_checkout.order_pickup_allocate(order=make_order(checkout))
    event = O2OEvent.objects.get(type="store_stock_low")
    assert event.payload["quantity_available_for_pickup"] == 1


def test_expired_reservations_are_purged_by_a_task(stocked_store, variant):
    from saleor_o2o.store.tasks import purge_pickup_reservations_task

    checkout = make_checkout(variant, stocked_store, 1)
    with transaction.atomic():
        pickup_checkout.checkout_pickup_reserve(checkout=checkout)
    assert purge_pickup_reservations_task.delay().get() == 0
    PickupReservation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert purge_pickup_reservations_task.delay().get() == 1
