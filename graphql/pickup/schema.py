import graphene

from .mutations import CheckoutPickupStoreUpdate


class PickupMutations(graphene.ObjectType):
    checkout_pickup_store_update = CheckoutPickupStoreUpdate.Field()
