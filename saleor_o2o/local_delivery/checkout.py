"""Local delivery through Saleor's own checkout: the chosen store's stock and window
are reserved before the payment and the order allocated from that store only.

As for click-and-collect (`pickup.checkout`, docs/design/click-and-collect.md):

* `choice.checkout_local_delivery_set` (``checkoutLocalDeliveryUpdate``): the
  shopper chooses a store (or the best one) and a window for the checkout's
  shipping address; the checkout gets the local delivery method;
* `checkout_local_delivery_reserve`, before the payment inside Saleor's
  transaction: locks the store row (FOR NO KEY UPDATE, serialising its windows and
  stock), checks the window still has room, reserves the lines at the store and
  holds the window place, or refuses with a checkout error code;
* `order_local_delivery_allocate`, inside Saleor's order transaction: allocates
  from that store only and creates the `LocalDelivery`;
* `checkout_local_delivery_release`: a failed completion frees its window place.

A checkout that chose the listed method through Saleor's
``checkoutShippingMethodUpdate`` (plugin option "list local delivery") is delivered
by the best store, earliest window, chosen when it completes, at the fee its total
showed (`pricing`).
"""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Sequence

from django.core.exceptions import ValidationError
from django.utils import timezone
from saleor.checkout.error_codes import CheckoutErrorCode
from saleor.checkout.models import Checkout
from saleor.discount.utils import fetch_active_discounts
from saleor.order.models import Order

from saleor_o2o.core.db import rows_lock
from saleor_o2o.core.settings import get_o2o_settings
from saleor_o2o.local_delivery import options as delivery_options
from saleor_o2o.local_delivery import pricing, selectors
from saleor_o2o.local_delivery.choice import window_days
from saleor_o2o.local_delivery.method import is_local_delivery_method
from saleor_o2o.local_delivery.models import CheckoutLocalDelivery, LocalDelivery
from saleor_o2o.local_delivery.services import local_delivery_create
from saleor_o2o.store import reservations, slots
from saleor_o2o.store.models import Store
from saleor_o2o.store.stock import record_stock_low_after


def is_local_delivery(shipping_method_id) -> bool:
    """Return whether a checkout or order with this method is delivered locally."""
    return is_local_delivery_method(shipping_method_id)


# Completion -------------------------------------------------------------------------


def _refuse(message: str, code: CheckoutErrorCode, field: str = "shippingMethod"):
    return ValidationError({field: ValidationError(message, code=code.value)})


def _choose_best(
    checkout: Checkout,
    options: Sequence[selectors.DeliveryOption],
    order_value: Decimal,
) -> CheckoutLocalDelivery:
    """Choose, for a checkout that chose the method only, the offer its total showed
    (or the best one now); raise a refusal if no store can deliver it."""
    offer = pricing.remembered_offer(checkout, order_value)
    if offer is None:
        best = next((o for o in options if delivery_options.deliverable(o)), None)
        if best is not None:
            window = best.earliest_window
            offer = delivery_options.Offer(
                store_id=best.store_id,
                window_start=window.start,
                window_end=window.end,
                distance_km=best.distance_km,
                fee=best.fee,
            )
    if offer is None:
        raise _refuse(
            "No store can deliver this cart to this address now; choose another "
            "shipping method.",
            CheckoutErrorCode.SHIPPING_METHOD_NOT_APPLICABLE,
        )
    return CheckoutLocalDelivery.objects.create(
        checkout=checkout,
        store_id=offer.store_id,
        window_start=offer.window_start,
        window_end=offer.window_end,
        distance_km=offer.distance_km,
    )


def checkout_local_delivery_reserve(*, checkout: Checkout) -> None:
    """Reserve the checkout's lines at its chosen store, and its window place, or
    raise a refusal (a ``ValidationError`` with a checkout error code).

    Called before the payment, inside Saleor's transaction. The address is placed
    first (no lock held while the geocoder answers); then the store row is locked
    (FOR NO KEY UPDATE), then its stock rows, as for pickups.
    """
    settings = get_o2o_settings()
    now = timezone.now()
    choice = CheckoutLocalDelivery.objects.filter(checkout=checkout).first()
    if choice is None and not settings.local_delivery_listed:
        raise _refuse(
            "Choose the store and window to deliver from "
            "(checkoutLocalDeliveryUpdate) before completing the checkout.",
            CheckoutErrorCode.SHIPPING_METHOD_NOT_SET,
        )
    order_value = delivery_options.checkout_order_value(
        checkout, list(checkout), fetch_active_discounts()
    )
    destination = delivery_options.checkout_destination(checkout, settings=settings)
    options = delivery_options.checkout_options(
        checkout=checkout,
        destination=destination,
        order_value=order_value,
        days=(
            window_days(choice.window_start, now)
            if choice
            else delivery_options.DEFAULT_DAYS
        ),
        now=now,
    )
    if choice is None:
        choice = _choose_best(checkout, options, order_value)
    option = next((o for o in options if o.store_id == choice.store_id), None)
    if option is None:
        raise _refuse(
            "The chosen store no longer delivers to this address; choose local "
            "delivery again.",
            CheckoutErrorCode.SHIPPING_METHOD_NOT_APPLICABLE,
        )
    if option.below_minimum:
        raise _refuse(
            "The cart is below the store's minimum order for delivery.",
            CheckoutErrorCode.SHIPPING_METHOD_NOT_APPLICABLE,
        )
    rows_lock(Store._meta.db_table, [choice.store_id], mode="NO KEY UPDATE")
    store = Store.objects.select_related("warehouse", "delivery_area").get(
        pk=choice.store_id
    )
    _window_hold_check(store, choice, checkout_token=checkout.pk, now=now)
    try:
        reservations.checkout_reserve(
            checkout=checkout,
            source=reservations.store_source(store),
            lines=reservations.checkout_lines(checkout.pk),
        )
    except reservations.Unavailable:
        raise _refuse(
            f"{store.name} no longer has every line for delivery; choose another "
            "store or change the cart.",
            CheckoutErrorCode.INSUFFICIENT_STOCK,
            field="lines",
        )
    held_until = now + timedelta(minutes=reservations.RESERVATION_MINUTES)
    CheckoutLocalDelivery.objects.filter(pk=choice.pk).update(held_until=held_until)


def _window_hold_check(
    store: Store, choice: CheckoutLocalDelivery, *, checkout_token, now: datetime
) -> None:
    """Refuse unless the chosen window is still offered with room (its own hold not
    counted). The caller holds the store's lock."""
    area = getattr(store, "delivery_area", None)
    if not store.is_active or area is None or not area.is_active:
        raise _refuse(
            f"{store.name} no longer delivers locally; choose another store.",
            CheckoutErrorCode.SHIPPING_METHOD_NOT_APPLICABLE,
        )
    windows = selectors.store_delivery_windows(
        store=store,
        area=area,
        days=window_days(choice.window_start, now),
        now=now,
        exclude_checkout=checkout_token,
    )
    window = next((w for w in windows if w.start == choice.window_start), None)
    if window is None:
        raise _refuse(
            "The chosen delivery window is no longer offered; choose another.",
            CheckoutErrorCode.SHIPPING_METHOD_NOT_APPLICABLE,
        )
    if not slots.can_book(window):
        raise _refuse(
            "The chosen delivery window is full; choose another.",
            CheckoutErrorCode.SHIPPING_METHOD_NOT_APPLICABLE,
        )


def checkout_local_delivery_release(*, checkout_token) -> None:
    """Free the window place a failed completion held."""
    CheckoutLocalDelivery.objects.filter(checkout_id=checkout_token).update(
        held_until=None
    )


def order_local_delivery_allocate(*, order: Order) -> LocalDelivery:
    """Allocate the order from its chosen store only and create its delivery.

    Runs inside Saleor's order transaction, whose stock rows are locked already
    (`checkout.completion.order_stock_prelock`): raising rolls the order back.
    """
    choice = (
        CheckoutLocalDelivery.objects.select_related("store")
        .filter(checkout_id=order.checkout_token)
        .first()
    )
    if choice is None:
        raise _refuse(
            "Choose the store and window to deliver from before completing the "
            "checkout.",
            CheckoutErrorCode.SHIPPING_METHOD_NOT_SET,
        )
    store = choice.store
    try:
        plan, before = reservations.order_allocate(
            order=order, source=reservations.store_source(store)
        )
    except reservations.Unavailable:
        raise _refuse(
            f"{store.name} no longer has every line for delivery.",
            CheckoutErrorCode.INSUFFICIENT_STOCK,
            field="lines",
        )
    record_stock_low_after(store, before, plan.takes)
    CheckoutLocalDelivery.objects.filter(pk=choice.pk).update(held_until=None)
    return local_delivery_create(
        order=order,
        store=store,
        window_start=choice.window_start,
        window_end=choice.window_end,
        distance_km=choice.distance_km,
    )
