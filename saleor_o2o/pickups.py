"""Click-and-collect through Saleor's own checkout.

Saleor 2.10 takes the payment before it creates the order (see
docs/design/click-and-collect.md), so stock is secured in two steps:

* `checkout_pickup_reserve`, from the plugin's ``preprocess_order_creation`` (before
  the payment): lock the store row (serialising its slot bookings), then its stock
  rows, check what the store can supply and reserve it and the slot for this
  checkout for a few minutes, or refuse with a typed error;
* `order_pickup_allocate`, from ``order_created`` (inside Saleor's order
  transaction): allocate the order from the chosen store only, drop the
  reservation, and create the `Pickup` with its handover code.

Stores join the pickup shipping zone when they start offering click-and-collect
(`pickup_zone_sync`), so that Saleor counts their stock when shoppers fill carts.
"""

from datetime import datetime, time, timedelta
from typing import Dict, List, Optional, Tuple

import pytz
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from saleor.checkout.error_codes import CheckoutErrorCode
from saleor.checkout.models import Checkout
from saleor.order.models import Order
from saleor.shipping import ShippingMethodType
from saleor.shipping.models import ShippingMethod, ShippingZone
from saleor.warehouse.models import Stock

from saleor_o2o import reservations
from saleor_o2o.conf import O2OSettings
from saleor_o2o.core.db import rows_lock, transaction_lock
from saleor_o2o.core.validation import datetime_check
from saleor_o2o.domain import codes, slots, supply
from saleor_o2o.errors import NotFound, O2OError
from saleor_o2o.models import CheckoutPickup, Pickup, PickupMethod, PickupStatus, Store

#: Handover codes (`domain.codes`).
CODE_ALPHABET = codes.ALPHABET
CODE_LENGTH = 6
PICKUP_ZONE_NAME = "Click and collect (O2O)"
#: Serialises changes to the pickup method and its zone across processes.
_PICKUP_ZONE_LOCK = "pickup-zone"


def pickup_method() -> Optional[ShippingMethod]:
    """Return the shipping method that means "collect in a store", if created."""
    row = PickupMethod.objects.select_related("shipping_method").first()
    return row.shipping_method if row else None


def _pickup_method_locked(settings: O2OSettings) -> ShippingMethod:
    """Return the pickup method, created or renamed as the settings say.

    The caller holds the pickup zone's lock.
    """
    method = pickup_method()
    if method is None:
        zone = ShippingZone.objects.create(name=PICKUP_ZONE_NAME, countries=[])
        method = ShippingMethod.objects.create(
            name=settings.pickup_method_name,
            type=ShippingMethodType.PRICE_BASED,
            price_amount=settings.pickup_fee,
            currency=django_settings.DEFAULT_CURRENCY,
            minimum_order_price_amount=0,
            shipping_zone=zone,
        )
        PickupMethod.objects.create(shipping_method=method)
    elif (method.name, method.price_amount) != (
        settings.pickup_method_name,
        settings.pickup_fee,
    ):
        method.name = settings.pickup_method_name
        method.price_amount = settings.pickup_fee
        method.save(update_fields=["name", "price_amount"])
    return method


@transaction.atomic
def pickup_method_ensure(*, settings: O2OSettings) -> ShippingMethod:
    """Return the shipping method meaning "collect in a store", as configured."""
    method = pickup_method()
    if method is not None and (method.name, method.price_amount) == (
        settings.pickup_method_name,
        settings.pickup_fee,
    ):
        return method
    transaction_lock(_PICKUP_ZONE_LOCK)
    return _pickup_method_locked(settings)


def _offers_pickup(store: Store) -> bool:
    return store.is_active and store.is_click_and_collect


@transaction.atomic
def pickup_zone_sync(*, store: Store, settings: O2OSettings) -> None:
    """Put the store's warehouse in the pickup zone while it offers pickup, or not.

    Saleor offers shipping methods by zone and counts stock of the warehouses in the
    zones covering the shopper's country: the zone lists the countries of the
    stores offering pickup and holds their warehouses, so a variant stocked only in
    a store can be put in a cart from the moment the store offers it. Home delivery
    is never allocated from this zone's warehouses (`reservations.shipping_source`).
    """
    if not _offers_pickup(store) and pickup_method() is None:
        return
    transaction_lock(_PICKUP_ZONE_LOCK)
    zone = _pickup_method_locked(settings).shipping_zone
    if _offers_pickup(store):
        store.warehouse.shipping_zones.add(zone)
    else:
        store.warehouse.shipping_zones.remove(zone)
    wanted = sorted(
        set(
            Store.objects.filter(
                is_active=True,
                is_click_and_collect=True,
                warehouse__shipping_zones=zone,
            ).values_list("warehouse__address__country", flat=True)
        )
    )
    if [country.code for country in zone.countries] != wanted:
        zone.countries = wanted
        zone.save(update_fields=["countries"])


def _store_source(store: Store) -> reservations.Source:
    return reservations.Source(
        warehouse_ids=(store.warehouse_id,), safety_stock=store.pickup_safety_stock
    )


def _store_short(store: Store, lines, *, checkout_token) -> Tuple[supply.Line, ...]:
    """Return the lines the store cannot supply now (a read: nothing is locked)."""
    stocks = Stock.objects.filter(
        warehouse_id=store.warehouse_id,
        product_variant_id__in=[line.variant_id for line in lines],
    ).order_by("pk")
    units = reservations.stock_units(
        list(stocks),
        safety_stock=store.pickup_safety_stock,
        exclude_checkout=checkout_token,
    )
    return supply.allocation_plan(lines, units).short


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
    if not checkout.is_shipping_required():
        raise O2OError(
            "This checkout has nothing to collect: no line needs shipping.",
            field="checkoutId",
            code="SHIPPING_NOT_REQUIRED",
        )
    lines = reservations.checkout_lines(checkout.pk)
    if _store_short(store, lines, checkout_token=checkout.pk):
        raise O2OError(
            f"{store.name} cannot supply every line for pickup.",
            field="storeId",
            code="INSUFFICIENT_STOCK",
        )
    if slot_start is not None:
        slot_start = datetime_check(slot_start, field="slot", code="SLOT_UNAVAILABLE")
        _check_slot(store, slot_start, checkout_id=checkout.pk)
    method = pickup_method_ensure(settings=settings)
    CheckoutPickup.objects.update_or_create(
        checkout=checkout,
        defaults={
            "store": store,
            "is_curbside": curbside,
            "slot_start": slot_start,
            "held_until": None,
        },
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

    A booking is an open pickup, or a checkout completing right now (it holds its
    slot until its order exists). Two queries whatever the number of stores: the
    store lists of the storefront ask for slots of many stores at once.
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
        held_until__gt=timezone.now(),
    )
    if exclude_checkout is not None:
        completing = completing.exclude(checkout_id=exclude_checkout)
    rows = list(pickups_booked) + list(completing.values_list("store_id", "slot_start"))
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
    try:
        slots.check_slot_date(day, today=timezone.now().date(), field="slot")
    except O2OError as error:
        raise O2OError(error.message, field="slot", code="SLOT_UNAVAILABLE")
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


def is_pickup(shipping_method_id) -> bool:
    """Return whether a checkout or order with this method is collected in store."""
    method = pickup_method()
    return method is not None and shipping_method_id == method.pk


def checkout_pickup_reserve(*, checkout: Checkout) -> None:
    """Reserve the checkout's lines and slot in its pickup store, or refuse it.

    Called before the payment, inside Saleor's transaction, for checkouts collected
    in a store. Locks: the store row (FOR NO KEY UPDATE, which serialises the store's
    reservations and slot bookings but lets new pickups refer to it), then its stock
    rows in primary-key order.
    """
    choice = CheckoutPickup.objects.filter(checkout=checkout).first()
    if choice is None:
        raise _refuse(
            "Choose the store to collect in (checkoutPickupStoreUpdate) before "
            "completing the checkout.",
            CheckoutErrorCode.SHIPPING_METHOD_NOT_SET,
        )
    rows_lock(Store._meta.db_table, [choice.store_id], mode="NO KEY UPDATE")
    store = Store.objects.select_related("warehouse").get(pk=choice.store_id)
    if not _offers_pickup(store):
        raise _refuse(
            f"{store.name} no longer offers click-and-collect; choose another store.",
            CheckoutErrorCode.SHIPPING_METHOD_NOT_APPLICABLE,
        )
    try:
        reservations.checkout_reserve(
            checkout=checkout,
            source=_store_source(store),
            lines=reservations.checkout_lines(checkout.pk),
        )
    except reservations.Unavailable:
        raise _refuse(
            f"{store.name} no longer has every line for pickup; choose another "
            "store or change the cart.",
            CheckoutErrorCode.INSUFFICIENT_STOCK,
            field="lines",
        )
    held_until = None
    if choice.slot_start is not None:
        try:
            _check_slot(store, choice.slot_start, checkout_id=checkout.pk)
        except O2OError as error:
            raise _refuse(
                f"{error.message} Choose another pickup slot.",
                CheckoutErrorCode.SHIPPING_METHOD_NOT_APPLICABLE,
            )
        held_until = timezone.now() + timedelta(
            minutes=reservations.RESERVATION_MINUTES
        )
    CheckoutPickup.objects.filter(pk=choice.pk).update(held_until=held_until)


def checkout_pickup_release(*, checkout_token) -> None:
    """Free the slot a completing checkout held (its completion failed)."""
    CheckoutPickup.objects.filter(checkout_id=checkout_token).update(held_until=None)


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

    Runs inside Saleor's order transaction, whose stock rows are locked already
    (`saleor_o2o.completion.order_stock_prelock`): raising rolls the order back.
    """
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
    try:
        plan, before = reservations.order_allocate(
            order=order, source=_store_source(store)
        )
    except reservations.Unavailable:
        raise _refuse(
            f"{store.name} no longer has every line for pickup.",
            CheckoutErrorCode.INSUFFICIENT_STOCK,
            field="lines",
        )
    _record_low_stock(store, before, plan.takes)
    CheckoutPickup.objects.filter(pk=choice.pk).update(held_until=None)
    pickup = Pickup.objects.create(
        order=order,
        store=store,
        is_curbside=choice.is_curbside,
        slot_start=choice.slot_start,
        code=_new_code(),
    )
    from saleor_o2o.pickup_lifecycle import pickup_created

    pickup_created(pickup=pickup)
    return pickup


def _record_low_stock(store: Store, before: Dict[int, int], takes) -> None:
    """Record low-stock events for the variants this order took below the threshold."""
    from saleor_o2o.services import record_stock_low

    if store.low_stock_threshold is None:
        return
    after = {
        take.variant_id: max(0, before.get(take.variant_id, 0) - take.quantity)
        for take in takes
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
