import graphene
from saleor.graphql.checkout.types import Checkout

from ... import pickups
from ..core.context import require_storefront_enabled
from ..core.mutations import O2OMutation
from ..store.types import Store
from .types import PickupError


class CheckoutPickupStoreUpdate(O2OMutation):
    checkout = graphene.Field(Checkout, description="The checkout updated.")

    class Arguments:
        checkout_id = graphene.ID(required=True, description="ID of the checkout.")
        store_id = graphene.ID(required=True, description="ID of the store.")
        curbside = graphene.Boolean(
            default_value=False,
            description="Bring the order out to the shopper's car (if offered).",
        )
        slot = graphene.DateTime(
            description="Start of a pickup slot from `store.pickupSlots`, if any."
        )

    class Meta:
        description = (
            "Collect the checkout in a store: sets the pickup delivery method and the "
            "store's address as the shipping address. The store must offer the "
            "service and have every line; the stock is secured when the checkout "
            "completes."
        )
        error_type_class = PickupError
        error_type_field = "pickup_errors"

    @classmethod
    def perform_mutation(cls, _root, info, checkout_id, store_id, curbside, slot=None):
        settings = require_storefront_enabled(info.context)
        checkout = cls.get_node_or_error(
            info, checkout_id, field="checkoutId", only_type=Checkout
        )
        store = cls.get_node_or_error(info, store_id, field="storeId", only_type=Store)
        checkout = pickups.checkout_pickup_set(
            checkout=checkout,
            store=store,
            curbside=curbside,
            settings=settings,
            slot_start=slot,
        )
        return cls(checkout=checkout)
