"""Merchants' side of local delivery: a store's delivery area, fee and windows."""

import graphene


class DeliveryAreaMutations(graphene.ObjectType):
    pass
