import uuid
from typing import Optional

import graphene
from django.core.exceptions import ValidationError
from django.db import transaction
from saleor.account.error_codes import AccountErrorCode
from saleor.checkout.error_codes import CheckoutErrorCode
from saleor.checkout.utils import create_order, prepare_order_data
from saleor.core import analytics
from saleor.core.exceptions import InsufficientStock
from saleor.core.taxes import TaxError
from saleor.core.utils.url import validate_storefront_url
from saleor.discount.models import NotApplicable
from saleor.graphql.checkout.mutations import CheckoutComplete as SaleorCheckoutComplete
from saleor.graphql.checkout.utils import (
    clean_checkout_payment,
    clean_checkout_shipping,
)
from saleor.graphql.core.types.common import CheckoutError

from saleor_o2o.checkout import completion
from saleor_o2o.checkout import selectors as checkout_selectors


def _checkout_token(checkout_id) -> Optional[uuid.UUID]:
    """Return the token in a Checkout ID, or None if it is not one."""
    try:
        type_name, token = graphene.Node.from_global_id(checkout_id)
        return uuid.UUID(token) if type_name == "Checkout" else None
    except (TypeError, ValueError, AttributeError):
        return None


class CheckoutComplete(SaleorCheckoutComplete):
    """Saleor's ``checkoutComplete``, run once at a time per checkout.

    See `saleor_o2o.completion`: concurrent or repeated completions are refused
    before any payment, and a failure releases what it reserved and refunds what it
    captured.
    """

    class Meta:
        description = (
            SaleorCheckoutComplete._meta.description
            + " Sent again while a completion of the same checkout is running, or "
            "after it placed the order, it is refused with UNIQUE and charges "
            "nothing; a completion that fails after the payment refunds it, and "
            "one retried after an interrupted attempt charged the payment places "
            "the order without charging again."
        )
        error_type_class = CheckoutError
        error_type_field = "checkout_errors"

    @classmethod
    def perform_mutation(cls, root, info, checkout_id, **data):
        token = _checkout_token(checkout_id)
        if token is None:
            raise completion.refusal(
                f"Couldn't resolve to a node: {checkout_id}",
                CheckoutErrorCode.GRAPHQL_ERROR,
                "checkoutId",
            )
        with completion.checkout_completion(token):
            checkout = checkout_selectors.checkout_for_token(token=token)
            if checkout is not None and completion.payment_already_captured(checkout):
                return cls.complete_paid(info, checkout, data.get("redirect_url"))
            return super().perform_mutation(root, info, checkout_id=checkout_id, **data)

    @classmethod
    def complete_paid(cls, info, checkout, redirect_url):
        """Place the order of a checkout an earlier completion already charged.

        Saleor's own steps, in Saleor's order, but for the payment: it was captured
        before that completion died, and is not captured again.
        """
        lines = list(checkout)
        discounts = info.context.discounts
        clean_checkout_shipping(checkout, lines, discounts, CheckoutErrorCode)
        clean_checkout_payment(checkout, lines, discounts, CheckoutErrorCode)
        with transaction.atomic():
            try:
                order_data = prepare_order_data(
                    checkout=checkout,
                    lines=lines,
                    tracking_code=analytics.get_client_id(info.context),
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
            user=info.context.user,
            redirect_url=redirect_url or "",
        )
        checkout.delete()
        return cls(order=order, confirmation_needed=False)


class CheckoutMutations(graphene.ObjectType):
    checkout_complete = CheckoutComplete.Field()
