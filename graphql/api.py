"""Saleor's GraphQL schema, extended with the O2O queries and mutations."""

from graphene_federation import build_schema
from saleor.graphql.api import Mutation as SaleorMutation
from saleor.graphql.api import Query as SaleorQuery

from .store.schema import StoreMutations, StoreQueries


class Query(StoreQueries, SaleorQuery):
    pass


class Mutation(StoreMutations, SaleorMutation):
    pass


schema = build_schema(Query, mutation=Mutation)
