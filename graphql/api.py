"""Saleor's GraphQL schema, extended with the O2O queries and mutations."""

from graphene_federation import build_schema
from saleor.graphql.api import Mutation as SaleorMutation
from saleor.graphql.api import Query as SaleorQuery

from .checkout.mutations import CheckoutMutations
from .core.entities import entities_guard
from .offer.schema import OfferMutations, OfferQueries
from .pickup.schema import PickupMutations, PickupQueries
from .pickup.types import extend_saleor_types
from .store.schema import StoreMutations, StoreQueries
from .store.staff import StoreStaffMutations, StoreStaffQueries, extend_store_type
from .store.supply import extend_product_variant_type
from .webhook.schema import O2OWebhookMutations, O2OWebhookQueries
from .webhook.types import extend_webhook_type

extend_product_variant_type()
extend_saleor_types()
extend_webhook_type()
extend_store_type()


class Query(
    StoreQueries,
    StoreStaffQueries,
    PickupQueries,
    OfferQueries,
    O2OWebhookQueries,
    SaleorQuery,
):
    pass


class Mutation(
    StoreMutations,
    StoreStaffMutations,
    PickupMutations,
    OfferMutations,
    O2OWebhookMutations,
    CheckoutMutations,
    SaleorMutation,
):
    pass


schema = build_schema(Query, mutation=Mutation)
entities_guard(schema)
