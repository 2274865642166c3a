import graphene
from saleor.checkout.error_codes import CheckoutErrorCode
from saleor.core import analytics
from saleor.graphql.checkout.mutations import CheckoutComplete as SaleorCheckoutComplete
from saleor.graphql.core.types.common import CheckoutError

from saleor_o2o.checkout import completion
from saleor_o2o.checkout import selectors as checkout_selectors
from saleor_o2o.checkout import services as checkout_services
from saleor_o2o.graphql.core.ids import checkout_token


class CheckoutComplete(SaleorCheckoutComplete):
    """Saleor's ``checkoutComplete``, run once at a time per checkout.

    See `saleor_o2o.checkout.completion`: concurrent or repeated completions are refused
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
        token = checkout_token(checkout_id)
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
        """Place the order of a checkout an earlier completion already charged."""
        order = checkout_services.checkout_complete_paid(
            checkout=checkout,
            user=info.context.user,
            discounts=info.context.discounts,
            tracking_code=analytics.get_client_id(info.context),
            redirect_url=redirect_url,
        )
        return cls(order=order, confirmation_needed=False)


class CheckoutMutations(graphene.ObjectType):
    checkout_complete = CheckoutComplete.Field()
