import graphene

from saleor_o2o.graphql.core.enums import choices_enum
from saleor_o2o.store.error_codes import STORE_ERROR_DESCRIPTIONS, StoreErrorCode
from saleor_o2o.store.models import GeocodingStatus, StoreService

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


StoreServiceEnum = choices_enum(
    StoreService, description="A service a store offers to shoppers who order online."
)


GeocodingStatusEnum = choices_enum(
    GeocodingStatus, description="Where a store's coordinates come from."
)


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
