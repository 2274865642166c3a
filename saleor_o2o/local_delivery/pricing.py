"""What a checkout delivered locally pays for delivery: the chosen store's fee.

Saleor asks the plugins for a checkout's shipping price
(``calculate_checkout_shipping``) for ``Checkout.shippingPrice`` and ``totalPrice``,
and once more when it prepares the
order, whose ``shipping_price`` is that answer: so the fee shown, the payment's
total and the order's shipping price are the same number. The fee follows the
checkout: its subtotal now (so "free above" follows the cart) and the distance
stored with the choice.

A checkout that chose the listed method without choosing a store (the plugin lists
local delivery) pays the fee of the best store for its address now; that offer is
remembered on the checkout object, so that completion delivers it at that price
(`checkout.checkout_local_delivery_reserve`).
"""

from decimal import Decimal
from typing import Iterable, Optional, Tuple

from django.core.exceptions import ObjectDoesNotExist
from prices import Money, TaxedMoney
from saleor.checkout.models import Checkout
from saleor.core.taxes import quantize_price

from saleor_o2o.core.settings import O2OSettings, get_o2o_settings
from saleor_o2o.local_delivery import fees, selectors
from saleor_o2o.local_delivery.method import is_local_delivery_method
from saleor_o2o.local_delivery.models import CheckoutLocalDelivery
from saleor_o2o.local_delivery.options import (
    Offer,
    checkout_best_offer,
    checkout_order_value,
)

#: Attribute of a `Checkout` object holding the best offer found for it, with what
#: it was found for (an object lives for one request: nothing is shared).
_OFFER_ATTRIBUTE = "_o2o_local_delivery_offer"


def _fingerprint(checkout: Checkout, order_value: Decimal) -> Tuple:
    address = checkout.shipping_address
    return (
        checkout.pk,
        checkout.shipping_address_id,
        address.postal_code if address else None,
        address.street_address_1 if address else None,
        address.city if address else None,
        order_value,
    )


def remembered_offer(checkout: Checkout, order_value: Decimal) -> Optional[Offer]:
    """Return the best offer found earlier for this checkout object, if still for
    the same address and value."""
    found = getattr(checkout, _OFFER_ATTRIBUTE, None)
    if found is None or found[0] != _fingerprint(checkout, order_value):
        return None
    return found[1]


def remember_offer(checkout: Checkout, order_value: Decimal, offer: Offer) -> None:
    setattr(checkout, _OFFER_ATTRIBUTE, (_fingerprint(checkout, order_value), offer))


def chosen_fee(
    choice: CheckoutLocalDelivery, order_value: Decimal
) -> Optional[Decimal]:
    """Return the fee of the chosen store for this order value (None if the store
    no longer has an area). Read with ``select_related("store__delivery_area")``,
    the choice brings its area along."""
    try:
        area = choice.store.delivery_area
    except ObjectDoesNotExist:
        return None
    return fees.delivery_fee(
        selectors.fee_rule(area),
        distance_km=choice.distance_km,
        order_value=order_value,
    )


def checkout_fee(
    checkout: Checkout,
    lines: Iterable,
    discounts,
    *,
    settings: Optional[O2OSettings] = None,
) -> Optional[Decimal]:
    """Return what the checkout pays for local delivery now, or None if unknown
    (no store chosen, and none to choose, or the method is not listed)."""
    order_value = checkout_order_value(checkout, lines, discounts)
    choice = (
        CheckoutLocalDelivery.objects.select_related("store__delivery_area")
        .filter(checkout_id=checkout.pk)
        .first()
    )
    if choice is not None:
        return chosen_fee(choice, order_value)
    settings = settings or get_o2o_settings()
    if not settings.local_delivery_listed:
        return None
    offer = remembered_offer(checkout, order_value)
    if offer is None:
        offer = checkout_best_offer(
            checkout=checkout, settings=settings, order_value=order_value
        )
        if offer is None:
            return None
        remember_offer(checkout, order_value, offer)
    return offer.fee


def taxed(amount: Decimal, currency: str) -> TaxedMoney:
    """Return a fee as Saleor's prices: no tax of its own (tax plugins add theirs)."""
    money = Money(amount, currency)
    return quantize_price(TaxedMoney(net=money, gross=money), currency)


def checkout_shipping_price(
    *, checkout: Checkout, lines, discounts, previous_value: TaxedMoney
) -> TaxedMoney:
    """Return the checkout's shipping price: the fee if it is delivered locally,
    else what Saleor and the other plugins said."""
    if not is_local_delivery_method(checkout.shipping_method_id):
        return previous_value
    if not checkout.is_shipping_required():
        return previous_value
    fee = checkout_fee(checkout, lines, discounts)
    if fee is None:
        return previous_value
    return taxed(fee, checkout.currency)
