import graphene

from saleor_o2o.store.error_codes import STORE_ERROR_DESCRIPTIONS, StoreErrorCode
from saleor_o2o.store.models import GeocodingStatus

StoreErrorCodeEnum = graphene.Enum.from_enum(
    StoreErrorCode,
    description=lambda value: (
        STORE_ERROR_DESCRIPTIONS.get(value.value)
        if value
        else "Why a store operation failed."
    ),
)


class WeekdayEnum(graphene.Enum):
    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6

    class Meta:
        description = "A day of the week."


class StoreServiceEnum(graphene.Enum):
    CLICK_AND_COLLECT = "click_and_collect"
    CURBSIDE = "curbside"

    class Meta:
        description = "A service a store offers to shoppers who order online."

    @property
    def description(self):
        return {
            "CLICK_AND_COLLECT": "Orders can be collected in the store.",
            "CURBSIDE": "Orders can be brought out to the shopper's car.",
        }.get(self.name)


class GeocodingStatusEnum(graphene.Enum):
    MANUAL = GeocodingStatus.MANUAL
    PENDING = GeocodingStatus.PENDING
    SUCCEEDED = GeocodingStatus.SUCCEEDED
    FAILED = GeocodingStatus.FAILED

    class Meta:
        description = "Where a store's coordinates come from."

    @property
    def description(self):
        return dict(GeocodingStatus.CHOICES).get(self.value)


class StoreSortField(graphene.Enum):
    NAME = "name"
    DISTANCE = "distance"
    CREATED_AT = "created_at"

    class Meta:
        description = "What to sort stores by."

    @property
    def description(self):
        return {
            "NAME": "By name.",
            "DISTANCE": "Nearest first; needs `near`.",
            "CREATED_AT": "By creation date.",
        }.get(self.name)
