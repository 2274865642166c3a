import graphene
from saleor.core.permissions import DiscountPermissions
from saleor.graphql.core.fields import BaseConnectionField
from saleor.graphql.decorators import permission_required

from saleor_o2o.core.errors import NotFound
from saleor_o2o.graphql.core.connection import queryset_page
from saleor_o2o.graphql.core.context import requestor_reach, require_storefront_enabled
from saleor_o2o.graphql.offer.mutations import (
    OfferClaim,
    OfferCreate,
    OfferDelete,
    OfferRedeem,
    OfferUpdate,
    ProductViewRecord,
    ProductViewsErase,
    pk_of,
    shopper_of,
)
from saleor_o2o.graphql.offer.types import (
    ClaimedOffer,
    NearbyOffer,
    Offer,
    OfferStats,
    OfferStoreStats,
)
from saleor_o2o.graphql.store.inputs import StoreNearInput
from saleor_o2o.graphql.store.near import check_first, resolve_near
from saleor_o2o.offer import selectors as offer_selectors
from saleor_o2o.store import selectors

OfferCountableConnection = Offer._meta.connection


def resolve_offers_near(
    info, *, near, radius_km=None, first=10, token=None, checkout_token=None
):
    point, radius = resolve_near(info, near, radius_km)
    check_first(first)
    ranked = offer_selectors.offers_ranked(
        point=point,
        radius_km=radius,
        shopper=shopper_of(info, token),
        checkout_token=checkout_token,
        first=first,
    )
    offers = offer_selectors.offers_by_id([r.offer_id for r in ranked])
    stores = selectors.stores_by_id(
        [r.store_id for r in ranked], with_address=True, with_hours_exceptions=True
    )
    results = []
    for result in ranked:
        store = stores[result.store_id]
        store.distance_km = result.distance_km
        results.append(
            NearbyOffer(
                offer=offers[result.offer_id],
                store=store,
                distance_km=result.distance_km,
                relevance=result.relevance,
                score=result.score,
            )
        )
    return results


def resolve_offer_list(info, *, search=None, is_active=None, **args):
    return queryset_page(
        offer_selectors.offers_newest_first(search=search, is_active=is_active),
        args,
        sort_fields=["created_at", "pk"],
        direction="-",
        connection_type=OfferCountableConnection,
        name="offerList",
    )


def resolve_offer_stats(info, *, offer_id, days):
    offer = offer_selectors.offer_for_id(
        pk=pk_of(offer_id, "Offer", "offerId"), field="offerId"
    )
    total, per_store = offer_selectors.offer_stats(offer=offer, days=days)
    reach = requestor_reach(info.context)
    if not reach.all_stores:
        # Figures of the stores the requestor works in, and totals over them only.
        per_store = [row for row in per_store if reach.sees(row.store_id)]
        if not per_store and not offer.all_stores:
            if not offer_selectors.offer_in_stores(
                offer=offer, store_ids=reach.store_ids()
            ):
                raise NotFound("No such offer.", field="offerId")
        total = offer_selectors.StoreStats(store_id=None)
        for row in per_store:
            total.add(row)
    stores = selectors.stores_by_id([row.store_id for row in per_store if row.store_id])
    return OfferStats(
        offer=offer,
        days=days,
        shown=total.shown,
        claimed=total.claimed,
        redeemed=total.redeemed,
        redemption_rate=total.redemption_rate,
        orders_after=total.orders_after,
        pickups_after=total.pickups_after,
        stores=[OfferStoreStats.from_stats(row, stores) for row in per_store],
    )


class OfferQueries(graphene.ObjectType):
    offers = graphene.Field(
        graphene.List(graphene.NonNull(NearbyOffer)),
        required=True,
        near=graphene.Argument(
            StoreNearInput,
            required=True,
            description="Where the shopper is: coordinates or a place.",
        ),
        radius_km=graphene.Argument(
            graphene.Float,
            description="Search radius in km; the plugin's default if null.",
        ),
        first=graphene.Argument(
            graphene.Int, default_value=10, description="How many offers (1-100)."
        ),
        token=graphene.Argument(
            graphene.String,
            description=(
                "The anonymous shopper's token, for their products viewed; offers "
                "shown are counted once a day per token (or account)."
            ),
        ),
        checkout_token=graphene.Argument(
            graphene.String,
            description="The shopper's checkout, whose lines make offers relevant.",
        ),
        description=(
            "Offers the shopper can use at stores near them, each at its nearest "
            "valid store, ranked by distance and relevance to the shopper."
        ),
    )
    offer = graphene.Field(
        Offer,
        id=graphene.Argument(
            graphene.ID, required=True, description="ID of the offer."
        ),
        description="Look up an offer by ID (shoppers see active offers only).",
    )
    offer_list = BaseConnectionField(
        OfferCountableConnection,
        search=graphene.String(description="Part of the title or description."),
        is_active=graphene.Boolean(description="Active or inactive offers only."),
        description="List every offer, newest first (staff).",
    )
    offer_stats = graphene.Field(
        OfferStats,
        offer_id=graphene.Argument(
            graphene.ID, required=True, description="ID of the offer."
        ),
        days=graphene.Argument(
            graphene.Int,
            default_value=offer_selectors.DEFAULT_TRAFFIC_DAYS,
            description="Days after a redemption counted as foot traffic (1-365).",
        ),
        description="An offer's figures, in total and per store (staff).",
    )
    my_offer_claims = graphene.Field(
        graphene.List(graphene.NonNull(ClaimedOffer)),
        required=True,
        token=graphene.Argument(
            graphene.String,
            description="The anonymous shopper's token; ignored when logged in.",
        ),
        description="The shopper's claimed offers with their codes, newest first.",
    )

    @staticmethod
    def resolve_offers(_root, info, **kwargs):
        return resolve_offers_near(info, **kwargs)

    @staticmethod
    def resolve_offer(_root, info, id):
        return Offer.get_node(info, pk_of(id, "Offer", "id"))

    @staticmethod
    @permission_required(DiscountPermissions.MANAGE_DISCOUNTS)
    def resolve_offer_list(_root, info, **kwargs):
        return resolve_offer_list(info, **kwargs)

    @staticmethod
    @permission_required(DiscountPermissions.MANAGE_DISCOUNTS)
    def resolve_offer_stats(_root, info, **kwargs):
        return resolve_offer_stats(info, **kwargs)

    @staticmethod
    def resolve_my_offer_claims(_root, info, token=None):
        require_storefront_enabled(info.context)
        return offer_selectors.shopper_claims(shopper=shopper_of(info, token))


class OfferMutations(graphene.ObjectType):
    offer_create = OfferCreate.Field()
    offer_update = OfferUpdate.Field()
    offer_delete = OfferDelete.Field()
    offer_claim = OfferClaim.Field()
    offer_redeem = OfferRedeem.Field()
    product_view_record = ProductViewRecord.Field()
    product_views_erase = ProductViewsErase.Field()
