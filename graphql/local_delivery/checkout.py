"""Storefront side of local delivery: options for a checkout and choosing one."""

import graphene


class CheckoutLocalDeliveryMutations(graphene.ObjectType):
    pass


def extend_checkout_type() -> None:
    """Add the local delivery fields to Saleor's ``Checkout`` type."""
