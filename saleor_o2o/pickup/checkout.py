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

from datetime import timedelta
from typing import Optional, Tuple

import pytz
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from saleor.checkout.error_codes import CheckoutErrorCode
from saleor.checkout.models import Checkout
from saleor.order.models import Order
from saleor.warehouse.models import Stock

from saleor_o2o.core import codes
from saleor_o2o.core.db import rows_lock
from saleor_o2o.core.errors import NotFound, O2OError
from saleor_o2o.core.settings import O2OSettings
from saleor_o2o.core.validation import datetime_check
from saleor_o2o.local_delivery.models import CheckoutLocalDelivery
from saleor_o2o.pickup.models import CheckoutPickup, Pickup
from saleor_o2o.pickup.selectors import OPEN_STATUSES, store_pickup_slots
from saleor_o2o.pickup.services import pickup_created
from saleor_o2o.store import reservations, slots, supply
from saleor_o2o.store.models import Store
from saleor_o2o.store.pickup_zone import offers_pickup, pickup_method_ensure
from saleor_o2o.store.stock import record_stock_low_after

#: Handover codes (`core.codes`).
CODE_ALPHABET = codes.ALPHABET
CODE_LENGTH = codes.HANDOVER_CODE_LENGTH


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
    # One way to receive the order: collecting it replaces a local delivery choice.
    CheckoutLocalDelivery.objects.filter(checkout=checkout).delete()
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
    if not offers_pickup(store):
        raise _refuse(
            f"{store.name} no longer offers click-and-collect; choose another store.",
            CheckoutErrorCode.SHIPPING_METHOD_NOT_APPLICABLE,
        )
    try:
        reservations.checkout_reserve(
            checkout=checkout,
            source=reservations.store_source(store),
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


def order_pickup_allocate(*, order: Order) -> Optional[Pickup]:
    """Allocate a pickup order from its store only and create its `Pickup`.

    Runs inside Saleor's order transaction, whose stock rows are locked already
    (`checkout.completion.order_stock_prelock`): raising rolls the order back.
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
            order=order, source=reservations.store_source(store)
        )
    except reservations.Unavailable:
        raise _refuse(
            f"{store.name} no longer has every line for pickup.",
            CheckoutErrorCode.INSUFFICIENT_STOCK,
            field="lines",
        )
    record_stock_low_after(store, before, plan.takes)
    CheckoutPickup.objects.filter(pk=choice.pk).update(held_until=None)
    pickup = Pickup.objects.create(
        order=order,
        store=store,
        is_curbside=choice.is_curbside,
        slot_start=choice.slot_start,
        code=codes.new_handover_code(Pickup.objects.filter(status__in=OPEN_STATUSES)),
    )
    pickup_created(pickup=pickup)
    return pickup
