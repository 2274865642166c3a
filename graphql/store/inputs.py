import graphene
from saleor.graphql.account.enums import CountryCodeEnum
from saleor.graphql.account.types import AddressInput
from saleor.graphql.core.enums import OrderDirection

from saleor_o2o.graphql.store.enums import StoreServiceEnum, StoreSortField, WeekdayEnum


class TimeIntervalInput(graphene.InputObjectType):
    opens = graphene.Time(required=True, description='Opening time, e.g. "09:00".')
    closes = graphene.Time(required=True, description='Closing time, e.g. "18:00".')
    closes_next_day = graphene.Boolean(
        default_value=False,
        description=(
            "Set for overnight hours that close on the following day (22:00-02:00). "
            "00:00-00:00 with this set means open 24 hours."
        ),
    )

    class Meta:
        description = "A time interval in the store's local time."


class StoreOpeningIntervalInput(TimeIntervalInput):
    weekday = WeekdayEnum(required=True, description="The day the interval starts on.")

    class Meta:
        description = "An opening interval on one day of the week."


class StoreHoursExceptionInput(graphene.InputObjectType):
    date = graphene.Date(required=True, description='The date, e.g. "2026-12-25".')
    name = graphene.String(description="What the exception is, e.g. 'Christmas Day'.")
    intervals = graphene.List(
        graphene.NonNull(TimeIntervalInput),
        description="Hours on that date; none or empty means closed all day.",
    )

    class Meta:
        description = "Different hours on one date: a holiday or special opening."


class StoreInput(graphene.InputObjectType):
    slug = graphene.String(
        description="URL-friendly identifier; derived from the name when omitted."
    )
    phone = graphene.String(description="The store's phone number.")
    email = graphene.String(description="The store's e-mail address.")
    latitude = graphene.Float(
        description=(
            "Latitude in degrees (-90 to 90). Give both coordinates, or neither to "
            "have the address geocoded."
        )
    )
    longitude = graphene.Float(description="Longitude in degrees (-180 to 180).")
    timezone = graphene.String(
        description="IANA time zone of the store, e.g. 'Europe/Paris'. Default UTC."
    )
    opening_hours = graphene.List(
        graphene.NonNull(StoreOpeningIntervalInput),
        description="Weekly opening hours; replaces the current ones.",
    )
    opening_hours_exceptions = graphene.List(
        graphene.NonNull(StoreHoursExceptionInput),
        description="Holidays and special hours; replaces the current ones.",
    )
    services = graphene.List(
        graphene.NonNull(StoreServiceEnum),
        description="Services offered to online shoppers.",
    )
    pickup_lead_time_minutes = graphene.Int(
        description="Minutes the store needs to prepare an order for pickup."
    )
    pickup_slot_minutes = graphene.Int(
        description="Length of a pickup slot in minutes (5 to 480; default 60)."
    )
    pickup_slot_capacity = graphene.Int(
        description="Pickups one slot takes; 0 (default) books no slots."
    )
    is_active = graphene.Boolean(
        description="Whether shoppers see the store. Inactive stores are staff-only."
    )


class StoreCreateInput(StoreInput):
    name = graphene.String(required=True, description="The store's name.")
    address = AddressInput(
        required=True,
        description="Street address; geocoded when no coordinates are given.",
    )

    class Meta:
        description = "Fields to create a store and its Saleor warehouse."


class StoreUpdateInput(StoreInput):
    name = graphene.String(description="The store's name.")
    address = AddressInput(
        description="Street address; a new address without coordinates is geocoded."
    )

    class Meta:
        description = "Fields to change on a store; those left out stay as they are."


class StoreNearInput(graphene.InputObjectType):
    latitude = graphene.Float(description="Latitude of the point, in degrees.")
    longitude = graphene.Float(description="Longitude of the point, in degrees.")
    address = graphene.String(
        description=(
            "A place to geocode instead of coordinates: a street address, a town, "
            "a landmark."
        )
    )
    postal_code = graphene.String(description="A postal code; needs `country`.")
    country = CountryCodeEnum(
        description="Country of `address` or `postalCode`; narrows the geocoding."
    )

    class Meta:
        description = "Where to search from: coordinates, or a place to geocode."


class StoreFilterInput(graphene.InputObjectType):
    search = graphene.String(
        description="Part of the name, city or postal code of the store."
    )
    services = graphene.List(
        graphene.NonNull(StoreServiceEnum),
        description="Only stores offering all of these services.",
    )
    is_active = graphene.Boolean(
        description="Active or inactive stores (staff only; shoppers see active ones)."
    )
    can_supply = graphene.Field(
        "saleor_o2o.graphql.store.supply.StoreSupplyInput",
        description=(
            "Rank stores by how much of this cart they can supply for pickup: stores "
            "with the whole cart first, nearest first, then those lacking least. Needs "
            "`near`; each store answers `cartSupply`."
        ),
    )

    class Meta:
        description = "Filters for the store list."


class StoreSortingInput(graphene.InputObjectType):
    field = StoreSortField(required=True, description="Sort stores by this field.")
    direction = OrderDirection(
        required=True, description="Specifies the direction in which to sort stores."
    )

    class Meta:
        description = "How to sort the store list."
