"""Which stores deliver a cart to an address, ranked, against the real database."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from saleor.warehouse.models import Stock

from saleor_o2o.core.geo import Point
from saleor_o2o.local_delivery import selectors
from saleor_o2o.local_delivery.models import CheckoutLocalDelivery
from saleor_o2o.store.supply import Line

from helpers.slots import NOW, local, new_checkout

#: Châtelet, in central Paris: 0.73 km from the Louvre store, 1.8 km from Bastille.
CHATELET = Point(48.8584, 2.3470)
#: Versailles: 17 km from the Louvre.
VERSAILLES = Point(48.8049, 2.1204)


@pytest.fixture
def bastille(store_factory):
    return store_factory("Paris Bastille", 48.8532, 2.3691)


@pytest.fixture
def second_variant(variant):
    from saleor.product.models import ProductVariant

    return ProductVariant.objects.create(
        product=variant.product, sku="SKU-2", name="Size 43"
    )


def stock(store, variant, quantity):
    Stock.objects.update_or_create(
        warehouse=store.warehouse,
        product_variant=variant,
        defaults={"quantity": quantity},
    )


def delivering(point, *, postal_code="75001", lines, value="30", **kwargs):
    return selectors.stores_delivering(
        point=point,
        country="FR",
        postal_code=postal_code,
        lines=lines,
        order_value=Decimal(value),
        now=NOW,
        **kwargs,
    )


def test_a_store_delivers_within_its_radius_only(store, variant, delivery_area_factory):
    delivery_area_factory(store, radius_km=5, fee_base_amount=3, fee_per_km_amount=1)
    stock(store, variant, 5)
    lines = [Line(variant.pk, 2)]

    [option] = delivering(CHATELET, lines=lines)

    assert option.store_id == store.pk
    assert option.distance_km == pytest.approx(0.73, abs=0.01)
    assert option.supplies_all and option.short == ()
    assert option.fee == Decimal("3.73")
    assert not option.below_minimum
    assert option.earliest_window.start == local(11)
    assert delivering(VERSAILLES, lines=lines) == []


def test_a_postal_code_area_serves_an_address_never_placed(
    store, variant, delivery_area_factory
):
    delivery_area_factory(
        store,
        radius_km=None,
        postal_codes={"FR": ["7500"]},
        fee_base_amount=4,
        fee_per_km_amount=1,
    )
    stock(store, variant, 5)
    lines = [Line(variant.pk, 1)]

    [option] = delivering(None, postal_code="75 004", lines=lines)

    assert option.distance_km is None
    assert option.fee == Decimal("4.00")
    assert delivering(None, postal_code="75104", lines=lines) == []
    assert (
        selectors.stores_delivering(
            point=None,
            country="BE",
            postal_code="75004",
            lines=lines,
            order_value=Decimal(30),
            now=NOW,
        )
        == []
    )


def test_an_area_with_both_serves_its_radius_and_its_postal_codes(
    store, variant, delivery_area_factory
):
    delivery_area_factory(store, radius_km=1, postal_codes={"FR": ["78000"]})
    stock(store, variant, 5)
    lines = [Line(variant.pk, 1)]

    [near] = delivering(CHATELET, postal_code="75001", lines=lines)
    [by_code] = delivering(VERSAILLES, postal_code="78000", lines=lines)

    assert near.distance_km < 1
    assert by_code.distance_km == pytest.approx(17.2, abs=0.3)
    assert delivering(VERSAILLES, postal_code="78100", lines=lines) == []


def test_inactive_areas_and_stores_deliver_nowhere(
    store, bastille, variant, delivery_area_factory
):
    delivery_area_factory(store, radius_km=5, is_active=False)
    delivery_area_factory(bastille, radius_km=5)
    lines = [Line(variant.pk, 1)]
    assert [option.store_id for option in delivering(CHATELET, lines=lines)] == [
        bastille.pk
    ]

    bastille.is_active = False
    bastille.save()

    assert delivering(CHATELET, lines=lines) == []


def test_whole_cart_stores_come_before_nearer_stores_short_of_a_line(
    store, bastille, variant, second_variant, delivery_area_factory
):
    for each in (store, bastille):
        delivery_area_factory(each, radius_km=5)
    stock(store, variant, 5)
    stock(store, second_variant, 1)
    stock(bastille, variant, 5)
    stock(bastille, second_variant, 3)
    lines = [Line(variant.pk, 1), Line(second_variant.pk, 3)]

    first, second = delivering(CHATELET, lines=lines)

    assert (first.store_id, first.supplies_all) == (bastille.pk, True)
    assert (second.store_id, second.supplies_all) == (store.pk, False)
    assert second.short == (Line(second_variant.pk, 2),)
    assert first.distance_km > second.distance_km


def test_stores_with_the_whole_cart_rank_by_earliest_window_then_distance(
    store, bastille, variant, delivery_area_factory
):
    delivery_area_factory(store, radius_km=5, lead_time_minutes=240)
    delivery_area_factory(bastille, radius_km=5)
    for each in (store, bastille):
        stock(each, variant, 5)
    lines = [Line(variant.pk, 1)]

    options = delivering(CHATELET, lines=lines)

    # The Louvre is nearer, but its lead time pushes its first window to 13:00.
    assert [option.store_id for option in options] == [bastille.pk, store.pk]
    assert [option.earliest_window.start for option in options] == [
        local(11),
        local(13),
    ]

    delivery_area_factory(store, radius_km=5, lead_time_minutes=120)
    options = delivering(CHATELET, lines=lines)
    assert [option.store_id for option in options] == [store.pk, bastille.pk]


def test_a_full_window_is_skipped_for_the_earliest(
    store, variant, delivery_area_factory, local_delivery_factory
):
    delivery_area_factory(store, radius_km=5, window_capacity=1)
    local_delivery_factory(window_start=local(11))

    [option] = delivering(CHATELET, lines=[Line(variant.pk, 1)])

    full = option.windows[0]
    assert (full.start, full.remaining) == (local(11), 0)
    assert option.earliest_window.start == local(13)


def test_a_window_held_by_a_completing_checkout_is_taken(
    store, variant, delivery_area_factory
):
    delivery_area_factory(store, radius_km=5, window_capacity=1)
    stock(store, variant, 5)
    checkout = new_checkout(variant)
    held = CheckoutLocalDelivery.objects.create(
        checkout=checkout,
        store=store,
        window_start=local(11),
        window_end=local(13),
        held_until=NOW + dt.timedelta(minutes=5),
    )
    lines = [Line(variant.pk, 1)]

    [option] = delivering(CHATELET, lines=lines)
    assert option.earliest_window.start == local(13)
    [own] = delivering(CHATELET, lines=lines, exclude_checkout=checkout.pk)
    assert own.earliest_window.start == local(11)

    held.held_until = NOW - dt.timedelta(seconds=1)
    held.save()
    [expired] = delivering(CHATELET, lines=lines)
    assert expired.earliest_window.start == local(11)


def test_below_the_minimum_and_free_above_are_reported(
    store, variant, delivery_area_factory
):
    delivery_area_factory(
        store,
        radius_km=5,
        minimum_order_amount=20,
        fee_base_amount=5,
        free_above_amount=50,
    )
    lines = [Line(variant.pk, 1)]
    [small] = delivering(CHATELET, lines=lines, value="19.99")
    [large] = delivering(CHATELET, lines=lines, value="50")
    assert small.below_minimum and small.fee == Decimal("5.00")
    assert not large.below_minimum and large.fee == Decimal("0")


def test_the_number_of_queries_does_not_grow_with_stores_or_lines(
    store_factory, variant, second_variant, delivery_area_factory
):
    def count(stores, lines):
        with CaptureQueriesContext(connection) as queries:
            options = delivering(CHATELET, lines=lines)
        assert len(options) == stores
        return len(queries)

    delivery_area_factory(store_factory("One", 48.86, 2.34), radius_km=5)
    few = count(1, [Line(variant.pk, 1)])
    for index in range(6):
        made = store_factory(f"Store {index}", 48.85 + index / 1000, 2.35)
        delivery_area_factory(
            made, radius_km=None if index % 2 else 5, postal_codes={"FR": ["75"]}
        )
        stock(made, variant, 3)
    many = count(7, [Line(variant.pk, 1), Line(second_variant.pk, 1)])

    assert many == few <= 5


def test_an_hours_exception_moves_the_windows_as_the_store_windows_say(
    store, variant, delivery_area_factory
):
    """Closed today by an exception: the earliest window is tomorrow's, and every
    window is the one the per-store read lists."""
    from saleor_o2o.store.models import StoreHoursException

    area = delivery_area_factory(store, radius_km=5)
    stock(store, variant, 5)
    StoreHoursException.objects.create(
        store=store, date=local(12).date(), name="Inventory", intervals=[]
    )

    [option] = delivering(CHATELET, lines=[Line(variant.pk, 1)])

    assert option.earliest_window.start.date() == local(12).date() + dt.timedelta(1)
    assert list(option.windows) == selectors.store_delivery_windows(
        store=store, area=area, now=NOW
    )


def test_stock_counts_allocations_other_checkouts_reservations_and_safety_stock(
    store, variant, delivery_area_factory, local_delivery_factory
):
    from django.utils import timezone

    from saleor_o2o.store.models import PickupReservation

    delivery_area_factory(store, radius_km=5)
    local_delivery_factory(quantity=2, stock=10)  # 2 of 10 allocated.
    store.pickup_safety_stock = 1
    store.save(update_fields=["pickup_safety_stock"])
    row = Stock.objects.get(warehouse=store.warehouse, product_variant=variant)
    mine, theirs = new_checkout(variant), new_checkout(variant)
    for checkout, quantity in ((mine, 3), (theirs, 4)):
        PickupReservation.objects.create(
            checkout=checkout,
            stock=row,
            quantity=quantity,
            expires_at=timezone.now() + dt.timedelta(minutes=10),
        )
    PickupReservation.objects.create(  # Expired: counts for nothing.
        checkout=new_checkout(variant),
        stock=row,
        quantity=5,
        expires_at=timezone.now() - dt.timedelta(minutes=1),
    )

    def short(**kwargs):
        [option] = delivering(CHATELET, lines=[Line(variant.pk, 9)], **kwargs)
        return option.short

    # 10 - 2 allocated - 3 - 4 reserved - 1 safety = 0; without mine, 3.
    assert short() == (Line(variant.pk, 9),)
    assert short(exclude_checkout=mine.pk) == (Line(variant.pk, 6),)


#: Mouscron, Belgium: 17 km from a store in Lille, France, across the border.
MOUSCRON = Point(50.7446, 3.2141)


def test_a_radius_stops_at_the_border_and_postal_codes_cross_it(
    store_factory, variant, delivery_area_factory
):
    """Saleor offers the method only in the countries of the stores and of their
    postal codes: a radius reaching into Belgium would offer what cannot be
    completed."""
    lille = store_factory("Lille Centre", 50.6292, 3.0573, city="Lille")
    delivery_area_factory(lille, radius_km=25)
    stock(lille, variant, 5)
    lines = [Line(variant.pk, 1)]

    def belgian():
        return selectors.stores_delivering(
            point=MOUSCRON,
            country="BE",
            postal_code="7700",
            lines=lines,
            order_value=Decimal(30),
            now=NOW,
        )

    assert belgian() == []

    delivery_area_factory(lille, radius_km=25, postal_codes={"BE": ["77"]})

    [option] = belgian()
    assert option.store_id == lille.pk
    assert option.distance_km == pytest.approx(17, abs=1)
