from typing import Any, Dict, List

import graphene
from saleor.core.permissions import DiscountPermissions, OrderPermissions
from saleor.graphql.core.utils import snake_to_camel_case

from saleor_o2o.core.errors import O2OError
from saleor_o2o.graphql.core.context import requestor_reach, require_storefront_enabled
from saleor_o2o.graphql.core.ids import pk_from_global_id
from saleor_o2o.graphql.core.mutations import O2OMutation
from saleor_o2o.graphql.offer.inputs import OfferCreateInput, OfferUpdateInput
from saleor_o2o.graphql.offer.types import ClaimedOffer, Offer, OfferError
from saleor_o2o.graphql.store.inputs import StoreNearInput
from saleor_o2o.graphql.store.types import Store
from saleor_o2o.offer import claims, ranking
from saleor_o2o.offer import selectors as offer_selectors
from saleor_o2o.offer import services as offer_services
from saleor_o2o.offer import shoppers
from saleor_o2o.store import selectors
from saleor_o2o.store.access import PERMISSION_DENIED, store_check
from saleor_o2o.store.reach import MANAGER


def pk_of(global_id: str, type_name: str, field: str) -> int:
    """Return the pk in a global ID of `type_name`, or raise a typed error."""
    return pk_from_global_id(global_id, type_name, field=field)


def pks_of(ids, type_name: str, field: str) -> List[int]:
    return [pk_of(global_id, type_name, field) for global_id in ids]


def clean_offer_input(data: Dict[str, Any]) -> Dict[str, Any]:
    """Turn GraphQL input into the service's arguments (keys as on the model)."""
    cleaned = dict(data)
    for key, type_name in (
        ("store_ids", "Store"),
        ("target_category_ids", "Category"),
        ("target_product_ids", "Product"),
    ):
        if data.get(key) is not None:
            field = snake_to_camel_case(key)
            cleaned[key] = pks_of(data[key], type_name, field)
    return cleaned


class OfferCreate(O2OMutation):
    offer = graphene.Field(Offer, description="The offer created.")

    class Arguments:
        input = OfferCreateInput(required=True, description="Fields of the new offer.")

    class Meta:
        description = "Create an in-store offer."
        permissions = (DiscountPermissions.MANAGE_DISCOUNTS,)
        error_type_class = OfferError
        error_type_field = "offer_errors"

    @classmethod
    def perform_mutation(cls, _root, info, input):
        data = clean_offer_input(input)
        check_offer_reach(
            info, all_stores=data.get("all_stores"), store_ids=data.get("store_ids")
        )
        return cls(offer=offer_services.offer_create(data=data))


class OfferUpdate(O2OMutation):
    offer = graphene.Field(Offer, description="The offer updated.")

    class Arguments:
        id = graphene.ID(required=True, description="ID of the offer to update.")
        input = OfferUpdateInput(required=True, description="Fields to change.")

    class Meta:
        description = "Update an offer. ID lists given replace the old ones."
        permissions = (DiscountPermissions.MANAGE_DISCOUNTS,)
        error_type_class = OfferError
        error_type_field = "offer_errors"

    @classmethod
    def perform_mutation(cls, _root, info, id, input):
        offer = cls.get_node_or_error(info, id, only_type=Offer)
        check_offer_reach(info, **offer_stores(offer))
        data = clean_offer_input(input)
        check_offer_reach(
            info, all_stores=data.get("all_stores"), store_ids=data.get("store_ids")
        )
        offer = offer_services.offer_update(offer=offer, data=data)
        return cls(offer=offer)


class OfferDelete(O2OMutation):
    offer = graphene.Field(Offer, description="The offer deleted.")

    class Arguments:
        id = graphene.ID(required=True, description="ID of the offer to delete.")

    class Meta:
        description = (
            "Delete an offer with its claims and figures. To stop an offer but keep "
            "its history, set `isActive` to false instead."
        )
        permissions = (DiscountPermissions.MANAGE_DISCOUNTS,)
        error_type_class = OfferError
        error_type_field = "offer_errors"

    @classmethod
    def perform_mutation(cls, _root, info, id):
        offer = cls.get_node_or_error(info, id, only_type=Offer)
        check_offer_reach(info, **offer_stores(offer))
        pk = offer.pk
        offer_services.offer_delete(offer=offer)
        offer.pk = offer.id = pk
        return cls(offer=offer)


def offer_stores(offer) -> Dict[str, Any]:
    return {
        "all_stores": offer.all_stores,
        "store_ids": offer_selectors.offer_store_ids(offer=offer),
    }


def check_offer_reach(info, *, all_stores=None, store_ids=None) -> None:
    """Refuse an offer reaching stores the requestor does not manage.

    Offers valid in every store are for staff acting in every store.
    """
    reach = requestor_reach(info.context)
    if reach.all_stores:
        return
    if all_stores:
        raise O2OError(
            "Only staff acting in every store may make an offer valid everywhere.",
            field="allStores",
            code=PERMISSION_DENIED,
        )
    for store_id in store_ids or ():
        store_check(reach, store_id, role=MANAGER, field="storeIds")


def shopper_of(info, token) -> shoppers.Shopper:
    return shoppers.shopper_for(info.context.user, token)


class OfferClaim(O2OMutation):
    claim = graphene.Field(
        ClaimedOffer, description="The claim, with its code and QR payload."
    )

    class Arguments:
        offer_id = graphene.ID(required=True, description="ID of the offer.")
        token = graphene.String(
            description=(
                "The anonymous shopper's token; ignored when logged in. Offers with "
                "a limit (loginRequired) are claimed by logged-in shoppers only."
            )
        )
        store_id = graphene.ID(
            description="The store shown with the offer (from offers(near:))."
        )
        near = StoreNearInput(
            description=(
                "Where the shopper is (REQUIRED): refused with OUT_OF_RANGE outside "
                "the offer's geofence. Optional for logged-in shoppers where the "
                "merchant allows claims away from the store."
            )
        )

    class Meta:
        description = (
            "Claim an offer near one of its stores: returns a unique code to redeem "
            "in store, within the offer's limits per shopper and in total. Offers "
            "with a limit need a logged-in shopper (LOGIN_REQUIRED)."
        )
        error_type_class = OfferError
        error_type_field = "offer_errors"

    @classmethod
    def perform_mutation(
        cls, _root, info, offer_id, token=None, store_id=None, near=None
    ):
        settings = require_storefront_enabled(info.context)
        shopper = shopper_of(info, token)
        store = None
        if store_id is not None:
            store = cls.get_node_or_error(
                info, store_id, field="storeId", only_type=Store
            )
        point = None
        if near is not None:
            point = selectors.point_for_search(**dict(near), settings=settings.geocoder)
        claim = claims.offer_claim(
            offer_id=pk_of(offer_id, "Offer", "offerId"),
            shopper=shopper,
            store=store,
            point=point,
            allow_remote=settings.offer_remote_claims,
        )
        return cls(claim=claim)


class OfferRedeem(O2OMutation):
    claim = graphene.Field(ClaimedOffer, description="The claim redeemed.")

    class Arguments:
        code = graphene.String(
            required=True, description="The code, typed or scanned (QR payload)."
        )
        store_id = graphene.ID(required=True, description="The store redeeming it.")

    class Meta:
        description = (
            "Redeem a claimed offer's code at a store's till, exactly once. Unknown "
            "codes are limited per staff user (or app) and store (TOO_MANY_ATTEMPTS)."
        )
        permissions = (OrderPermissions.MANAGE_ORDERS,)
        error_type_class = OfferError
        error_type_field = "offer_errors"

    @classmethod
    def perform_mutation(cls, _root, info, code, store_id):
        store = cls.get_node_or_error(info, store_id, field="storeId", only_type=Store)
        cls.check_store(info, store.pk, field="storeId")
        user = info.context.user
        staff = user if getattr(user, "is_authenticated", False) else None
        app = getattr(info.context, "app", None)
        claim = claims.offer_redeem(code=code, store=store, staff=staff, app=app)
        return cls(claim=claim)


class ProductViewRecord(O2OMutation):
    recorded = graphene.Boolean(description="Whether the view was recorded.")

    class Arguments:
        product_id = graphene.ID(required=True, description="ID of the product.")
        token = graphene.String(
            description="The anonymous shopper's token; ignored when logged in."
        )

    class Meta:
        description = (
            "Record that the shopper viewed a product, to rank offers for them. The "
            f"newest {ranking.MAX_VIEWS_KEPT} views per shopper are kept, each for "
            f"{ranking.VIEWS_MAX_AGE.days} days; productViewsErase forgets them."
        )
        error_type_class = OfferError
        error_type_field = "offer_errors"

    @classmethod
    def perform_mutation(cls, _root, info, product_id, token=None):
        require_storefront_enabled(info.context)
        shoppers.product_view_record(
            shopper=shopper_of(info, token),
            product_id=pk_of(product_id, "Product", "productId"),
        )
        return cls(recorded=True)


class ProductViewsErase(O2OMutation):
    erased = graphene.Int(description="How many views were erased.")

    class Arguments:
        token = graphene.String(
            description="The anonymous shopper's token; ignored when logged in."
        )

    class Meta:
        description = "Forget every product the shopper viewed."
        error_type_class = OfferError
        error_type_field = "offer_errors"

    @classmethod
    def perform_mutation(cls, _root, info, token=None):
        require_storefront_enabled(info.context)
        erased = shoppers.product_views_erase(shopper=shopper_of(info, token))
        return cls(erased=erased)
