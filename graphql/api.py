"""Saleor's GraphQL schema, extended with the O2O queries and mutations."""

from graphene_federation import build_schema
from saleor.graphql.api import Mutation as SaleorMutation
from saleor.graphql.api import Query as SaleorQuery

from saleor_o2o.graphql.checkout.mutations import CheckoutMutations
from saleor_o2o.graphql.core.entities import entities_guard
from saleor_o2o.graphql.local_delivery.areas import DeliveryAreaMutations
from saleor_o2o.graphql.local_delivery.checkout import (
    CheckoutLocalDeliveryMutations,
    extend_checkout_type,
)
from saleor_o2o.graphql.local_delivery.lifecycle import (
    LocalDeliveryMutations,
    LocalDeliveryQueries,
)
from saleor_o2o.graphql.local_delivery.store import extend_store_type_with_delivery
from saleor_o2o.graphql.local_delivery.types import extend_order_type
from saleor_o2o.graphql.occupancy.mutations import OccupancyMutations
from saleor_o2o.graphql.occupancy.types import extend_store_type_with_occupancy
from saleor_o2o.graphql.offer.schema import OfferMutations, OfferQueries
from saleor_o2o.graphql.pickup.schema import PickupMutations, PickupQueries
from saleor_o2o.graphql.pickup.types import extend_saleor_types
from saleor_o2o.graphql.store.schema import StoreMutations, StoreQueries
from saleor_o2o.graphql.store.staff import (
    StoreStaffMutations,
    StoreStaffQueries,
    extend_store_type,
)
from saleor_o2o.graphql.store.supply import extend_product_variant_type
from saleor_o2o.graphql.visits.appointments.desk import (
    AppointmentDeskMutations,
    AppointmentDeskQueries,
)
from saleor_o2o.graphql.visits.appointments.schema import (
    AppointmentMutations,
    AppointmentQueries,
    extend_types_with_appointments,
)
from saleor_o2o.graphql.visits.events.schema import (
    StoreEventMutations,
    StoreEventQueries,
    extend_store_type_with_events,
)
from saleor_o2o.graphql.visits.try_on.mutations import TryOnMutations
from saleor_o2o.graphql.visits.try_on.schema import TryOnQueries
from saleor_o2o.graphql.webhook.schema import O2OWebhookMutations, O2OWebhookQueries
from saleor_o2o.graphql.webhook.types import extend_webhook_type

extend_product_variant_type()
extend_saleor_types()
extend_webhook_type()
extend_store_type()
extend_store_type_with_delivery()
extend_store_type_with_occupancy()
extend_checkout_type()
extend_order_type()
extend_store_type_with_events()
extend_types_with_appointments()


class Query(
    StoreQueries,
    StoreStaffQueries,
    PickupQueries,
    LocalDeliveryQueries,
    OfferQueries,
    TryOnQueries,
    StoreEventQueries,
    AppointmentDeskQueries,
    O2OWebhookQueries,
    AppointmentQueries,
    SaleorQuery,
):
    pass


class Mutation(
    StoreMutations,
    StoreStaffMutations,
    PickupMutations,
    DeliveryAreaMutations,
    CheckoutLocalDeliveryMutations,
    LocalDeliveryMutations,
    OfferMutations,
    TryOnMutations,
    StoreEventMutations,
    AppointmentDeskMutations,
    OccupancyMutations,
    O2OWebhookMutations,
    CheckoutMutations,
    AppointmentMutations,
    SaleorMutation,
):
    pass


schema = build_schema(Query, mutation=Mutation)
entities_guard(schema)
