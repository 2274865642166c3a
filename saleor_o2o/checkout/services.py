"""Writes of checkout completion that Saleor's own mutation cannot do for us."""

from typing import Optional

from django.core.exceptions import ValidationError
from django.db import transaction
from saleor.account.error_codes import AccountErrorCode
from saleor.checkout.error_codes import CheckoutErrorCode
from saleor.checkout.models import Checkout
from saleor.checkout.utils import create_order, prepare_order_data
from saleor.core.exceptions import InsufficientStock
from saleor.core.taxes import TaxError
from saleor.core.utils.url import validate_storefront_url
from saleor.discount.models import NotApplicable
from saleor.graphql.checkout.utils import (
    clean_checkout_payment,
    clean_checkout_shipping,
)
from saleor.order.models import Order


def checkout_complete_paid(
    *,
    checkout: Checkout,
    user,
    discounts,
    tracking_code: str,
    redirect_url: Optional[str],
) -> Order:
    """Place the order of a checkout an earlier completion already charged.

    Saleor's own steps (``CheckoutComplete.perform_mutation``), in Saleor's order,
    but for the payment: it was captured before that completion died, and is not
    captured again. Raises Saleor's ``ValidationError``s, as its mutation does.
    """
    lines = list(checkout)
    clean_checkout_shipping(checkout, lines, discounts, CheckoutErrorCode)
    clean_checkout_payment(checkout, lines, discounts, CheckoutErrorCode)
    with transaction.atomic():
        try:
            order_data = prepare_order_data(
                checkout=checkout,
                lines=lines,
                tracking_code=tracking_code,
                discounts=discounts,
            )
        except InsufficientStock as error:
            raise ValidationError(
                f"Insufficient product stock: {error.item}", code=error.code
            )
        except NotApplicable:
            raise ValidationError(
                "Voucher not applicable",
                code=CheckoutErrorCode.VOUCHER_NOT_APPLICABLE,
            )
        except TaxError as error:
            raise ValidationError(
                f"Unable to calculate taxes - {error}",
                code=CheckoutErrorCode.TAX_ERROR,
            )
    if redirect_url:
        try:
            validate_storefront_url(redirect_url)
        except ValidationError as error:
            raise ValidationError(
                {"redirect_url": error}, code=AccountErrorCode.INVALID
            )
    order = create_order(
        checkout=checkout,
        order_data=order_data,
        user=user,
        redirect_url=redirect_url or "",
    )
    checkout.delete()
    return order
