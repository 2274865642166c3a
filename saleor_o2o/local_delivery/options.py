"""Which stores can deliver a checkout, where, when and for how much.

Reads only. The checkout's shipping address is placed on the map with the shop's
geocoder (`core.geocoding`, remembered per address); when it cannot be placed,
areas listing its postal code still match, and the reason comes with the answer.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import List, Optional

from django.utils import timezone
from saleor.checkout.models import Checkout
from saleor.plugins.manager import get_plugins_manager

from saleor_o2o.core import geocoding
from saleor_o2o.core.errors import O2OError
from saleor_o2o.core.geo import Point
from saleor_o2o.core.settings import O2OSettings
from saleor_o2o.local_delivery import selectors
from saleor_o2o.local_delivery.models import DeliveryArea
from saleor_o2o.store import reservations
from saleor_o2o.store.address import geocoding_query

#: Days of delivery windows a storefront may ask for, from today.
MIN_DAYS = 1
MAX_DAYS = selectors.MAX_WINDOW_DAYS
DEFAULT_DAYS = 7


@dataclass(frozen=True)
class Destination:
    """Where a checkout goes: its point when placed, its country and postal code."""

    point: Optional[Point]
    country: str
    postal_code: str
    #: Why the address could not be placed (postal-code areas still match).
    error: Optional[O2OError] = None


@dataclass(frozen=True)
class Offer:
    """A store and window to deliver a checkout in, and the fee for it."""

    store_id: int
    window_start: datetime
    window_end: datetime
    distance_km: Optional[float]
    fee: Decimal


def checkout_order_value(checkout: Checkout, lines, discounts) -> Decimal:
    """Return the checkout's subtotal (its lines, gross), as Saleor computes it: what
    minimum orders and free delivery are judged on."""
    subtotal = get_plugins_manager().calculate_checkout_subtotal(
        checkout, list(lines), discounts or []
    )
    return subtotal.gross.amount


def shipping_required(checkout: Checkout) -> None:
    """Raise unless the checkout has something to deliver and an address for it."""
    if not checkout.is_shipping_required():
        raise O2OError(
            "This checkout has nothing to deliver: no line needs shipping.",
            field="checkoutId",
            code="SHIPPING_NOT_REQUIRED",
        )
    if checkout.shipping_address is None:
        raise O2OError(
            "Give the checkout a shipping address first "
            "(checkoutShippingAddressUpdate).",
            field="shippingAddress",
            code="ADDRESS_REQUIRED",
        )


def checkout_destination(checkout: Checkout, *, settings: O2OSettings) -> Destination:
    """Return where the checkout's shipping address is, as far as it can be placed."""
    address = checkout.shipping_address
    query, country = geocoding_query(address)
    point, error = None, None
    try:
        place = geocoding.geocode_cached(
            query, settings=settings.geocoder, country_code=country
        )
        point = Point(latitude=place.latitude, longitude=place.longitude)
    except O2OError as raised:
        error = raised
        error.field = "shippingAddress"
    return Destination(
        point=point, country=country, postal_code=address.postal_code, error=error
    )


def days_check(days: int) -> int:
    """Return ``days``, or refuse a number of days of windows out of bounds."""
    if isinstance(days, bool) or not MIN_DAYS <= days <= MAX_DAYS:
        raise O2OError(
            f"Ask for {MIN_DAYS} to {MAX_DAYS} days of delivery windows.",
            field="days",
            code="OUT_OF_RANGE",
        )
    return days


def checkout_options(
    *,
    checkout: Checkout,
    destination: Destination,
    order_value: Decimal,
    days: int = DEFAULT_DAYS,
    now: Optional[datetime] = None,
) -> List[selectors.DeliveryOption]:
    """Return the stores delivering the checkout to its destination, best first,
    with their windows over ``days`` days (its own window hold not counted)."""
    return selectors.stores_delivering(
        point=destination.point,
        country=destination.country,
        postal_code=destination.postal_code,
        lines=reservations.checkout_lines(checkout.pk),
        order_value=order_value,
        now=now or timezone.now(),
        days=days,
        exclude_checkout=checkout.pk,
    )


def deliverable(option: selectors.DeliveryOption) -> bool:
    """Return whether the store can take the order now: whole cart, above its
    minimum, a window with room."""
    return (
        option.supplies_all
        and not option.below_minimum
        and option.earliest_window is not None
    )


def checkout_best_offer(
    *,
    checkout: Checkout,
    settings: O2OSettings,
    order_value: Decimal,
    now: Optional[datetime] = None,
) -> Optional[Offer]:
    """Return the best store and earliest window delivering the checkout now, if
    any (the checkout chose local delivery without choosing a store)."""
    if not checkout.is_shipping_required() or checkout.shipping_address is None:
        return None
    destination = checkout_destination(checkout, settings=settings)
    options = checkout_options(
        checkout=checkout, destination=destination, order_value=order_value, now=now
    )
    best = next((option for option in options if deliverable(option)), None)
    if best is None:
        return None
    window = best.earliest_window
    return Offer(
        store_id=best.store_id,
        window_start=window.start,
        window_end=window.end,
        distance_km=best.distance_km,
        fee=best.fee,
    )


@dataclass(frozen=True)
class CheckoutOptions:
    """The stores delivering a checkout, best first, and why there may be none."""

    options: List[selectors.DeliveryOption]
    errors: List[O2OError]


def checkout_local_delivery_options(
    *,
    checkout: Checkout,
    settings: O2OSettings,
    discounts,
    days: int = DEFAULT_DAYS,
    now: Optional[datetime] = None,
) -> CheckoutOptions:
    """Return the local delivery options of a checkout for a storefront.

    Nothing to deliver, no address, or days out of bounds answer no options and the
    reason; an address that cannot be placed answers the stores whose postal codes
    match it, with the reason (when some area is a radius, so that placing it
    matters); no store at all, OUTSIDE_AREA.
    """
    try:
        days_check(days)
        shipping_required(checkout)
    except O2OError as error:
        return CheckoutOptions(options=[], errors=[error])
    destination = checkout_destination(checkout, settings=settings)
    options = checkout_options(
        checkout=checkout,
        destination=destination,
        order_value=checkout_order_value(checkout, list(checkout), discounts),
        days=days,
        now=now,
    )
    errors = [destination.error] if placing_mattered(destination) else []
    if not options and not errors:
        errors.append(outside_every_area())
    return CheckoutOptions(options=options, errors=errors)


def placing_mattered(destination: Destination, *, store=None) -> bool:
    """Return whether the address not being placed may be why no store delivers:
    it could not be, and some area (the store's, if given) is a radius."""
    if destination.error is None:
        return False
    areas = DeliveryArea.objects.filter(is_active=True, radius_km__isnull=False)
    if store is not None:
        areas = areas.filter(store=store)
    return areas.exists()


def outside_every_area() -> O2OError:
    return O2OError(
        "No store delivers to this address.",
        field="shippingAddress",
        code="OUTSIDE_AREA",
    )
