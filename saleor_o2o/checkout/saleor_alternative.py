"""A correction to the shipping method Saleor 2.10 falls back on in a checkout.

When a checkout's lines or shipping address change and its shipping method no longer
applies, Saleor (``update_checkout_shipping_method_if_invalid``) replaces it by the
first valid method, the cheapest. The extension's own methods (click-and-collect,
local delivery) cost nothing in Saleor's tables and need a store chosen first, so
Saleor would switch the shopper to one of them unasked: the checkout would show a
free "Click and collect" or "Local delivery" with no store, which completion then
refuses. `saleor_shipping_alternative_fix` makes the fallback the cheapest ordinary
method, or none, which the storefront asks the shopper to choose.
"""

from typing import Iterable

from saleor.checkout.models import Checkout, CheckoutLine
from saleor.checkout.utils import get_valid_shipping_methods_for_checkout
from saleor.shipping.models import ShippingMethod

from saleor_o2o.store.method_zone import own_methods_q


def _is_own(shipping_method_id) -> bool:
    return ShippingMethod.objects.filter(
        own_methods_q(), pk=shipping_method_id
    ).exists()


def ordinary_fallback(
    checkout: Checkout, lines: Iterable[CheckoutLine], discounts, *, before
) -> None:
    """Undo a switch Saleor just made to one of the extension's methods.

    ``before`` is the method's ID before Saleor's check; a method the shopper chose
    themselves (unchanged) is left alone.
    """
    after = checkout.shipping_method_id
    if after is None or after == before or not _is_own(after):
        return
    valid = get_valid_shipping_methods_for_checkout(checkout, lines, discounts)
    checkout.shipping_method = valid.exclude(own_methods_q()).first()
    checkout.save(update_fields=["shipping_method", "last_change"])


def saleor_shipping_alternative_fix() -> None:
    """Make Saleor's fallback method an ordinary one (see the module)."""
    from saleor.graphql.checkout import mutations

    saleor_update = mutations.update_checkout_shipping_method_if_invalid
    if getattr(saleor_update, "o2o_fixed", False):
        return

    def update_checkout_shipping_method_if_invalid(checkout, lines, discounts):
        before = checkout.shipping_method_id
        saleor_update(checkout, lines, discounts)
        ordinary_fallback(checkout, lines, discounts, before=before)

    update_checkout_shipping_method_if_invalid.o2o_fixed = True
    mutations.update_checkout_shipping_method_if_invalid = (
        update_checkout_shipping_method_if_invalid
    )
