"""The typed error of every local delivery mutation."""

import graphene
from saleor.graphql.core.types.common import Error

from saleor_o2o.local_delivery.error_codes import (
    LOCAL_DELIVERY_ERROR_DESCRIPTIONS,
    LocalDeliveryErrorCode,
)

LocalDeliveryErrorCodeEnum = graphene.Enum.from_enum(
    LocalDeliveryErrorCode,
    description=lambda value: (
        LOCAL_DELIVERY_ERROR_DESCRIPTIONS.get(value.value)
        if value
        else "Why a local delivery operation failed."
    ),
)


class LocalDeliveryError(Error):
    code = LocalDeliveryErrorCodeEnum(description="The error code.", required=True)

    class Meta:
        description = "An error of a local delivery operation."
