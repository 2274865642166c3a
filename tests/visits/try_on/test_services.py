"""Holds of store stock: taken only from what pickup may promise, kept from every
promise, released, expired and sold."""

from datetime import timedelta

import pytest
from django.utils import timezone
from saleor.checkout.models import Checkout
from saleor.order import OrderStatus
from saleor.warehouse.models import Allocation, Stock

from saleor_o2o.core.actors import Actor
from saleor_o2o.core.errors import O2OError
from saleor_o2o.core.settings import O2OSettings
from saleor_o2o.pickup import checkout as pickup_checkout
from saleor_o2o.store import reservations
from saleor_o2o.store.availability import pickup_availability
from saleor_o2o.store.models import StockHold
from saleor_o2o.store.saleor_stock import available_quantity
from saleor_o2o.store.supply import Line
from saleor_o2o.visits.try_on import rules, sale, services
from saleor_o2o.visits.try_on.models import TryOnEmail, TryOnReservation
from saleor_o2o.webhook.events import O2OEventType
from saleor_o2o.webhook.models import O2OEvent

from fixtures.try_on import make_appointment, reserve
from helpers.api import code_of


def for_pickup(store, variant):
    return pickup_availability(store_ids=[store.pk], variant_ids=[variant.pk]).get(
        (store.pk, variant.pk), 0
    )


def for_saleor(store, variant):
    return available_quantity(
        Stock.objects.filter(warehouse=store.warehouse, product_variant=variant)
    )


def locked_units(store, variant):
    stocks = reservations.stocks_lock(reservations.store_source(store), [variant.pk])
    units = reservations.stock_units(stocks, safety_stock=store.pickup_safety_stock)
    return sum(unit.available for unit in units)


def events(event_type):
    return list(O2OEvent.objects.filter(type=event_type))


def test_held_units_are_excluded_everywhere_the_store_promises_stock(
    try_on_store, variant
):
    store = try_on_store
    assert (for_pickup(store, variant), for_saleor(store, variant)) == (3, 3)
    reserved = reserve(store, variant, 2)
    reservation = reserved.reservation
    assert reservation.status == rules.HELD
    assert reservation.lines.get().hold.quantity == 2
    assert for_pickup(store, variant) == 1
    assert locked_units(store, variant) == 1
    assert for_saleor(store, variant) == 1
    [event] = events(O2OEventType.TRY_ON_RESERVED)
    assert event.payload["lines"][0]["quantity"] == 2
    assert reserved.token not in str(event.payload)
    assert reservation.token_hash not in str(event.payload)
    assert TryOnEmail.objects.filter(reservation=reservation, kind="reserved").exists()


def test_a_pickup_checkout_cannot_take_held_units(try_on_store, variant):
    reserve(try_on_store, variant, 3)
    checkout = Checkout.objects.create(email="other@example.com")
    checkout.lines.create(variant=variant, quantity=1)
    try_on_store.is_click_and_collect = True
    try_on_store.save()
    error = code_of(
        lambda: pickup_checkout.checkout_pickup_set(
            checkout=checkout,
            store=try_on_store,
            curbside=False,
            settings=O2OSettings(active=True),
        )
    )
    assert error == "INSUFFICIENT_STOCK"
    with pytest.raises(reservations.Unavailable):
        reservations.checkout_reserve(
            checkout=checkout,
            source=reservations.store_source(try_on_store),
            lines=[Line(variant.pk, 1)],
        )


def test_a_hold_takes_only_what_pickup_may_promise(
    try_on_store, variant, order_line_allocated_in
):
    store = try_on_store
    store.pickup_safety_stock = 1
    store.save()
    order_line_allocated_in(store, 1)
    checkout = Checkout.objects.create(email="c@example.com")
    checkout.lines.create(variant=variant, quantity=1)
    reservations.checkout_reserve(
        checkout=checkout,
        source=reservations.store_source(store),
        lines=[Line(variant.pk, 1)],
    )
    # 3 on hand - 1 allocated - 1 reserved by a checkout - 1 safety stock = 0.
    with pytest.raises(O2OError) as error:
        reserve(store, variant, 1)
    assert (error.value.code, error.value.field) == (
        "INSUFFICIENT_STOCK",
        "lines.0.quantity",
    )
    assert not StockHold.objects.exists()


def test_holds_of_two_shoppers_never_take_more_than_the_store_has(
    try_on_store, variant
):
    reserve(try_on_store, variant, 2, email="a@example.com")
    with pytest.raises(O2OError) as error:
        reserve(try_on_store, variant, 2, email="b@example.com")
    assert error.value.code == "INSUFFICIENT_STOCK"
    reserve(try_on_store, variant, 1, email="b@example.com")
    assert for_pickup(try_on_store, variant) == 0


def test_a_hold_past_its_end_stops_counting_and_the_beat_task_closes_it(
    try_on_store, variant
):
    reservation = reserve(try_on_store, variant, 2).reservation
    TryOnReservation.objects.filter(pk=reservation.pk).update(
        held_until=timezone.now() - timedelta(seconds=1)
    )
    StockHold.objects.update(held_until=timezone.now() - timedelta(seconds=1))
    assert for_pickup(try_on_store, variant) == 3  # Before the task ran.
    assert services.try_on_expire() == [reservation.pk]
    assert services.try_on_expire() == []
    reservation.refresh_from_db()
    assert reservation.status == rules.EXPIRED
    assert reservation.closed_by_type == "system"
    assert not StockHold.objects.exists()
    assert len(events(O2OEventType.TRY_ON_EXPIRED)) == 1
    assert TryOnEmail.objects.filter(reservation=reservation, kind="expired").exists()


def test_the_beat_task_leaves_live_holds(try_on_store, variant):
    reservation = reserve(try_on_store, variant, 1).reservation
    assert services.try_on_expire() == []
    reservation.refresh_from_db()
    assert reservation.status == rules.HELD


def test_release_gives_the_units_back(try_on_store, variant, staff_user):
    reservation = reserve(try_on_store, variant, 3).reservation
    services.try_on_release(reservation, Actor.of(staff_user), note="Sold out")
    reservation.refresh_from_db()
    assert (reservation.status, reservation.note) == (rules.RELEASED, "Sold out")
    assert for_pickup(try_on_store, variant) == 3
    assert for_saleor(try_on_store, variant) == 3
    assert len(events(O2OEventType.TRY_ON_RELEASED)) == 1
    assert TryOnEmail.objects.filter(reservation=reservation, kind="released").exists()
    assert code_of(
        lambda: services.try_on_release(reservation, Actor.of(staff_user))
    ) == ("INVALID_TRANSITION")


def test_the_shopper_cancels_once(try_on_store, variant):
    reserved = reserve(try_on_store, variant, 1)
    found = services.try_on_for_token(reserved.token)
    services.try_on_cancel(found, Actor.shopper())
    found.refresh_from_db()
    assert found.status == rules.CANCELLED
    assert for_pickup(try_on_store, variant) == 3
    assert len(events(O2OEventType.TRY_ON_CANCELLED)) == 1
    assert code_of(lambda: services.try_on_cancel(found, Actor.shopper())) == (
        "INVALID_TRANSITION"
    )
    assert code_of(lambda: services.try_on_for_token("nope")) == "INVALID_TOKEN"


def test_the_desk_sells_part_of_the_hold_paid_and_handed_over(
    try_on_store, variant, staff_user, customer_user
):
    reservation = reserve(try_on_store, variant, 3, user=customer_user).reservation
    sale.try_on_convert(
        reservation, Actor.of(staff_user), lines=[Line(variant.pk, 2)], note="Till 3"
    )
    reservation.refresh_from_db()
    order = reservation.order
    assert reservation.status == rules.CONVERTED
    assert order.user == customer_user
    assert [(line.variant_id, line.quantity) for line in order.lines.all()] == [
        (variant.pk, 2)
    ]
    assert order.status == OrderStatus.FULFILLED
    assert order.is_fully_paid()
    assert order.total_gross_amount == 100
    stock = Stock.objects.get(warehouse=try_on_store.warehouse, product_variant=variant)
    assert stock.quantity == 1  # 2 sold and handed over.
    allocated = Allocation.objects.filter(stock=stock)
    assert sum(allocated.values_list("quantity_allocated", flat=True)) == 0
    assert not StockHold.objects.exists()
    assert for_pickup(try_on_store, variant) == 1  # The third unit is back.
    [event] = events(O2OEventType.TRY_ON_CONVERTED)
    assert event.payload["order"]["id"]
    assert code_of(lambda: sale.try_on_convert(reservation, Actor.of(staff_user))) == (
        "INVALID_TRANSITION"
    )


def test_a_shopper_cannot_sell_to_themselves(try_on_store, variant):
    reservation = reserve(try_on_store, variant, 1).reservation
    assert code_of(lambda: sale.try_on_convert(reservation, Actor.shopper())) == (
        "INVALID_TRANSITION"
    )


def test_a_hold_for_an_appointment_ends_with_it(try_on_store, variant):
    appointment = make_appointment(try_on_store, email="guest@example.com")
    reservation = reserve(
        try_on_store, variant, 1, appointment_id=appointment.pk
    ).reservation
    assert reservation.held_until == appointment.ends_at
    assert reservation.lines.get().hold.held_until == appointment.ends_at


def test_someone_elses_appointment_or_another_stores_is_refused(
    try_on_store, variant, store_factory, customer_user
):
    theirs = make_appointment(try_on_store, email="someone@example.com")
    with pytest.raises(O2OError) as error:
        reserve(try_on_store, variant, 1, appointment_id=theirs.pk)
    assert (error.value.code, error.value.field) == ("NOT_FOUND", "appointment_id")
    their_account = make_appointment(
        try_on_store, email=customer_user.email, user=customer_user
    )
    with pytest.raises(O2OError) as error:  # A guest with the owner's e-mail.
        reserve(
            try_on_store,
            variant,
            1,
            email=customer_user.email,
            appointment_id=their_account.pk,
        )
    assert error.value.code == "NOT_FOUND"
    elsewhere = make_appointment(
        store_factory("Lyon", 45.76, 4.83), email="guest@example.com"
    )
    with pytest.raises(O2OError) as error:
        reserve(try_on_store, variant, 1, appointment_id=elsewhere.pk)
    assert error.value.code == "APPOINTMENT_UNAVAILABLE"
    assert not TryOnReservation.objects.exists()


def test_bad_input_is_refused_before_anything_is_held(try_on_store, variant):
    assert code_of(
        lambda: services.try_on_reserve(
            store_id=try_on_store.pk, lines=[Line(0, 1)], email="g@example.com"
        )
    ) == ("NOT_FOUND")
    assert code_of(lambda: reserve(try_on_store, variant, 1, email="")) == "REQUIRED"
    assert code_of(lambda: reserve(try_on_store, variant, 1, email="x")) == "INVALID"
    try_on_store.is_active = False
    try_on_store.save()
    assert code_of(lambda: reserve(try_on_store, variant, 1)) == "NOT_FOUND"
    variant.track_inventory = False
    variant.save()
    assert code_of(lambda: reserve(try_on_store, variant, 1)) == "NOT_STOCKED"
    assert not StockHold.objects.exists()


def test_a_shopper_holds_a_few_reservations_at_most(try_on_store, variant):
    Stock.objects.filter(product_variant=variant).update(quantity=10)
    for _ in range(rules.MAX_OPEN_PER_SHOPPER):
        reserve(try_on_store, variant, 1, email="Same@example.com")
    assert code_of(
        lambda: reserve(try_on_store, variant, 1, email="same@EXAMPLE.com")
    ) == ("TOO_MANY_RESERVATIONS")


def test_events_reach_only_apps_acting_in_the_store(
    try_on_store, variant, store_factory, permission_manage_orders
):
    from saleor.app.models import App

    from saleor_o2o.store.models import AppStore
    from saleor_o2o.webhook.models import WebhookDelivery, WebhookSubscription

    from helpers.webhooks import webhook_of

    elsewhere = store_factory("Lyon", 45.76, 4.83)
    hooks = {}
    for name, narrowed_to in (("here", try_on_store), ("there", elsewhere)):
        app = App.objects.create(name=name, is_active=True)
        app.permissions.add(permission_manage_orders)
        AppStore.objects.create(app=app, store=narrowed_to)
        hooks[name] = webhook_of(app)
        WebhookSubscription.objects.create(
            webhook=hooks[name], event_type=O2OEventType.TRY_ON_RESERVED
        )

    reserve(try_on_store, variant, 1)

    delivered = WebhookDelivery.objects.values_list("webhook_id", flat=True)
    assert list(delivered) == [hooks["here"].pk]
