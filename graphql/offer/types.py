import graphene
from saleor.core.permissions import DiscountPermissions
from saleor.graphql.core.connection import CountableDjangoObjectType
from saleor.graphql.core.types import Error
from saleor.graphql.decorators import permission_required
from saleor.graphql.product.types import Category, Product

from saleor_o2o.graphql.core.context import (
    can_manage_offers,
    require_storefront_enabled,
)
from saleor_o2o.graphql.offer.enums import (
    OfferCustomerSegmentEnum,
    OfferErrorCodeEnum,
    OfferRewardTypeEnum,
)
from saleor_o2o.graphql.store.types import Store
from saleor_o2o.offer import models as offer_models
from saleor_o2o.offer import rules as offer_rules
from saleor_o2o.offer import selectors as offer_selectors


class OfferError(Error):
    code = OfferErrorCodeEnum(description="The error code.", required=True)

    class Meta:
        description = "An error of an offer operation."


class Offer(CountableDjangoObjectType):
    title = graphene.String(required=True, description="The offer's headline.")
    description = graphene.String(
        required=True, description="What the offer is; may be empty."
    )
    terms = graphene.String(
        required=True, description="Terms and conditions; may be empty."
    )
    image_url = graphene.String(required=True, description="Image URL; may be empty.")
    all_stores = graphene.Boolean(
        required=True, description="Whether the offer is valid in every store."
    )
    stores = graphene.List(
        graphene.NonNull(Store),
        required=True,
        description="The active stores the offer is valid in (empty with allStores).",
    )
    geofence_radius_km = graphene.Float(
        required=True,
        description="Shoppers within this many km of a valid store see the offer.",
    )
    starts_at = graphene.DateTime(required=True, description="When it starts.")
    ends_at = graphene.DateTime(description="When it ends; null: no end.")
    reward_type = OfferRewardTypeEnum(required=True, description="The kind of reward.")
    reward_value = graphene.Float(
        required=True, description="Percent or amount off; 0 for gifts."
    )
    reward_gift = graphene.String(
        required=True, description="The gift, for GIFT rewards; else empty."
    )
    reward_label = graphene.String(
        required=True, description="The reward in words, e.g. '20% off'."
    )
    per_shopper_limit = graphene.Int(
        description="Claims one shopper may make; null: no limit."
    )
    total_limit = graphene.Int(description="Claims in all; null: no limit.")
    login_required = graphene.Boolean(
        required=True,
        description=(
            "Whether only logged-in shoppers can claim it: true when it has a limit "
            "per shopper or in total."
        ),
    )
    claimed_count = graphene.Int(description="Claims made so far (staff only).")
    target_categories = graphene.List(
        graphene.NonNull(Category),
        description="Categories the offer is about (staff only).",
    )
    target_products = graphene.List(
        graphene.NonNull(Product),
        description="Products the offer is about (staff only).",
    )
    customer_segment = OfferCustomerSegmentEnum(
        required=True, description="Which shoppers the offer is for."
    )
    is_active = graphene.Boolean(
        required=True, description="Whether shoppers see the offer."
    )
    created_at = graphene.DateTime(required=True, description="When it was created.")
    updated_at = graphene.DateTime(
        required=True, description="When it was last changed."
    )

    class Meta:
        description = "An in-store reward promoted online to shoppers near its stores."
        model = offer_models.Offer
        interfaces = [graphene.relay.Node]
        only_fields = ["id"]

    @classmethod
    def get_node(cls, info, pk):
        can_manage = can_manage_offers(info.context)
        if not can_manage:
            require_storefront_enabled(info.context)
        return offer_selectors.offer_visible_to(pk=pk, can_manage=can_manage)

    @staticmethod
    def resolve_stores(root: offer_models.Offer, _info):
        if root.all_stores:
            return []
        prefetched = getattr(root, "active_stores", None)
        if prefetched is not None:
            return prefetched
        return offer_selectors.offer_active_stores(offer=root)

    @staticmethod
    def resolve_reward_type(root: offer_models.Offer, _info):
        return root.reward_type

    @staticmethod
    def resolve_reward_value(root: offer_models.Offer, _info):
        return float(root.reward_value)

    @staticmethod
    def resolve_reward_label(root: offer_models.Offer, _info):
        return offer_selectors.reward_label(root)

    @staticmethod
    def resolve_customer_segment(root: offer_models.Offer, _info):
        return root.customer_segment

    @staticmethod
    def resolve_login_required(root: offer_models.Offer, _info):
        return offer_rules.claims_need_login(
            per_shopper_limit=root.per_shopper_limit, total_limit=root.total_limit
        )

    @staticmethod
    @permission_required(DiscountPermissions.MANAGE_DISCOUNTS)
    def resolve_claimed_count(root: offer_models.Offer, _info):
        return root.claimed_count

    @staticmethod
    @permission_required(DiscountPermissions.MANAGE_DISCOUNTS)
    def resolve_target_categories(root: offer_models.Offer, _info):
        return root.target_categories.all()

    @staticmethod
    @permission_required(DiscountPermissions.MANAGE_DISCOUNTS)
    def resolve_target_products(root: offer_models.Offer, _info):
        return root.target_products.all()


class NearbyOffer(graphene.ObjectType):
    offer = graphene.Field(Offer, required=True, description="The offer.")
    store = graphene.Field(
        Store, required=True, description="The nearest store the offer is valid in."
    )
    distance_km = graphene.Float(
        required=True, description="Great-circle distance to that store, in km."
    )
    relevance = graphene.Float(
        required=True,
        description=(
            "How relevant the offer is to the shopper, 0 to 1, from their orders, "
            "checkout and products viewed."
        ),
    )
    score = graphene.Float(
        required=True,
        description="The ranking score: closeness and relevance blended, 0 to 1.",
    )

    class Meta:
        description = "An offer a shopper can use at a store near them."


class ClaimedOffer(CountableDjangoObjectType):
    offer = graphene.Field(Offer, required=True, description="The offer claimed.")
    code = graphene.String(
        required=True, description="The code to show at the till (8 characters)."
    )
    qr_payload = graphene.String(
        required=True, description="What to encode in a QR code for the till."
    )
    claimed_at = graphene.DateTime(required=True, description="When it was claimed.")
    claimed_store = graphene.Field(
        Store, description="The store shown with the offer when claimed, if known."
    )
    redeemed_at = graphene.DateTime(description="When it was redeemed; null if not.")
    redeemed_store = graphene.Field(Store, description="Where it was redeemed.")

    class Meta:
        description = "A shopper's claim of an offer: the code redeemed in store."
        model = offer_models.OfferClaim
        interfaces = [graphene.relay.Node]
        only_fields = ["id"]

    @classmethod
    def get_node(cls, info, pk):
        # Codes are secrets: claims are read through myOfferClaims only.
        return None

    @staticmethod
    def resolve_offer(root: offer_models.OfferClaim, _info):
        return root.offer

    @staticmethod
    def resolve_qr_payload(root: offer_models.OfferClaim, _info):
        return offer_rules.qr_payload(root.code)

    @staticmethod
    def resolve_claimed_at(root: offer_models.OfferClaim, _info):
        return root.created_at

    @staticmethod
    def resolve_claimed_store(root: offer_models.OfferClaim, _info):
        return root.claimed_store

    @staticmethod
    def resolve_redeemed_store(root: offer_models.OfferClaim, _info):
        return root.redeemed_store


class OfferStoreStats(graphene.ObjectType):
    store = graphene.Field(
        Store,
        description="The store; null for claims made without a store shown.",
    )
    shown = graphene.Int(
        required=True,
        description=(
            "Shoppers offers(near:) showed it to with this store, each once a day."
        ),
    )
    claimed = graphene.Int(required=True, description="Claims made.")
    redeemed = graphene.Int(required=True, description="Codes redeemed here.")
    redemption_rate = graphene.Float(
        description="Redeemed / claimed; null when nothing was claimed."
    )
    orders_after = graphene.Int(
        required=True,
        description="Orders redeeming customers placed in the days after redeeming.",
    )
    pickups_after = graphene.Int(
        required=True,
        description="Of those orders, the ones collected at this store.",
    )

    class Meta:
        description = "An offer's figures at one store."

    @staticmethod
    def from_stats(stats: offer_selectors.StoreStats, stores) -> "OfferStoreStats":
        return OfferStoreStats(
            store=stores.get(stats.store_id),
            shown=stats.shown,
            claimed=stats.claimed,
            redeemed=stats.redeemed,
            redemption_rate=stats.redemption_rate,
            orders_after=stats.orders_after,
            pickups_after=stats.pickups_after,
        )


class OfferStats(graphene.ObjectType):
    offer = graphene.Field(Offer, required=True, description="The offer.")
    days = graphene.Int(
        required=True, description="Days after a redemption counted as foot traffic."
    )
    shown = graphene.Int(
        required=True,
        description=(
            "Times shown to shoppers by offers(near:), each shopper (account or "
            "anonymous token) once a day; searches with neither are not counted."
        ),
    )
    claimed = graphene.Int(required=True, description="Claims made.")
    redeemed = graphene.Int(required=True, description="Codes redeemed.")
    redemption_rate = graphene.Float(
        description="Redeemed / claimed; null when nothing was claimed."
    )
    orders_after = graphene.Int(
        required=True,
        description="Orders redeeming customers placed in the days after redeeming.",
    )
    pickups_after = graphene.Int(
        required=True,
        description="Of those, the ones collected at the store they redeemed in.",
    )
    stores = graphene.List(
        graphene.NonNull(OfferStoreStats),
        required=True,
        description="The same figures per store, most redemptions first.",
    )

    class Meta:
        description = "How an offer performs: shown, claimed, redeemed, foot traffic."
