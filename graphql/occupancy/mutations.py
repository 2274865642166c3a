"""The desk's occupancy counter and a store's occupancy settings."""

import graphene
from saleor.core.permissions import OrderPermissions, ProductPermissions

from saleor_o2o.graphql.core.mutations import O2OMutation
from saleor_o2o.graphql.occupancy.types import (
    OccupancyError,
    StoreOccupancy,
    StoreOccupancySettings,
)
from saleor_o2o.graphql.store.types import Store
from saleor_o2o.occupancy import rules, services
from saleor_o2o.store.reach import CLERK, MANAGER


def _occupancy(occupancy) -> StoreOccupancy:
    policy = occupancy.policy()
    return StoreOccupancy(
        current=occupancy.current,
        capacity=occupancy.capacity or None,
        level=rules.live_level(occupancy.current, policy, crowded=occupancy.is_crowded),
        is_crowded=occupancy.is_crowded,
        updated_at=occupancy.updated_at,
    )


class StoreOccupancyUpdate(O2OMutation):
    store = graphene.Field(Store, description="The store.")
    occupancy = graphene.Field(
        StoreOccupancy, description="The store's occupancy after the change."
    )

    class Arguments:
        store_id = graphene.ID(required=True, description="ID of the store.")
        delta = graphene.Int(
            description=(
                f"People who came in (positive) or left (negative), -{rules.MAX_DELTA}"
                f" to {rules.MAX_DELTA}, not 0. The figure never goes below 0."
            )
        )
        count = graphene.Int(
            description=(
                f"People in the store now (0 to {rules.MAX_CAPACITY}), replacing the "
                "figure; checked-in shoppers due to leave by themselves are then "
                "part of it."
            )
        )

    class Meta:
        description = (
            "Count people coming into or leaving a store (delta), or set the head "
            "count (count): give exactly one. For staff of the store (clerks too) "
            "and apps acting there."
        )
        permissions = (OrderPermissions.MANAGE_ORDERS,)
        error_type_class = OccupancyError
        error_type_field = "occupancy_errors"

    @classmethod
    def perform_mutation(cls, _root, info, store_id, delta=None, count=None):
        store = cls.get_node_or_error(info, store_id, field="storeId", only_type=Store)
        cls.check_store(info, store.pk, role=CLERK, field="storeId")
        occupancy = services.store_occupancy_update(
            store_id=store.pk, delta=delta, count=count
        )
        return cls(store=store, occupancy=_occupancy(occupancy))


class StoreOccupancySettingsInput(graphene.InputObjectType):
    capacity = graphene.Int(
        description=f"People the store holds (0 to {rules.MAX_CAPACITY}; 0: not set)."
    )
    show_numbers = graphene.Boolean(
        description="Whether shoppers see the figures, or only the level."
    )
    crowded_percent = graphene.Int(
        description=(
            "Percentage of the capacity at which the store is crowded (1 to "
            f"{rules.MAX_CROWDED_PERCENT}; default {rules.DEFAULT_CROWDED_PERCENT}). "
            f"It eases {rules.EASE_MARGIN_PERCENT} points below."
        )
    )
    crowded_slot_capacity = graphene.Int(
        description=(
            "Bookings each pickup or appointment slot of the next hour takes while "
            "the store is crowded; null: slots keep their capacity."
        )
    )
    dwell_minutes = graphene.Int(
        description=(
            "Minutes a checked-in shopper counts as in the store (1 to "
            f"{rules.MAX_DWELL_MINUTES}; default {rules.DEFAULT_DWELL_MINUTES})."
        )
    )

    class Meta:
        description = "Occupancy settings of a store; fields left out keep their value."


class StoreOccupancySettingsUpdate(O2OMutation):
    store = graphene.Field(Store, description="The store.")
    settings = graphene.Field(
        StoreOccupancySettings, description="The store's occupancy settings."
    )

    class Arguments:
        store_id = graphene.ID(required=True, description="ID of the store.")
        input = StoreOccupancySettingsInput(
            required=True, description="Settings to change."
        )

    class Meta:
        description = (
            "Set how a store counts its occupancy and acts when crowded. For "
            "managers of the store."
        )
        permissions = (ProductPermissions.MANAGE_PRODUCTS,)
        error_type_class = OccupancyError
        error_type_field = "occupancy_errors"

    @classmethod
    def perform_mutation(cls, _root, info, store_id, input):
        store = cls.get_node_or_error(info, store_id, field="storeId", only_type=Store)
        cls.check_store(info, store.pk, role=MANAGER, field="storeId")
        occupancy = services.occupancy_settings_update(
            store_id=store.pk, data=dict(input)
        )
        return cls(store=store, settings=occupancy)


class OccupancyMutations(graphene.ObjectType):
    store_occupancy_update = StoreOccupancyUpdate.Field()
    store_occupancy_settings_update = StoreOccupancySettingsUpdate.Field()
