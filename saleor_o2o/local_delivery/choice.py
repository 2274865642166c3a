"""Choosing local delivery for a checkout: a store (or the best one) and a window.

`checkout_local_delivery_set` serves ``checkoutLocalDeliveryUpdate``; the shopper's
shipping address stays theirs. A checkout receives its order one way: choosing
local delivery drops a pickup store chosen before (and `pickup.checkout` drops a
local delivery choice), and Saleor's ``checkoutShippingMethodUpdate`` keeps one
choice (`checkout_shipping_method_check`, `checkout_shipping_method_changed`).
What is chosen is secured when the checkout completes (`local_delivery.checkout`).
"""

from datetime import datetime
from typing import List, Optional, Sequence, Tuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from saleor.checkout.error_codes import CheckoutErrorCode
from saleor.checkout.models import Checkout

from saleor_o2o.core.errors import NotFound, O2OError
from saleor_o2o.core.settings import O2OSettings
from saleor_o2o.core.validation import datetime_check
from saleor_o2o.local_delivery import options as delivery_options
from saleor_o2o.local_delivery import selectors
from saleor_o2o.local_delivery.method import (
    delivers,
    is_local_delivery_method,
    local_delivery_method_ensure,
    local_delivery_zone_sync,
    zone_covers,
)
from saleor_o2o.local_delivery.models import CheckoutLocalDelivery
from saleor_o2o.pickup.models import CheckoutPickup
from saleor_o2o.store import slots
from saleor_o2o.store.models import Store


def window_days(window_start: datetime, now: datetime) -> int:
    """Return how many days of windows, from today, include ``window_start``
    (as many as are offered, if it is further)."""
    return min(selectors.MAX_WINDOW_DAYS, max(1, (window_start - now).days + 2))


def _window_check(window_start, now: datetime) -> datetime:
    window_start = datetime_check(
        window_start, field="window", code="WINDOW_UNAVAILABLE"
    )
    if window_start <= now:
        raise O2OError(
            "That delivery window has started or is past.",
            field="window",
            code="WINDOW_UNAVAILABLE",
        )
    if (window_start - now).days >= selectors.MAX_WINDOW_DAYS:
        raise O2OError(
            f"Delivery windows are offered up to {selectors.MAX_WINDOW_DAYS} days "
            "ahead.",
            field="window",
            code="WINDOW_UNAVAILABLE",
        )
    return window_start


def _pick(
    options: Sequence[selectors.DeliveryOption],
    window_start: datetime,
    *,
    destination: delivery_options.Destination,
    store: Optional[Store],
) -> Tuple[selectors.DeliveryOption, slots.Slot]:
    """Return the best option offering ``window_start`` with room, or raise why none
    does (the first reason that leaves no option, in the order checked)."""
    store_given = store is not None
    if not options:
        if delivery_options.placing_mattered(destination, store=store):
            raise destination.error
        if store_given:
            raise O2OError(
                "This store does not deliver to the checkout's address.",
                field="storeId",
                code="OUTSIDE_AREA",
            )
        raise delivery_options.outside_every_area()
    candidates = [option for option in options if not option.below_minimum]
    if not candidates:
        raise O2OError(
            (
                "The cart is below the store's minimum order for delivery."
                if store_given
                else "The cart is below the minimum order of every store delivering "
                "here."
            ),
            field="lines",
            code="BELOW_MINIMUM",
        )
    candidates = [option for option in candidates if option.supplies_all]
    if not candidates:
        raise O2OError(
            (
                "The store cannot supply every line of the cart."
                if store_given
                else "No store delivering here can supply every line of the cart."
            ),
            field="storeId" if store_given else "lines",
            code="INSUFFICIENT_STOCK",
        )
    offered: List[Tuple[selectors.DeliveryOption, slots.Slot]] = [
        (option, window)
        for option in candidates
        for window in option.windows
        if window.start == window_start
    ]
    if not offered:
        raise O2OError(
            "That is not a delivery window of the store: it must start on a window "
            "boundary, inside opening hours, once the order can be delivered.",
            field="window",
            code="WINDOW_UNAVAILABLE",
        )
    free = [(option, window) for option, window in offered if slots.can_book(window)]
    if not free:
        raise O2OError(
            "That delivery window is full.", field="window", code="WINDOW_FULL"
        )
    return free[0]


@transaction.atomic
def checkout_local_delivery_set(
    *,
    checkout: Checkout,
    store: Optional[Store],
    window_start: datetime,
    settings: O2OSettings,
    discounts=None,
    now: Optional[datetime] = None,
) -> Checkout:
    """Choose the store (the best one if None) and window delivering the checkout
    to its shipping address; set the local delivery method."""
    now = now or timezone.now()
    if store is not None and not store.is_active:
        raise NotFound("No such store.", field="storeId")
    delivery_options.shipping_required(checkout)
    if store is not None and not delivers(store):
        raise O2OError(
            f"{store.name} does not deliver locally.",
            field="storeId",
            code="SERVICE_NOT_OFFERED",
        )
    window_start = _window_check(window_start, now)
    destination = delivery_options.checkout_destination(checkout, settings=settings)
    options = delivery_options.checkout_options(
        checkout=checkout,
        destination=destination,
        order_value=delivery_options.checkout_order_value(
            checkout, list(checkout), discounts
        ),
        days=window_days(window_start, now),
        now=now,
    )
    if store is not None:
        options = [option for option in options if option.store_id == store.pk]
    option, window = _pick(options, window_start, destination=destination, store=store)
    method = local_delivery_method_ensure(settings=settings)
    if not zone_covers(method, destination.country):
        chosen = Store.objects.select_related("warehouse").get(pk=option.store_id)
        local_delivery_zone_sync(store=chosen, settings=settings)
    # One way to receive the order: delivery replaces a pickup choice.
    CheckoutPickup.objects.filter(checkout=checkout).delete()
    CheckoutLocalDelivery.objects.update_or_create(
        checkout=checkout,
        defaults={
            "store_id": option.store_id,
            "window_start": window.start,
            "window_end": window.end,
            "distance_km": option.distance_km,
            "held_until": None,
        },
    )
    checkout.shipping_method = method
    checkout.save(update_fields=["shipping_method", "last_change"])
    return checkout


def checkout_shipping_method_check(
    *, checkout: Checkout, shipping_method_id, settings: O2OSettings
) -> None:
    """Refuse local delivery chosen through Saleor's ``checkoutShippingMethodUpdate``
    while it is not listed (or the plugin is off), unless a store was chosen."""
    if not is_local_delivery_method(shipping_method_id):
        return
    if settings.active and (
        settings.local_delivery_listed
        or CheckoutLocalDelivery.objects.filter(checkout=checkout).exists()
    ):
        return
    raise ValidationError(
        {
            "shipping_method": ValidationError(
                "This shipping method is not applicable: choose local delivery with "
                "checkoutLocalDeliveryUpdate.",
                code=CheckoutErrorCode.SHIPPING_METHOD_NOT_APPLICABLE.value,
            )
        }
    )


def checkout_shipping_method_changed(*, checkout: Checkout) -> None:
    """Drop the delivery choice the checkout's new shipping method no longer uses."""
    if is_local_delivery_method(checkout.shipping_method_id):
        CheckoutPickup.objects.filter(checkout=checkout).delete()
    else:
        CheckoutLocalDelivery.objects.filter(checkout=checkout).delete()
