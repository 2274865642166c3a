"""The typed error of every try-on mutation."""

import graphene
from saleor.graphql.core.types.common import Error

from saleor_o2o.visits.try_on.error_codes import (
    TRY_ON_ERROR_DESCRIPTIONS,
    TryOnErrorCode,
)

TryOnErrorCodeEnum = graphene.Enum.from_enum(
    TryOnErrorCode,
    description=lambda value: (
        TRY_ON_ERROR_DESCRIPTIONS.get(value.value)
        if value
        else "Why a try-on operation failed."
    ),
)


class TryOnError(Error):
    code = TryOnErrorCodeEnum(description="The error code.", required=True)

    class Meta:
        description = "An error of a try-on reservation operation."
