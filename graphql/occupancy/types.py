"""A store's live occupancy and busy hours on Saleor-style GraphQL.

`extend_store_type_with_occupancy` adds ``occupancy``, ``busyHours`` and (staff)
``occupancySettings`` to ``Store`` and ``typicalLevel`` to ``PickupSlot``; all are
read in batches for store lists (dataloaders).
"""

import graphene
from promise import Promise
from saleor.graphql.core.dataloaders import DataLoader
from saleor.graphql.core.types import Error

from saleor_o2o.graphql.core.context import can_manage_stores, requestor_reach
from saleor_o2o.graphql.core.enums import choices_enum
from saleor_o2o.graphql.core.extend import add_field
from saleor_o2o.graphql.store.enums import WeekdayEnum
from saleor_o2o.graphql.store.types import PickupSlot, Store
from saleor_o2o.occupancy import rules, selectors
from saleor_o2o.occupancy.error_codes import (
    OCCUPANCY_ERROR_DESCRIPTIONS,
    OccupancyErrorCode,
)

OccupancyLevelEnum = choices_enum(
    rules.OccupancyLevel,
    type_name="OccupancyLevel",
    description="How full a store is, relative to its capacity.",
)

OccupancyErrorCodeEnum = graphene.Enum.from_enum(
    OccupancyErrorCode,
    description=lambda value: (
        OCCUPANCY_ERROR_DESCRIPTIONS.get(value.value)
        if value
        else "Why an occupancy operation failed."
    ),
)


class OccupancyError(Error):
    code = OccupancyErrorCodeEnum(description="The error code.", required=True)

    class Meta:
        description = "An error of an occupancy operation."


class StoreOccupancy(graphene.ObjectType):
    current = graphene.Int(
        description=(
            "People in the store now; null when the store shows shoppers its level "
            "only (its staff always see it)."
        )
    )
    capacity = graphene.Int(
        description="People the store holds; null when not set or hidden."
    )
    level = OccupancyLevelEnum(
        description="How full the store is now; null when it has no capacity set."
    )
    is_crowded = graphene.Boolean(
        required=True,
        description=(
            "Whether the store is crowded: pickup and appointment slots of the next "
            "hour may take fewer bookings."
        ),
    )
    updated_at = graphene.DateTime(
        required=True, description="When the figure last changed."
    )

    class Meta:
        description = "How many people are in a store now."


class StoreOccupancySettings(graphene.ObjectType):
    capacity = graphene.Int(
        required=True, description="People the store holds; 0: not set."
    )
    show_numbers = graphene.Boolean(
        required=True,
        description="Whether shoppers see the figures, or only the level.",
    )
    crowded_percent = graphene.Int(
        required=True,
        description="Percentage of the capacity at which the store is crowded.",
    )
    crowded_slot_capacity = graphene.Int(
        description=(
            "Bookings each pickup or appointment slot of the next hour takes while "
            "the store is crowded; null: slots keep their capacity."
        )
    )
    dwell_minutes = graphene.Int(
        required=True,
        description="Minutes a checked-in shopper counts as in the store.",
    )

    class Meta:
        description = "How a store counts its occupancy and acts when crowded."


class BusyHour(graphene.ObjectType):
    weekday = WeekdayEnum(required=True, description="The day of the week.")
    hour = graphene.Int(
        required=True, description="The hour, 0 to 23, on the store's clock."
    )
    typical_occupancy = graphene.Float(
        description=(
            "People typically in the store then; null without history, or when the "
            "store shows shoppers levels only."
        )
    )
    level = OccupancyLevelEnum(
        description="How full the store typically is then; null without history."
    )

    class Meta:
        description = "How busy a store typically is in one hour of the week."


class OccupancyByStoreLoader(DataLoader):
    """Occupancy rows of stores: one query for a whole store list."""

    context_key = "o2o_occupancy_by_store"

    def batch_load(self, keys):
        found = selectors.occupancies_by_store(list(keys))
        return [found.get(key) for key in keys]


class BusyHoursByStoreLoader(DataLoader):
    """Typical figures by hour of the week of stores: one query for a store list."""

    context_key = "o2o_busy_hours_by_store"

    def batch_load(self, keys):
        found = selectors.busy_hours_means(list(keys))
        return [found[key] for key in keys]


def _both(info, store_id):
    return Promise.all(
        [
            OccupancyByStoreLoader(info.context).load(store_id),
            BusyHoursByStoreLoader(info.context).load(store_id),
        ]
    )


def resolve_occupancy(root, info):
    reach = requestor_reach(info.context)

    def view(occupancy):
        if occupancy is None:
            return None
        found = selectors.occupancy_view(occupancy, reach=reach)
        return StoreOccupancy(
            current=found.current,
            capacity=found.capacity,
            level=found.level,
            is_crowded=found.is_crowded,
            updated_at=found.updated_at,
        )

    return OccupancyByStoreLoader(info.context).load(root.pk).then(view)


def resolve_occupancy_settings(root, info):
    reach = requestor_reach(info.context)
    if not (can_manage_stores(info.context) and reach.sees(root.pk)):
        return None

    def settings(occupancy):
        if occupancy is None:
            return StoreOccupancySettings(
                capacity=0,
                show_numbers=True,
                crowded_percent=rules.DEFAULT_CROWDED_PERCENT,
                crowded_slot_capacity=None,
                dwell_minutes=rules.DEFAULT_DWELL_MINUTES,
            )
        return occupancy

    return OccupancyByStoreLoader(info.context).load(root.pk).then(settings)


def resolve_busy_hours(root, info, weekday=None):
    reach = requestor_reach(info.context)

    def hours(found):
        occupancy, means = found
        return [
            BusyHour(
                weekday=hour.weekday,
                hour=hour.hour,
                typical_occupancy=hour.typical,
                level=hour.level,
            )
            for hour in selectors.store_busy_hours(occupancy, means, reach=reach)
            if weekday is None or hour.weekday == weekday
        ]

    return _both(info, root.pk).then(hours)


def resolve_typical_level(store, start, info):
    """Return (a promise of) the typical level of the hour a slot starts in.

    For every kind of slot (pickup, appointment): one query for a store list.
    """

    def level(found):
        occupancy, means = found
        if occupancy is None:
            return None
        return rules.typical_level(
            means, occupancy.policy(), at=start, timezone=store.timezone
        )

    return _both(info, store.pk).then(level)


def resolve_slot_typical_level(root, info):
    """Resolve ``typicalLevel`` of a slot whose store is its ``o2o_store``."""
    store = getattr(root, "o2o_store", None)
    return None if store is None else resolve_typical_level(store, root.start, info)


def extend_store_type_with_occupancy() -> None:
    """Add the store's occupancy fields to ``Store`` and ``PickupSlot``."""
    add_field(
        Store,
        "occupancy",
        graphene.Field(
            StoreOccupancy,
            description=(
                "How many people are in the store now; null when it does not count."
            ),
            resolver=resolve_occupancy,
        ),
    )
    add_field(
        Store,
        "busy_hours",
        graphene.Field(
            graphene.List(graphene.NonNull(BusyHour)),
            weekday=WeekdayEnum(description="Only the hours of this day."),
            required=True,
            description=(
                "How busy the store typically is in each hour of the week, on its "
                "clock, Monday 0:00 first (learned from the last weeks; recent "
                "weeks count most): pick a quiet time."
            ),
            resolver=resolve_busy_hours,
        ),
    )
    add_field(
        Store,
        "occupancy_settings",
        graphene.Field(
            StoreOccupancySettings,
            description=(
                "How the store counts its occupancy. Requires MANAGE_PRODUCTS; only "
                "the stores you work in (null elsewhere)."
            ),
            resolver=resolve_occupancy_settings,
        ),
    )
    add_field(
        PickupSlot,
        "typical_level",
        graphene.Field(
            OccupancyLevelEnum,
            description=(
                "How busy the store typically is when the slot starts (its busy "
                "hours); null without history or capacity."
            ),
            resolver=resolve_slot_typical_level,
        ),
    )
