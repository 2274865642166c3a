from typing import Any, Dict

import graphene
from saleor.core.permissions import ProductPermissions

from ... import services
from ...domain import hours
from ..core.mutations import O2OMutation
from .enums import StoreServiceEnum
from .inputs import StoreCreateInput, StoreUpdateInput
from .types import Store, StoreError


def _interval(data) -> hours.Interval:
    return hours.Interval(
        opens=data.opens,
        closes=data.closes,
        closes_next_day=bool(data.get("closes_next_day")),
    )


def clean_store_input(data: Dict[str, Any]) -> Dict[str, Any]:
    """Turn GraphQL input into the service's arguments (keys as on the model)."""
    cleaned = {key: value for key, value in data.items() if key not in ("services",)}
    if data.get("opening_hours") is not None:
        cleaned["opening_hours"] = [
            hours.WeeklyInterval(weekday=item.weekday, interval=_interval(item))
            for item in data["opening_hours"]
        ]
    if data.get("opening_hours_exceptions") is not None:
        cleaned["opening_hours_exceptions"] = [
            hours.DateException(
                date=item.date,
                name=(item.get("name") or "").strip(),
                intervals=tuple(_interval(i) for i in item.get("intervals") or ()),
            )
            for item in data["opening_hours_exceptions"]
        ]
    if data.get("services") is not None:
        services_given = set(data["services"])
        cleaned["is_click_and_collect"] = (
            StoreServiceEnum.CLICK_AND_COLLECT.value in services_given
        )
        cleaned["is_curbside"] = StoreServiceEnum.CURBSIDE.value in services_given
    if data.get("address") is not None:
        address = dict(data["address"])
        if address.get("country") is not None:
            address["country"] = getattr(
                address["country"], "value", address["country"]
            )
        cleaned["address"] = address
    return cleaned


class StoreCreate(O2OMutation):
    store = graphene.Field(Store, description="The store created.")

    class Arguments:
        input = StoreCreateInput(required=True, description="Fields of the new store.")

    class Meta:
        description = (
            "Create a store with its Saleor warehouse. An address without coordinates "
            "is geocoded in the background."
        )
        permissions = (ProductPermissions.MANAGE_PRODUCTS,)
        error_type_class = StoreError
        error_type_field = "store_errors"

    @classmethod
    def perform_mutation(cls, _root, _info, input):
        store = services.store_create(data=clean_store_input(input))
        return cls(store=store)


class StoreUpdate(O2OMutation):
    store = graphene.Field(Store, description="The store updated.")

    class Arguments:
        id = graphene.ID(required=True, description="ID of the store to update.")
        input = StoreUpdateInput(required=True, description="Fields to change.")

    class Meta:
        description = "Update a store. Lists given (hours, exceptions) replace the old."
        permissions = (ProductPermissions.MANAGE_PRODUCTS,)
        error_type_class = StoreError
        error_type_field = "store_errors"

    @classmethod
    def perform_mutation(cls, _root, info, id, input):
        store = cls.get_node_or_error(info, id, only_type=Store)
        store = services.store_update(store=store, data=clean_store_input(input))
        return cls(store=store)


class StoreDelete(O2OMutation):
    store = graphene.Field(Store, description="The store deleted.")

    class Arguments:
        id = graphene.ID(required=True, description="ID of the store to delete.")

    class Meta:
        description = (
            "Delete a store with its warehouse and stock. Refused while orders hold "
            "stock allocated in it."
        )
        permissions = (ProductPermissions.MANAGE_PRODUCTS,)
        error_type_class = StoreError
        error_type_field = "store_errors"

    @classmethod
    def perform_mutation(cls, _root, info, id):
        store = cls.get_node_or_error(info, id, only_type=Store)
        store_pk = store.pk
        services.store_delete(store=store)
        store.pk = store_pk
        store.id = store_pk
        return cls(store=store)


class StoreGeocode(O2OMutation):
    store = graphene.Field(Store, description="The store queued for geocoding.")

    class Arguments:
        id = graphene.ID(required=True, description="ID of the store to geocode.")

    class Meta:
        description = (
            "Geocode a store's address again, e.g. after a failure or after a "
            "geocoding provider was configured. Replaces coordinates entered by hand."
        )
        permissions = (ProductPermissions.MANAGE_PRODUCTS,)
        error_type_class = StoreError
        error_type_field = "store_errors"

    @classmethod
    def perform_mutation(cls, _root, info, id):
        store = cls.get_node_or_error(info, id, only_type=Store)
        return cls(store=services.store_request_geocoding(store=store))
