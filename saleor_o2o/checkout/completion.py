"""Completing a checkout: an order, or a typed refusal before any payment is taken.

Saleor 2.10's ``checkoutComplete`` prepares the order (the plugins'
``preprocess_order_creation``), captures the payment, then creates the order in a
transaction of its own (the plugins' ``order_created``). Sent twice at once, it
captures twice; failing after the capture, it leaves a shopper charged with no
order. The extension serves ``checkoutComplete`` through `checkout_completion`:

* one completion of a checkout at a time (a session advisory lock on its token):
  another one sent meanwhile is refused (``UNIQUE``) before anything is charged;
* before the payment, the order's stock is reserved where it will be allocated from
  (`checkout_reserve`), or the checkout is refused (``INSUFFICIENT_STOCK``, ...);
  when shipped orders are routed by distance, the shipping address is placed
  first, before any transaction (`routing.checkout_route_prepare`), and the stock
  is reserved nearest first;
* inside Saleor's order transaction, every stock row Saleor will lock is locked
  first, in primary-key order (`order_stock_prelock`), then the order is allocated
  from the reservation's source (`order_allocate`);
* a completion that fails releases its reservation and slot at once and refunds a
  payment captured without an order; a retry after a completion whose process died
  between the payment and the order places the order without charging again
  (`payment_already_captured`); a periodic sweep refunds such payments nobody
  retried (`payments_orphaned_refund`).

The lock order is in docs/design/click-and-collect.md.
"""

import logging
from contextlib import contextmanager
from datetime import timedelta
from typing import Iterator, List, Optional

from django.core.exceptions import ValidationError
from django.utils import timezone
from saleor.checkout.error_codes import CheckoutErrorCode
from saleor.checkout.models import Checkout, CheckoutLine
from saleor.core.exceptions import InsufficientStock
from saleor.order.models import Order
from saleor.payment import ChargeStatus, PaymentError, gateway
from saleor.payment.models import Payment
from saleor.warehouse.models import Stock

from saleor_o2o.checkout import routing
from saleor_o2o.core.db import session_lock_is_free, session_lock_try
from saleor_o2o.local_delivery import checkout as local_delivery_checkout
from saleor_o2o.pickup import checkout as pickup_checkout
from saleor_o2o.store import pickup_zone, reservations

logger = logging.getLogger(__name__)

#: A payment captured without an order this long ago is refunded by the sweep.
ORPHAN_AFTER = timedelta(minutes=30)
_CHARGED = (ChargeStatus.FULLY_CHARGED, ChargeStatus.PARTIALLY_CHARGED)


def refusal(message: str, code: CheckoutErrorCode, field: str) -> ValidationError:
    """Return the error with which ``checkoutComplete`` refuses, as Saleor types it."""
    return ValidationError({field: ValidationError(message, code=code.value)})


def _lock_name(token) -> str:
    return f"checkout-completion:{token}"


@contextmanager
def checkout_completion(token) -> Iterator[None]:
    """Run one completion of the checkout: refuse a concurrent or repeated one, and
    clean up if this one fails.

    A failure inside the block releases the reservation and the slot and refunds a
    payment captured without an order, then leaves as a refusal (a
    ``ValidationError`` with a checkout error code) saying whether money was
    refunded; unexpected errors are logged and refused with ``INVALID``.
    """
    with session_lock_try(_lock_name(token)) as held:
        if not held:
            raise refusal(
                "This checkout is already being completed by another request; its "
                "answer will carry the order.",
                CheckoutErrorCode.UNIQUE,
                "checkoutId",
            )
        placed = Order.objects.filter(checkout_token=token).first()
        if placed is not None:
            raise refusal(
                f"This checkout was already placed as order {placed.pk}.",
                CheckoutErrorCode.UNIQUE,
                "checkoutId",
            )
        routing.checkout_route_prepare(token)
        try:
            yield
        except Exception as error:
            raise _failure(error, completion_failed(checkout_token=token))
        except BaseException:  # The worker is stopping: still free what was held.
            completion_failed(checkout_token=token)
            raise


#: What became of the money when a completion failed, as told to the shopper.
_AFTER_FAILURE = {
    True: " Your payment was refunded.",
    False: (
        " Your payment could not be refunded automatically; the shop will refund it."
    ),
    None: "",
    "unknown": " Any payment taken will be refunded.",
}


def _failure(error: Exception, refunded) -> ValidationError:
    """Return the refusal a failed completion answers."""
    suffix = _AFTER_FAILURE[refunded]
    if isinstance(error, ValidationError):
        if not suffix:
            return error
        if hasattr(error, "error_dict"):
            return ValidationError(
                {
                    field: [
                        ValidationError(message + suffix, code=item.code)
                        for item in items
                        for message in item.messages
                    ]
                    for field, items in error.error_dict.items()
                }
            )
        return ValidationError(
            [
                ValidationError(message + suffix, code=item.code)
                for item in error.error_list
                for message in item.messages
            ]
        )
    if isinstance(error, InsufficientStock):
        # Saleor's own allocation, after the payment (stock lowered meanwhile).
        return refusal(
            f"Insufficient product stock: {error.item}." + suffix,
            CheckoutErrorCode.INSUFFICIENT_STOCK,
            "lines",
        )
    logger.exception("checkoutComplete failed unexpectedly")
    return refusal(
        "The order could not be placed because of an error in the shop."
        + (suffix or " Nothing was charged.")
        + " Please try again.",
        CheckoutErrorCode.INVALID,
        "checkoutId",
    )


def completion_failed(*, checkout_token):
    """Undo what a failed completion holds: reservation, slot, uncovered payment.

    Returns whether a payment was refunded (None if none needed it, "unknown" if the
    clean-up failed). Never raises: whatever it cannot undo now expires, or is
    refunded by the sweep.
    """
    try:
        reservations.checkout_release(checkout_token=checkout_token)
        pickup_checkout.checkout_pickup_release(checkout_token=checkout_token)
        local_delivery_checkout.checkout_local_delivery_release(
            checkout_token=checkout_token
        )
        return payments_refund(checkout_token=checkout_token)
    except Exception:
        logger.exception("Could not clean up after checkout %s", checkout_token)
        return "unknown"


def payment_already_captured(checkout: Checkout) -> Optional[Payment]:
    """Return the checkout's active payment if an earlier completion captured all of
    it and died before the order (the order is then placed without charging again).
    """
    payment = checkout.get_last_active_payment()
    if (
        payment is not None
        and payment.charge_status == ChargeStatus.FULLY_CHARGED
        and payment.captured_amount >= payment.total
        and payment.order_id is None
    ):
        return payment
    return None


def _orphans(**lookup) -> List[Payment]:
    return list(
        Payment.objects.filter(
            is_active=True,
            order__isnull=True,
            captured_amount__gt=0,
            charge_status__in=_CHARGED,
            **lookup,
        ).order_by("pk")
    )


def _refund(payment: Payment) -> bool:
    amount = payment.captured_amount
    try:
        gateway.refund(payment)
    except PaymentError:
        logger.exception(
            "Payment %s (%s %s) was captured without an order and could not be "
            "refunded: refund it by hand.",
            payment.pk,
            amount,
            payment.currency,
        )
        return False
    logger.warning(
        "Refunded payment %s (%s %s): it was captured but no order was created.",
        payment.pk,
        amount,
        payment.currency,
    )
    return True


def payments_refund(*, checkout_token) -> Optional[bool]:
    """Refund the checkout's payments captured without an order.

    Returns None when there were none, else whether every refund succeeded. The
    caller holds the checkout's completion lock.
    """
    orphans = _orphans(checkout_id=checkout_token)
    if not orphans:
        return None
    return all([_refund(payment) for payment in orphans])


def payments_orphaned_refund(*, now=None) -> int:
    """Refund payments captured at least `ORPHAN_AFTER` ago that have no order.

    Skips a checkout being completed right now. Returns how many were refunded.
    """
    cutoff = (now or timezone.now()) - ORPHAN_AFTER
    refunded = 0
    for payment in _orphans(modified__lt=cutoff):
        if payment.checkout_id is None:
            refunded += _refund(payment)
            continue
        with session_lock_try(_lock_name(payment.checkout_id)) as held:
            if (
                held
                and not Order.objects.filter(
                    checkout_token=payment.checkout_id
                ).exists()
            ):
                payment.refresh_from_db()
                if payment.order_id is None and payment.captured_amount > 0:
                    refunded += _refund(payment)
    return refunded


def completion_in_progress(token) -> bool:
    """Return whether a completion of the checkout is running now."""
    return not session_lock_is_free(_lock_name(token))


# Hooks, called by the plugin --------------------------------------------------------


def checkout_reserve(*, checkout: Checkout) -> None:
    """Reserve the checkout's stock (and slot) where its order will come from.

    Called before the payment inside Saleor's transaction; raises a refusal.
    """
    if pickup_zone.is_pickup(checkout.shipping_method_id):
        pickup_checkout.checkout_pickup_reserve(checkout=checkout)
        return
    if local_delivery_checkout.is_local_delivery(checkout.shipping_method_id):
        local_delivery_checkout.checkout_local_delivery_reserve(checkout=checkout)
        return
    if not checkout.is_shipping_required():
        return
    lines = reservations.checkout_lines(checkout.pk)
    if not lines:
        return
    try:
        reservations.checkout_reserve(
            checkout=checkout,
            source=routing.shipping_source(
                checkout.get_country(), checkout.shipping_address
            ),
            lines=lines,
        )
    except reservations.Unavailable:
        raise refusal(
            "Some products are not in stock for delivery to this address (they may "
            "be available to collect in a store).",
            CheckoutErrorCode.INSUFFICIENT_STOCK,
            "lines",
        )


def order_allocate(*, order: Order) -> None:
    """Allocate a new order from its reservation's source (inside Saleor's
    order transaction; raising rolls the order back)."""
    if not order.checkout_token:
        return
    if pickup_zone.is_pickup(order.shipping_method_id):
        pickup_checkout.order_pickup_allocate(order=order)
        return
    if local_delivery_checkout.is_local_delivery(order.shipping_method_id):
        local_delivery_checkout.order_local_delivery_allocate(order=order)
        return
    if order.shipping_address is None:
        return
    source = routing.shipping_source(
        order.shipping_address.country.code, order.shipping_address
    )
    try:
        reservations.order_allocate(order=order, source=source)
    except reservations.Unavailable:
        raise refusal(
            "Some products are no longer in stock for delivery to this address.",
            CheckoutErrorCode.INSUFFICIENT_STOCK,
            "lines",
        )


def order_stock_prelock(sender, instance: Order, created: bool, **kwargs) -> None:
    """Lock every stock row Saleor's order creation will lock, in primary-key order.

    Saleor allocates line by line, locking each variant's stock rows in turn, so two
    orders (or an order and a reservation) whose lines come in different orders
    could each hold a row the other waits for. Connected to ``post_save`` of
    ``Order``: it runs when ``create_order`` inserts the order, in its transaction,
    before any allocation.
    """
    if kwargs.get("raw") or not created or not instance.checkout_token:
        return
    checkout = (
        Checkout.objects.select_related("shipping_address", "billing_address")
        .filter(token=instance.checkout_token)
        .first()
    )
    if checkout is None:
        return
    address = checkout.shipping_address or checkout.billing_address
    country = (
        address.country.code if address and address.country else checkout.country.code
    )
    variant_ids = CheckoutLine.objects.filter(
        checkout=checkout, variant__track_inventory=True
    ).values_list("variant_id", flat=True)
    list(
        Stock.objects.select_for_update(of=("self",))
        .for_country(country)
        .filter(product_variant_id__in=list(variant_ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
