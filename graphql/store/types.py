import functools
from datetime import timedelta

import graphene
from django.utils import timezone
from graphql_jwt.exceptions import PermissionDenied
from saleor.graphql.account.types import Address
from saleor.graphql.core.connection import CountableDjangoObjectType
from saleor.graphql.core.types import Error
from saleor.graphql.warehouse.types import Warehouse

from saleor_o2o.graphql.core.context import (
    can_manage_stores,
    request_now,
    requestor_reach,
)
from saleor_o2o.graphql.store.dataloaders import PickupSlotsByStoreAndDateLoader
from saleor_o2o.graphql.store.enums import (
    GeocodingStatusEnum,
    StoreErrorCodeEnum,
    StoreServiceEnum,
    WeekdayEnum,
)
from saleor_o2o.store import hours
from saleor_o2o.store import models as store_models
from saleor_o2o.store import opening, selectors, slots


class StoreError(Error):
    code = StoreErrorCodeEnum(description="The error code.", required=True)

    class Meta:
        description = "An error of a store operation."


class TimeInterval(graphene.ObjectType):
    opens = graphene.Time(
        required=True, description="Opening time, local to the store."
    )
    closes = graphene.Time(
        required=True, description="Closing time, local to the store."
    )
    closes_next_day = graphene.Boolean(
        required=True,
        description="Whether the interval closes on the following day (overnight).",
    )

    class Meta:
        description = "An interval during which a store is open on one day."

    @staticmethod
    def from_domain(interval: hours.Interval) -> "TimeInterval":
        return TimeInterval(
            opens=interval.opens,
            closes=interval.closes,
            closes_next_day=interval.closes_next_day,
        )


class StoreOpeningInterval(TimeInterval):
    weekday = WeekdayEnum(required=True, description="The day the interval starts on.")

    class Meta:
        description = "A weekly opening interval of a store."


class StoreHoursException(graphene.ObjectType):
    date = graphene.Date(
        required=True, description="The date the exception applies to."
    )
    name = graphene.String(
        required=True, description="What the exception is, e.g. 'Christmas Day'."
    )
    is_closed = graphene.Boolean(
        required=True, description="Whether the store is closed all day."
    )
    intervals = graphene.List(
        graphene.NonNull(TimeInterval),
        required=True,
        description="The hours that replace the weekly ones on that date.",
    )

    class Meta:
        description = (
            "Hours that replace a store's weekly hours on one date (a holiday or "
            "special hours). Intervals belong to the date they start on."
        )


class PickupSlot(graphene.ObjectType):
    start = graphene.DateTime(required=True, description="When the slot starts.")
    end = graphene.DateTime(required=True, description="When the slot ends.")
    capacity = graphene.Int(required=True, description="Pickups the slot takes.")
    remaining = graphene.Int(required=True, description="Pickups it can still take.")

    class Meta:
        description = "A time window to collect an order in."


def store_viewer(context) -> dict:
    """Return who is asking, as the store selectors take them."""
    return {"can_manage": can_manage_stores(context), "reach": requestor_reach(context)}


def visible_stores(context):
    """Return the stores the requestor may see (`store.selectors.stores_visible_to`)."""
    return selectors.stores_visible_to(**store_viewer(context))


def _store_staff_only(resolver):
    """Answer a field only to staff managing stores who work in this one."""

    @functools.wraps(resolver)
    def wrapped(root: store_models.Store, info, *args, **kwargs):
        if not (
            can_manage_stores(info.context)
            and requestor_reach(info.context).sees(root.pk)
        ):
            raise PermissionDenied()
        return resolver(root, info, *args, **kwargs)

    return wrapped


class Store(CountableDjangoObjectType):
    name = graphene.String(required=True, description="The store's name.")
    slug = graphene.String(required=True, description="URL-friendly identifier.")
    phone = graphene.String(required=True, description="Phone number; may be empty.")
    email = graphene.String(required=True, description="E-mail address; may be empty.")
    latitude = graphene.Float(
        description="Latitude in degrees; null until the address is geocoded."
    )
    longitude = graphene.Float(
        description="Longitude in degrees; null until the address is geocoded."
    )
    timezone = graphene.String(
        required=True, description="IANA time zone of the store, e.g. 'Europe/Paris'."
    )
    pickup_lead_time_minutes = graphene.Int(
        required=True,
        description="Minutes the store needs to prepare an order for pickup.",
    )
    is_active = graphene.Boolean(
        required=True, description="Whether shoppers see the store."
    )
    created_at = graphene.DateTime(required=True, description="When it was created.")
    updated_at = graphene.DateTime(
        required=True, description="When it was last changed."
    )
    address = graphene.Field(
        Address, required=True, description="The store's street address."
    )
    services = graphene.List(
        graphene.NonNull(StoreServiceEnum),
        required=True,
        description="The services the store offers to online shoppers.",
    )
    opening_hours = graphene.List(
        graphene.NonNull(StoreOpeningInterval),
        required=True,
        description="Weekly opening hours, in the store's time zone.",
    )
    opening_hours_exceptions = graphene.List(
        graphene.NonNull(StoreHoursException),
        required=True,
        description="Holidays and special hours from yesterday on, oldest first.",
    )
    is_open_now = graphene.Boolean(
        required=True,
        description="Whether the store is open now, honouring its exceptions.",
    )
    next_opening = graphene.DateTime(
        description=(
            "When the store next opens (after the current opening period if it is "
            "open now); null if it has no opening in the coming year."
        )
    )
    closes_at = graphene.DateTime(
        description="When the store closes, if it is open now; null otherwise."
    )
    distance_km = graphene.Float(
        description=(
            "Great-circle distance in kilometres from the point searched with "
            "`stores(near:)`; null elsewhere."
        )
    )
    geocoding_status = GeocodingStatusEnum(
        description="Where the coordinates come from. Requires MANAGE_PRODUCTS."
    )
    geocoding_error = graphene.String(
        description="Why geocoding failed, if it did. Requires MANAGE_PRODUCTS."
    )
    pickup_slot_minutes = graphene.Int(
        required=True, description="Length of a pickup slot, in minutes."
    )
    pickup_slot_capacity = graphene.Int(
        required=True, description="Pickups one slot takes; 0 when it books none."
    )
    pickup_slots = graphene.List(
        graphene.NonNull(PickupSlot),
        required=True,
        date=graphene.Argument(
            graphene.Date, required=True, description="The date, in the store's zone."
        ),
        description=(
            "Pickup slots on a date, from when an order placed now could be ready; "
            "full ones show 0 remaining. Empty when the store books no slots."
        ),
    )
    cart_supply = graphene.Field(
        "saleor_o2o.graphql.store.supply.StoreCartSupply",
        description=(
            "What the store can supply of the cart given in "
            "`stores(filter: {canSupply})`; null elsewhere."
        ),
    )
    pickup_safety_stock = graphene.Int(
        description=(
            "Units of each variant held back from click-and-collect. "
            "Requires MANAGE_PRODUCTS."
        )
    )
    low_stock_threshold = graphene.Int(
        description=(
            "Units available for pickup at or below which a store_stock_low event "
            "is sent; null for none. Requires MANAGE_PRODUCTS."
        )
    )
    warehouse = graphene.Field(
        Warehouse,
        description="The Saleor warehouse holding the store's stock. "
        "Requires MANAGE_PRODUCTS.",
    )

    class Meta:
        description = (
            "A physical store: where shoppers collect orders and shop in person."
        )
        model = store_models.Store
        interfaces = [graphene.relay.Node]
        only_fields = [
            "id",
            "name",
            "slug",
            "phone",
            "email",
            "latitude",
            "longitude",
            "timezone",
            "pickup_lead_time_minutes",
            "pickup_slot_minutes",
            "pickup_slot_capacity",
            "is_active",
            "created_at",
            "updated_at",
        ]

    @classmethod
    def get_queryset(cls, queryset, info):
        return queryset.all() & visible_stores(info.context)

    @staticmethod
    def resolve_phone(root: store_models.Store, _info):
        return str(root.phone or "")

    @staticmethod
    def resolve_address(root: store_models.Store, _info):
        return root.warehouse.address

    @staticmethod
    def resolve_services(root: store_models.Store, _info):
        services = []
        if root.is_click_and_collect:
            services.append(StoreServiceEnum.CLICK_AND_COLLECT)
        if root.is_curbside:
            services.append(StoreServiceEnum.CURBSIDE)
        return services

    @staticmethod
    def resolve_opening_hours(root: store_models.Store, _info):
        return [
            StoreOpeningInterval(
                weekday=item.weekday,
                opens=item.interval.opens,
                closes=item.interval.closes,
                closes_next_day=item.interval.closes_next_day,
            )
            for item in hours.weekly_from_json(root.opening_hours)
        ]

    @staticmethod
    def resolve_opening_hours_exceptions(root: store_models.Store, _info):
        yesterday = timezone.now().date() - timedelta(days=1)
        return [
            StoreHoursException(
                date=exception.date,
                name=exception.name,
                is_closed=not exception.intervals,
                intervals=[TimeInterval.from_domain(i) for i in exception.intervals],
            )
            for exception in _schedule(root).exceptions
            if exception.date >= yesterday
        ]

    @staticmethod
    def resolve_is_open_now(root: store_models.Store, info):
        return opening.is_open_at(_schedule(root), request_now(info.context))

    @staticmethod
    def resolve_next_opening(root: store_models.Store, info):
        return opening.next_opening(_schedule(root), request_now(info.context))

    @staticmethod
    def resolve_closes_at(root: store_models.Store, info):
        return opening.current_closing(_schedule(root), request_now(info.context))

    @staticmethod
    def resolve_distance_km(root: store_models.Store, _info):
        return getattr(root, "distance_km", None)

    @staticmethod
    def resolve_pickup_slots(root: store_models.Store, info, date):
        slots.check_slot_date(date, today=request_now(info.context).date())

        def as_graphql(found):
            answered = []
            for slot in found:
                answered.append(
                    PickupSlot(
                        start=slot.start,
                        end=slot.end,
                        capacity=slot.capacity,
                        remaining=slot.remaining,
                    )
                )
                # Fields added by other concepts (occupancy's typicalLevel) read it.
                answered[-1].o2o_store = root
            return answered

        loader = PickupSlotsByStoreAndDateLoader(info.context)
        return loader.load((root, date)).then(as_graphql)

    @staticmethod
    def resolve_cart_supply(root: store_models.Store, _info):
        return getattr(root, "_o2o_supply", None)

    @staticmethod
    @_store_staff_only
    def resolve_pickup_safety_stock(root: store_models.Store, _info):
        return root.pickup_safety_stock

    @staticmethod
    @_store_staff_only
    def resolve_low_stock_threshold(root: store_models.Store, _info):
        return root.low_stock_threshold

    @staticmethod
    @_store_staff_only
    def resolve_geocoding_status(root: store_models.Store, _info):
        return root.geocoding_status

    @staticmethod
    @_store_staff_only
    def resolve_geocoding_error(root: store_models.Store, _info):
        return root.geocoding_error or None

    @staticmethod
    @_store_staff_only
    def resolve_warehouse(root: store_models.Store, _info):
        return root.warehouse


def _schedule(store: store_models.Store) -> hours.Schedule:
    """Return the store's schedule, built once per store per request."""
    schedule = getattr(store, "_o2o_schedule", None)
    if schedule is None:
        schedule = store._o2o_schedule = store.schedule()
    return schedule
