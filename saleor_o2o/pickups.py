"""Click-and-collect through Saleor's own checkout.

Saleor 2.10 takes the payment before it creates the order (see
docs/design/click-and-collect.md), so stock is secured in two steps:

* `checkout_pickup_reserve`, from the plugin's ``preprocess_order_creation`` (before
  the payment): lock the store's stock rows, check what the store can supply and
  reserve it for this checkout for a few minutes, or refuse with a typed error;
* `order_pickup_allocate`, from ``order_created`` (inside Saleor's order
  transaction): move the order's allocations to the chosen store, covered by the
  reservation, and create the `Pickup` with its handover code.
"""

from datetime import datetime, time, timedelta
from typing import Dict, Iterable, List, Optional, Tuple

import pytz
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from saleor.checkout.error_codes import CheckoutErrorCode
from saleor.checkout.models import Checkout
from saleor.order.models import Order
from saleor.shipping import ShippingMethodType
from saleor.shipping.models import ShippingMethod, ShippingZone
from saleor.warehouse.models import Allocation, Stock

from .conf import O2OSettings
from .domain import codes, slots, supply
from .errors import NotFound, O2OError
from .models import (
    CheckoutPickup,
    Pickup,
    PickupMethod,
    PickupReservation,
    PickupStatus,
    Store,
)

#: How long units stay reserved for a checkout between its check and its order.
RESERVATION_MINUTES = 15
#: Handover codes (`domain.codes`).
CODE_ALPHABET = codes.ALPHABET
CODE_LENGTH = 6
PICKUP_ZONE_NAME = "Click and collect (O2O)"
#: Serialises the creation of the pickup method across processes.
_PICKUP_METHOD_LOCK = 7_130_001


def pickup_method() -> Optional[ShippingMethod]:
    """Return the shipping method that means "collect in a store", if created."""
    row = PickupMethod.objects.select_related("shipping_method").first()
    return row.shipping_method if row else None


@transaction.atomic
def pickup_method_ensure(*, store: Store, settings: O2OSettings) -> ShippingMethod:
    """Create or update the pickup shipping method and make it cover `store`.

    Saleor offers shipping methods by zone, so the method's zone lists the countries
    of the stores chosen so far and holds their warehouses (which also lets Saleor's
    own stock checks count the stores' stock).
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PICKUP_METHOD_LOCK])
    method = pickup_method()
    country = store.address.country.code
    if method is None:
        zone = ShippingZone.objects.create(name=PICKUP_ZONE_NAME, countries=[country])
        method = ShippingMethod.objects.create(
            name=settings.pickup_method_name,
            type=ShippingMethodType.PRICE_BASED,
            price_amount=settings.pickup_fee,
            currency=django_settings.DEFAULT_CURRENCY,
            minimum_order_price_amount=0,
            shipping_zone=zone,
        )
        PickupMethod.objects.create(shipping_method=method)
    else:
        zone = method.shipping_zone
        if (method.name, method.price_amount) != (
            settings.pickup_method_name,
            settings.pickup_fee,
        ):
            method.name = settings.pickup_method_name
            method.price_amount = settings.pickup_fee
            method.save(update_fields=["name", "price_amount"])
        if country not in [c.code for c in zone.countries]:
            zone.countries = [*[c.code for c in zone.countries], country]
            zone.save(update_fields=["countries"])
    store.warehouse.shipping_zones.add(zone)
    return method


def _shippable_lines(checkout: Checkout) -> Tuple[supply.Line, ...]:
    rows = checkout.lines.filter(
        variant__product__product_type__is_shipping_required=True
    ).values_list("variant_id", "quantity")
    lines = [supply.Line(variant_id, quantity) for variant_id, quantity in rows]
    return supply.merge_lines(lines) if lines else ()


def _locked_availability(
    store: Store, variant_ids: Iterable[int], *, exclude_checkout=None
) -> Dict[int, Tuple[Stock, int]]:
    """Lock the store's stock rows and return (stock, units available) by variant.

    Available = quantity - allocated - safety stock - units reserved by other
    checkouts, never below zero. Rows are locked in pk order, so concurrent
    checkouts wait for each other instead of deadlocking.
    """
    stocks = list(
        Stock.objects.select_for_update(of=("self",))
        .filter(
            warehouse_id=store.warehouse_id, product_variant_id__in=list(variant_ids)
        )
        .order_by("pk")
    )
    # order_by(): Saleor's models order by pk, which would split the GROUP BY.
    allocated = dict(
        Allocation.objects.filter(stock__in=stocks)
        .order_by()
        .values("stock")
        .annotate(total=Sum("quantity_allocated"))
        .values_list("stock", "total")
    )
    reservations = PickupReservation.objects.filter(
        stock__in=stocks, expires_at__gt=timezone.now()
    )
    if exclude_checkout is not None:
        reservations = reservations.exclude(checkout_id=exclude_checkout)
    reserved = dict(
        reservations.order_by()
        .values("stock")
        .annotate(total=Sum("quantity"))
        .values_list("stock", "total")
    )
    return {
        stock.product_variant_id: (
            stock,
            supply.available_for_pickup(
                quantity=stock.quantity,
                allocated=(allocated.get(stock.pk) or 0)
                + (reserved.get(stock.pk) or 0),
                safety_stock=store.pickup_safety_stock,
            ),
        )
        for stock in stocks
    }


def _short_lines(lines, available) -> List[supply.Line]:
    """Return the lines the store cannot fully supply."""
    return [
        line
        for line in lines
        if available.get(line.variant_id, (None, 0))[1] < line.quantity
    ]


@transaction.atomic
def checkout_pickup_set(
    *,
    checkout: Checkout,
    store: Store,
    curbside: bool,
    settings: O2OSettings,
    slot_start=None,
) -> Checkout:
    """Choose the store a checkout is collected in; set pickup method and address."""
    if not store.is_active:
        raise NotFound("No such store.", field="storeId")
    if not store.is_click_and_collect:
        raise O2OError(
            f"{store.name} does not offer click-and-collect.",
            field="storeId",
            code="SERVICE_NOT_OFFERED",
        )
    if curbside and not store.is_curbside:
        raise O2OError(
            f"{store.name} does not offer curbside pickup.",
            field="curbside",
            code="SERVICE_NOT_OFFERED",
        )
    lines = _shippable_lines(checkout)
    if not lines:
        raise O2OError(
            "This checkout has nothing to collect: no line needs shipping.",
            field="checkoutId",
            code="SHIPPING_NOT_REQUIRED",
        )
    available = _locked_availability(
        store, [line.variant_id for line in lines], exclude_checkout=checkout.pk
    )
    if _short_lines(lines, available):
        raise O2OError(
            f"{store.name} cannot supply every line for pickup.",
            field="storeId",
            code="INSUFFICIENT_STOCK",
        )
    if slot_start is not None:
        _check_slot(store, slot_start, checkout_id=checkout.pk)
    method = pickup_method_ensure(store=store, settings=settings)
    CheckoutPickup.objects.update_or_create(
        checkout=checkout,
        defaults={"store": store, "is_curbside": curbside, "slot_start": slot_start},
    )
    address = store.address.get_copy()
    checkout.shipping_address = address
    checkout.shipping_method = method
    checkout.save(update_fields=["shipping_address", "shipping_method", "last_change"])
    return checkout


def slot_bookings(
    *, store: Store, start, end, exclude_checkout=None
) -> Dict[object, int]:
    """Count pickups booked per slot start in [start, end): open pickups, plus
    checkouts holding a live reservation (they are completing right now)."""
    return slot_bookings_for(
        {store.pk: (start, end)}, exclude_checkout=exclude_checkout
    )[store.pk]


def slot_bookings_for(
    windows: Dict[int, Tuple[datetime, datetime]], *, exclude_checkout=None
) -> Dict[int, Dict[object, int]]:
    """Count bookings per slot start for several stores, each in its own window.

    Two queries whatever the number of stores: the store lists of the storefront
    ask for slots of many stores at once.
    """
    counts: Dict[int, Dict[object, int]] = {store_id: {} for store_id in windows}
    if not windows:
        return counts
    start = min(window[0] for window in windows.values())
    end = max(window[1] for window in windows.values())
    pickups_booked = Pickup.objects.filter(
        store_id__in=windows,
        status__in=OPEN_STATUSES,
        slot_start__gte=start,
        slot_start__lt=end,
    ).values_list("store_id", "slot_start")
    completing = CheckoutPickup.objects.filter(
        store_id__in=windows,
        slot_start__gte=start,
        slot_start__lt=end,
        checkout__o2o_reservations__expires_at__gt=timezone.now(),
    )
    if exclude_checkout is not None:
        completing = completing.exclude(checkout_id=exclude_checkout)
    # One row per checkout (the join repeats it per reserved stock row).
    rows = list(pickups_booked) + [
        (store_id, slot_start)
        for store_id, slot_start, _checkout in completing.values_list(
            "store_id", "slot_start", "checkout_id"
        ).distinct()
    ]
    for store_id, slot_start in rows:
        window_start, window_end = windows[store_id]
        if window_start <= slot_start < window_end:
            per_store = counts[store_id]
            per_store[slot_start] = per_store.get(slot_start, 0) + 1
    return counts


def _day_window(store: Store, day) -> Tuple[datetime, datetime]:
    zone = pytz.timezone(store.timezone)
    day_start = zone.localize(datetime.combine(day, time(0)))
    # Overnight hours can put the day's last slots past midnight.
    return day_start, day_start + timedelta(days=2)


def store_pickup_slots(*, store: Store, day, now=None, exclude_checkout=None):
    """Return the store's pickup slots on local date `day`, with what remains."""
    if store.pickup_slot_capacity == 0:
        return []
    booked = slot_bookings_for(
        {store.pk: _day_window(store, day)}, exclude_checkout=exclude_checkout
    )[store.pk]
    return store_pickup_slots_booked(store=store, day=day, booked=booked, now=now)


def stores_pickup_slots(*, requests, now=None) -> List[list]:
    """Return the pickup slots of several ``(store, day)`` pairs, in order.

    Bookings are counted in one go and opening-hours exceptions fetched once.
    """
    from django.db.models import prefetch_related_objects

    stores = [store for store, _day in requests if store.pickup_slot_capacity]
    # Skips the stores whose exceptions the store list prefetched already.
    prefetch_related_objects(stores, "hours_exceptions")
    windows: Dict[int, Tuple[datetime, datetime]] = {}
    for store, day in requests:
        if store.pickup_slot_capacity:
            start, end = _day_window(store, day)
            known = windows.get(store.pk)
            windows[store.pk] = (
                (min(start, known[0]), max(end, known[1])) if known else (start, end)
            )
    booked = slot_bookings_for(windows)
    return [
        (
            store_pickup_slots_booked(
                store=store, day=day, booked=booked.get(store.pk, {}), now=now
            )
            if store.pickup_slot_capacity
            else []
        )
        for store, day in requests
    ]


def store_pickup_slots_booked(*, store: Store, day, booked, now=None):
    """Return the store's slots on `day` given the bookings counted already."""
    now = now or timezone.now()
    if store.pickup_slot_capacity == 0:
        return []
    schedule = store.schedule()
    earliest = supply.ready_by(
        schedule, now=now, lead_time=timedelta(minutes=store.pickup_lead_time_minutes)
    )
    if earliest is None:
        return []
    return slots.pickup_slots(
        schedule,
        day=day,
        slot_minutes=store.pickup_slot_minutes,
        capacity=store.pickup_slot_capacity,
        earliest=earliest,
        booked=booked,
    )


def _check_slot(store: Store, slot_start, *, checkout_id) -> None:
    """Raise unless `slot_start` is a slot of the store with room left."""
    if store.pickup_slot_capacity == 0:
        raise O2OError(
            f"{store.name} does not book pickup slots.",
            field="slot",
            code="SLOT_UNAVAILABLE",
        )
    zone = pytz.timezone(store.timezone)
    day = slot_start.astimezone(zone).date()
    offered = store_pickup_slots(store=store, day=day, exclude_checkout=checkout_id)
    slot = next((s for s in offered if s.start == slot_start), None)
    if slot is None:
        raise O2OError(
            "That is not a pickup slot of the store: it must start on a slot "
            "boundary, inside opening hours, once the order can be ready.",
            field="slot",
            code="SLOT_UNAVAILABLE",
        )
    if not slots.can_book(slot):
        raise O2OError("That pickup slot is full.", field="slot", code="SLOT_FULL")


def _refuse(message: str, code: CheckoutErrorCode, field: str = "shippingMethod"):
    return ValidationError({field: ValidationError(message, code=code.value)})


def checkout_pickup_reserve(*, checkout: Checkout) -> None:
    """Reserve the checkout's lines in its pickup store, or refuse the checkout.

    Called before the payment, inside Saleor's transaction; does nothing for
    checkouts delivered otherwise.
    """
    method = pickup_method()
    if method is None or checkout.shipping_method_id != method.pk:
        return
    choice = CheckoutPickup.objects.select_related("store").filter(checkout=checkout)
    choice = choice.first()
    if choice is None:
        raise _refuse(
            "Choose the store to collect in (checkoutPickupStoreUpdate) before "
            "completing the checkout.",
            CheckoutErrorCode.SHIPPING_METHOD_NOT_SET,
        )
    store = Store.objects.select_for_update().get(pk=choice.store_id)
    if not (store.is_active and store.is_click_and_collect):
        raise _refuse(
            f"{store.name} no longer offers click-and-collect; choose another store.",
            CheckoutErrorCode.SHIPPING_METHOD_NOT_APPLICABLE,
        )
    lines = _shippable_lines(checkout)
    available = _locked_availability(
        store, [line.variant_id for line in lines], exclude_checkout=checkout.pk
    )
    if _short_lines(lines, available):
        raise _refuse(
            f"{store.name} no longer has every line for pickup; choose another "
            "store or change the cart.",
            CheckoutErrorCode.INSUFFICIENT_STOCK,
            field="lines",
        )
    if choice.slot_start is not None:
        # The store row lock above serialises bookings of the store's slots.
        try:
            _check_slot(store, choice.slot_start, checkout_id=checkout.pk)
        except O2OError as error:
            raise _refuse(
                f"{error.message} Choose another pickup slot.",
                CheckoutErrorCode.SHIPPING_METHOD_NOT_APPLICABLE,
            )
    expires = timezone.now() + timedelta(minutes=RESERVATION_MINUTES)
    PickupReservation.objects.filter(checkout=checkout).delete()
    PickupReservation.objects.bulk_create(
        PickupReservation(
            checkout=checkout,
            stock=available[line.variant_id][0],
            quantity=line.quantity,
            expires_at=expires,
        )
        for line in lines
    )


#: Pickups whose code may still be presented at a counter.
OPEN_STATUSES = [
    PickupStatus.RECEIVED,
    PickupStatus.PREPARING,
    PickupStatus.READY,
    PickupStatus.CUSTOMER_ARRIVED,
]


def _new_code() -> str:
    while True:
        code = codes.new_code(CODE_LENGTH)
        if not Pickup.objects.filter(code=code, status__in=OPEN_STATUSES).exists():
            return code


def order_pickup_allocate(*, order: Order) -> Optional[Pickup]:
    """Allocate a pickup order from its store only and create its `Pickup`.

    Runs inside Saleor's order transaction: raising rolls the order back.
    """
    method = pickup_method()
    if method is None or order.shipping_method_id != method.pk:
        return None
    choice = (
        CheckoutPickup.objects.select_related("store")
        .filter(checkout_id=order.checkout_token)
        .first()
    )
    if choice is None:
        raise _refuse(
            "Choose the store to collect in before completing the checkout.",
            CheckoutErrorCode.SHIPPING_METHOD_NOT_SET,
        )
    store = choice.store
    lines = list(order.lines.filter(variant__isnull=False))
    wanted = (
        supply.merge_lines(
            supply.Line(line.variant_id, line.quantity) for line in lines
        )
        if lines
        else ()
    )
    # Saleor allocated by country; the units must come from the chosen store.
    Allocation.objects.filter(order_line__order=order).delete()
    available = _locked_availability(
        store,
        [line.variant_id for line in wanted],
        exclude_checkout=order.checkout_token,
    )
    if _short_lines(wanted, available):
        raise _refuse(
            f"{store.name} no longer has every line for pickup.",
            CheckoutErrorCode.INSUFFICIENT_STOCK,
            field="lines",
        )
    Allocation.objects.bulk_create(
        Allocation(
            order_line=line,
            stock=available[line.variant_id][0],
            quantity_allocated=line.quantity,
        )
        for line in lines
    )
    PickupReservation.objects.filter(checkout_id=order.checkout_token).delete()
    _record_low_stock(store, {v: units for v, (_, units) in available.items()}, wanted)
    pickup = Pickup.objects.create(
        order=order,
        store=store,
        is_curbside=choice.is_curbside,
        slot_start=choice.slot_start,
        code=_new_code(),
    )
    from .pickup_lifecycle import pickup_created

    pickup_created(pickup=pickup)
    return pickup


def _record_low_stock(store: Store, before: Dict[int, int], lines) -> None:
    """Record low-stock events for the variants this order took below the threshold."""
    from .services import record_stock_low

    if store.low_stock_threshold is None:
        return
    after = {
        line.variant_id: max(0, before.get(line.variant_id, 0) - line.quantity)
        for line in lines
    }
    record_stock_low(
        store,
        [
            variant_id
            for variant_id in sorted(after)
            if supply.crossed_low_stock(
                before=before.get(variant_id, 0),
                after=after[variant_id],
                threshold=store.low_stock_threshold,
            )
        ],
        after,
    )


def reservations_purge(*, before=None) -> int:
    """Delete expired reservations; return how many."""
    deleted, _ = PickupReservation.objects.filter(
        expires_at__lte=before or timezone.now()
    ).delete()
    return deleted
