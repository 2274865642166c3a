import graphene

from saleor_o2o.graphql.offer.enums import OfferCustomerSegmentEnum, OfferRewardTypeEnum


class OfferInput(graphene.InputObjectType):
    description = graphene.String(description="What the offer is, for shoppers.")
    terms = graphene.String(description="Terms and conditions.")
    image_url = graphene.String(description="URL of an image (http or https).")
    all_stores = graphene.Boolean(
        description="Valid in every active store; `storeIds` is then ignored."
    )
    store_ids = graphene.List(
        graphene.NonNull(graphene.ID),
        description="IDs of the stores the offer is valid in; replaces the old list.",
    )
    geofence_radius_km = graphene.Float(
        description="Shoppers within this many km of a store see it (default 5)."
    )
    starts_at = graphene.DateTime(description="When the offer starts (default now).")
    ends_at = graphene.DateTime(description="When the offer ends; null: no end.")
    reward_value = graphene.Float(
        description="Percent off (above 0, at most 100) or amount off (above 0)."
    )
    reward_gift = graphene.String(description="The gift, for GIFT rewards.")
    per_shopper_limit = graphene.Int(
        description=(
            "Claims one shopper may make (default 1); null: no limit. Offers with a "
            "limit (this or totalLimit) are claimed by logged-in shoppers only."
        )
    )
    total_limit = graphene.Int(
        description=(
            "Claims in all; null: no limit. Offers with a limit are claimed by "
            "logged-in shoppers only."
        )
    )
    target_category_ids = graphene.List(
        graphene.NonNull(graphene.ID),
        description="Categories the offer is about: interested shoppers see it first.",
    )
    target_product_ids = graphene.List(
        graphene.NonNull(graphene.ID),
        description="Products the offer is about: interested shoppers see it first.",
    )
    customer_segment = OfferCustomerSegmentEnum(
        description="New, returning or all shoppers (default all)."
    )
    is_active = graphene.Boolean(description="Whether shoppers see the offer.")


class OfferCreateInput(OfferInput):
    title = graphene.String(required=True, description="The offer's headline.")
    reward_type = OfferRewardTypeEnum(
        required=True, description="Percentage off, fixed amount off or a gift."
    )

    class Meta:
        description = "Fields to create an in-store offer."


class OfferUpdateInput(OfferInput):
    title = graphene.String(description="The offer's headline.")
    reward_type = OfferRewardTypeEnum(
        description="Percentage off, fixed amount off or a gift."
    )

    class Meta:
        description = "Fields to change on an offer; those left out stay as they are."
