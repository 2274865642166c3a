from typing import Any, Dict, List

import graphene
from saleor.core.permissions import ProductPermissions

from saleor_o2o.core.errors import NotFound, O2OError
from saleor_o2o.graphql.core.ids import pk_from_global_id
from saleor_o2o.graphql.core.mutations import O2OMutation
from saleor_o2o.graphql.store.inputs import StoreCreateInput, StoreUpdateInput
from saleor_o2o.graphql.store.types import Store, StoreError
from saleor_o2o.store import hours
from saleor_o2o.store import services as store_services
from saleor_o2o.store import stock as store_stock
from saleor_o2o.store.models import StoreService
from saleor_o2o.store.reach import MANAGER


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
            StoreService.CLICK_AND_COLLECT in services_given
        )
        cleaned["is_curbside"] = StoreService.CURBSIDE in services_given
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
    def perform_mutation(cls, _root, info, input):
        cls.check_every_store(info, field="input")
        store = store_services.store_create(data=clean_store_input(input))
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
        cls.check_store(info, store.pk, role=MANAGER)
        store = store_services.store_update(store=store, data=clean_store_input(input))
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
        cls.check_every_store(info, field="id")
        store_pk = store.pk
        store_services.store_delete(store=store)
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
        cls.check_store(info, store.pk, role=MANAGER)
        return cls(store=store_services.store_request_geocoding(store=store))


class StoreStockInput(graphene.InputObjectType):
    variant_id = graphene.ID(description="ID of the product variant; or give `sku`.")
    sku = graphene.String(
        description="SKU of the product variant; or give `variantId`."
    )
    quantity = graphene.Int(
        required=True, description="Units on hand in the store (0 or more)."
    )

    class Meta:
        description = "A variant's stock quantity in a store."


class StoreStockUpdate(O2OMutation):
    store = graphene.Field(Store, description="The store updated.")

    class Arguments:
        store_id = graphene.ID(required=True, description="ID of the store.")
        stocks = graphene.List(
            graphene.NonNull(StoreStockInput),
            description="Quantities on hand to set, by variant ID or SKU.",
        )
        safety_stock = graphene.Int(
            description="Units of each variant held back from click-and-collect."
        )
        low_stock_threshold = graphene.Int(
            description=(
                "Units available for pickup at or below which a store_stock_low "
                "event is sent; null turns it off."
            )
        )

    class Meta:
        description = (
            "Set a store's stock (Saleor's stock of its warehouse) for many variants "
            "at once, its pickup safety stock and its low-stock threshold. All or "
            "nothing: one bad line changes nothing."
        )
        permissions = (ProductPermissions.MANAGE_PRODUCTS,)
        error_type_class = StoreError
        error_type_field = "store_errors"

    @classmethod
    def perform_mutation(cls, _root, info, store_id, stocks=None, **data):
        store = cls.get_node_or_error(info, store_id, field="storeId", only_type=Store)
        cls.check_store(info, store.pk, role=MANAGER, field="storeId")
        levels = clean_stock_levels(stocks or [])
        options = {}
        if "low_stock_threshold" in data:
            options["low_stock_threshold"] = data["low_stock_threshold"]
        store = store_stock.store_stock_update(
            store=store,
            levels=levels,
            safety_stock=data.get("safety_stock"),
            **options,
        )
        return cls(store=store)


def _variant_pk(global_id: str):
    """Return the variant's pk, or None for an ID that is not a variant's."""
    try:
        return pk_from_global_id(global_id, "ProductVariant", field="variantId")
    except O2OError:
        return None


def clean_stock_levels(stocks) -> List[store_stock.StockLevel]:
    """Resolve each line's variant by ID or SKU; raise for the first bad line."""
    skus = {line.sku for line in stocks if line.get("sku")}
    pks = {
        line.variant_id: _variant_pk(line.variant_id)
        for line in stocks
        if line.get("variant_id")
    }
    by_sku = store_stock.variant_ids_by_sku(skus)
    known = store_stock.variant_ids_known([pk for pk in pks.values() if pk])
    levels, seen = [], set()
    for index, line in enumerate(stocks):
        field = f"stocks.{index}"
        if bool(line.get("variant_id")) == bool(line.get("sku")):
            raise O2OError(
                "Give either `variantId` or `sku`.", field=field, code="REQUIRED"
            )
        if line.get("sku"):
            variant_id = by_sku.get(line.sku)
            if variant_id is None:
                raise NotFound(
                    f"No variant has the SKU {line.sku!r}.", field=f"{field}.sku"
                )
        else:
            variant_id = pks[line.variant_id]
            if variant_id not in known:
                raise NotFound(
                    f"{line.variant_id} is not the ID of a product variant.",
                    field=f"{field}.variantId",
                )
        if variant_id in seen:
            raise O2OError(
                "The same variant is given twice.", field=field, code="UNIQUE"
            )
        seen.add(variant_id)
        levels.append(
            store_stock.StockLevel(variant_id=variant_id, quantity=line.quantity)
        )
    return levels
