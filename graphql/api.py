"""Saleor's GraphQL schema, extended with the O2O queries and mutations."""

from graphene_federation import build_schema
from saleor.graphql.api import Mutation as SaleorMutation
from saleor.graphql.api import Query as SaleorQuery

from .store.schema import StoreMutations, StoreQueries
from .store.supply import extend_product_variant_type

extend_product_variant_type()


class Query(StoreQueries, SaleorQuery):
    pass


class Mutation(StoreMutations, SaleorMutation):
    pass


schema = build_schema(Query, mutation=Mutation)
