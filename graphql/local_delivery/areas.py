"""Merchants' side of local delivery: a store's delivery area, fee and windows."""

from typing import Any, Dict, List

import graphene
from saleor.core.permissions import ProductPermissions
from saleor.graphql.account.enums import CountryCodeEnum
from saleor.graphql.core.scalars import Decimal

from saleor_o2o.graphql.core.mutations import O2OMutation
from saleor_o2o.graphql.local_delivery.errors import LocalDeliveryError
from saleor_o2o.graphql.store.types import Store
from saleor_o2o.local_delivery import areas
from saleor_o2o.local_delivery.services_area import delivery_area_update
from saleor_o2o.store.reach import MANAGER
from saleor_o2o.store.slots import MAX_SLOT_MINUTES, MIN_SLOT_MINUTES


class DeliveryPostalCodesInput(graphene.InputObjectType):
    country = CountryCodeEnum(required=True, description="The country of the codes.")
    prefixes = graphene.List(
        graphene.NonNull(graphene.String),
        required=True,
        description=(
            "Postal codes or their beginnings (letters and digits; spaces and dashes "
            "are ignored): '750' serves 75001 to 75020."
        ),
    )

    class Meta:
        description = "Postal codes of one country a store delivers to."


class DeliveryAreaInput(graphene.InputObjectType):
    is_active = graphene.Boolean(description="Whether the store delivers locally.")
    radius_km = graphene.Float(
        description=(
            f"Kilometres around the store delivered to (more than 0, at most "
            f"{areas.MAX_RADIUS_KM:g}); null for postal codes only. An area needs a "
            "radius, postal codes or both."
        )
    )
    postal_codes = graphene.List(
        graphene.NonNull(DeliveryPostalCodesInput),
        description=(
            "Postal codes delivered to, by country; replaces the current ones "
            f"(at most {areas.MAX_POSTAL_CODES}). Empty or null removes them."
        ),
    )
    minimum_order = Decimal(description="The smallest order value delivered.")
    fee_base = Decimal(description="The fee of every delivery.")
    fee_per_km = Decimal(
        description="Added to the fee per kilometre in a straight line from the store."
    )
    free_above = Decimal(
        description="Orders of this value or more are delivered free; null: never."
    )
    lead_time_minutes = graphene.Int(
        description=(
            "Minutes from the order to the start of the earliest window (0 to "
            f"{areas.MAX_LEAD_TIME_MINUTES}; default 120)."
        )
    )
    window_minutes = graphene.Int(
        description=(
            f"Length of a delivery window in minutes ({MIN_SLOT_MINUTES} to "
            f"{MAX_SLOT_MINUTES}; default 120), cut from the opening hours."
        )
    )
    window_capacity = graphene.Int(
        description=(
            f"Deliveries one window takes (1 to {areas.MAX_WINDOW_CAPACITY}; "
            "default 5)."
        )
    )

    class Meta:
        description = (
            "Where, when and for how much a store delivers locally. Amounts are in "
            "the shop's currency; fields left out keep their value."
        )


def clean_area_input(data: Dict[str, Any]) -> Dict[str, Any]:
    """Turn GraphQL input into the service's arguments."""
    cleaned = {key: value for key, value in data.items() if key != "postal_codes"}
    if "postal_codes" in data:
        codes: Dict[str, List[str]] = {}
        for entry in data["postal_codes"] or ():
            country = getattr(entry.country, "value", entry.country)
            codes.setdefault(country, []).extend(entry.prefixes)
        cleaned["postal_codes"] = codes
    return cleaned


class StoreDeliveryAreaUpdate(O2OMutation):
    store = graphene.Field(Store, description="The store, with its delivery area.")

    class Arguments:
        store_id = graphene.ID(required=True, description="ID of the store.")
        input = DeliveryAreaInput(
            required=True, description="Fields of the delivery area to set."
        )

    class Meta:
        description = (
            "Set where, when and for how much a store delivers locally (creating its "
            "delivery area the first time). All or nothing. For managers of the store."
        )
        permissions = (ProductPermissions.MANAGE_PRODUCTS,)
        error_type_class = LocalDeliveryError
        error_type_field = "local_delivery_errors"

    @classmethod
    def perform_mutation(cls, _root, info, store_id, input):
        store = cls.get_node_or_error(info, store_id, field="storeId", only_type=Store)
        cls.check_store(info, store.pk, role=MANAGER, field="storeId")
        delivery_area_update(store=store, data=clean_area_input(input))
        return cls(store=store)


class DeliveryAreaMutations(graphene.ObjectType):
    store_delivery_area_update = StoreDeliveryAreaUpdate.Field()
