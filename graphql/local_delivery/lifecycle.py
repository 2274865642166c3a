"""Store staff and apps: local deliveries to prepare, hand to couriers and close."""

import graphene


class LocalDeliveryQueries(graphene.ObjectType):
    pass


class LocalDeliveryMutations(graphene.ObjectType):
    pass
