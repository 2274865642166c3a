import graphene

from saleor_o2o.offer.error_codes import OFFER_ERROR_DESCRIPTIONS, OfferErrorCode
from saleor_o2o.offer.rules import CustomerSegment, RewardType

OfferErrorCodeEnum = graphene.Enum.from_enum(
    OfferErrorCode,
    description=lambda value: (
        OFFER_ERROR_DESCRIPTIONS.get(value.value)
        if value
        else "Why an offer operation failed."
    ),
)


class OfferRewardTypeEnum(graphene.Enum):
    PERCENTAGE = RewardType.PERCENTAGE
    FIXED = RewardType.FIXED
    GIFT = RewardType.GIFT

    class Meta:
        description = "What the shopper gets in the store."

    @property
    def description(self):
        return dict(RewardType.CHOICES).get(self.value)


class OfferCustomerSegmentEnum(graphene.Enum):
    ALL = CustomerSegment.ALL
    NEW = CustomerSegment.NEW
    RETURNING = CustomerSegment.RETURNING

    class Meta:
        description = "Which shoppers an offer is for."

    @property
    def description(self):
        return dict(CustomerSegment.CHOICES).get(self.value)
