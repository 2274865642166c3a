"""Offers near a shopper, ranked; offers by ID and the staff list; a shopper's
claims; offer statistics."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from saleor.checkout.models import CheckoutLine
from saleor.order.models import Order, OrderLine

from saleor_o2o.core.errors import InvalidInput, NotFound
from saleor_o2o.core.geo import Point
from saleor_o2o.offer import ranking
from saleor_o2o.offer import rules as offer_rules
from saleor_o2o.offer.models import Offer, OfferClaim, ProductView
from saleor_o2o.offer.shoppers import Shopper, impressions_record, shopper_has_orders
from saleor_o2o.store.models import Store
from saleor_o2o.store.selectors import (
    STORES_NEAR_SQL,
    km_sql,
    search_params,
    stores_with_related,
)

#: Nearby (offer, store) pairs compared for relevance: the nearest ones.
MAX_CANDIDATES = 200


#: Orders placed in the days after a redemption count as its foot traffic.
DEFAULT_TRAFFIC_DAYS = 7


#: Offers usable near a point: the active stores within the radius
#: (`store.selectors.STORES_NEAR_SQL`); the live offers of those stores whose
#: geofence reaches the shopper, read from the (store -> offer, geofence, dates,
#: active) index alone; offers valid in every store, at the nearest store; each offer
#: once, at its nearest store; nearest first.
OFFERS_NEAR_SQL = f"""
WITH near AS MATERIALIZED ({STORES_NEAR_SQL}), hits AS (
    SELECT os.offer_id, near.id AS store_id, near.chord
    FROM near JOIN saleor_o2o_offerstore os ON os.store_id = near.id
    WHERE os.is_active AND os.starts_at <= %(now)s
      AND (os.ends_at IS NULL OR os.ends_at > %(now)s)
      AND {km_sql("near.chord")} <= os.geofence_radius_km
    UNION ALL
    SELECT o.id, nearest.id, nearest.chord
    FROM (SELECT id, chord FROM near ORDER BY chord LIMIT 1) AS nearest,
         saleor_o2o_offer o
    WHERE o.all_stores AND o.is_active AND o.starts_at <= %(now)s
      AND (o.ends_at IS NULL OR o.ends_at > %(now)s)
      AND {km_sql("nearest.chord")} <= o.geofence_radius_km
), usable AS (
    SELECT DISTINCT ON (offer_id) offer_id, store_id, chord
    FROM hits ORDER BY offer_id, chord, store_id
)
SELECT offer_id, store_id, {km_sql("chord")} AS distance_km
FROM usable ORDER BY chord, offer_id LIMIT %(limit)s
"""


def near_params(point: Point, radius_km: float, now: datetime, limit: int) -> dict:
    return {**search_params(point, radius_km), "now": now, "limit": limit}


def offers_near(
    *, point: Point, radius_km: float, now: Optional[datetime] = None
) -> List[Tuple[int, int, float]]:
    """Return (offer ID, nearest valid store ID, km) of the offers usable near
    `point`, nearest first, at most `MAX_CANDIDATES`."""
    now = now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            OFFERS_NEAR_SQL, near_params(point, radius_km, now, MAX_CANDIDATES)
        )
        return [(o, s, float(km)) for o, s, km in cursor.fetchall()]


def shopper_signals(
    *, shopper: Shopper, checkout_token=None, now: Optional[datetime] = None
) -> ranking.Signals:
    """Return what Saleor and the views say of the shopper's interests."""
    now = now or timezone.now()
    ordered: List[Tuple[int, Optional[int]]] = []
    has_orders = False
    if shopper.user is not None:
        recent = Order.objects.filter(user=shopper.user).order_by("-pk")[:50]
        ordered = list(
            OrderLine.objects.filter(order__in=recent, variant__isnull=False)
            .order_by()
            .values_list("variant__product_id", "variant__product__category_id")
            .distinct()
        )
        has_orders = shopper_has_orders(shopper)
    cart_lines = CheckoutLine.objects.none()
    if checkout_token:
        try:
            checkout_token = uuid.UUID(str(checkout_token))
        except ValueError:
            raise InvalidInput("Not a checkout token.", field="checkoutToken")
        cart_lines = CheckoutLine.objects.filter(checkout__token=checkout_token)
    elif shopper.user is not None:
        cart_lines = CheckoutLine.objects.filter(checkout__user=shopper.user)
    cart = list(
        cart_lines.order_by()
        .values_list("variant__product_id", "variant__product__category_id")
        .distinct()
    )
    views = []
    if shopper.known:
        views = [
            ranking.View(product_id=p, category_id=c, viewed_at=at)
            for p, c, at in ProductView.objects.filter(
                viewed_at__gte=ranking.views_cutoff(now), **shopper.lookup()
            ).values_list("product_id", "product__category_id", "viewed_at")[
                : ranking.MAX_VIEWS_KEPT
            ]
        ]
    return ranking.Signals(
        has_orders=has_orders,
        ordered_product_ids=frozenset(p for p, _ in ordered),
        ordered_category_ids=frozenset(c for _, c in ordered if c),
        cart_product_ids=frozenset(p for p, _ in cart),
        cart_category_ids=frozenset(c for _, c in cart if c),
        views=tuple(views),
    )


def targeting_of(offer_ids: Sequence[int]) -> Dict[int, ranking.Targeting]:
    """Return each offer's targeting, in three queries whatever the number."""
    products: Dict[int, set] = {pk: set() for pk in offer_ids}
    categories: Dict[int, set] = {pk: set() for pk in offer_ids}
    for offer_id, product_id in Offer.target_products.through.objects.filter(
        offer_id__in=offer_ids
    ).values_list("offer_id", "product_id"):
        products[offer_id].add(product_id)
    for offer_id, category_id in Offer.target_categories.through.objects.filter(
        offer_id__in=offer_ids
    ).values_list("offer_id", "category_id"):
        categories[offer_id].add(category_id)
    segments = dict(
        Offer.objects.filter(pk__in=offer_ids).values_list("pk", "customer_segment")
    )
    return {
        pk: ranking.Targeting(
            product_ids=frozenset(products[pk]),
            category_ids=frozenset(categories[pk]),
            segment=segments.get(pk, offer_rules.CustomerSegment.ALL),
        )
        for pk in offer_ids
    }


def offers_ranked(
    *,
    point: Point,
    radius_km: float,
    shopper: Shopper,
    checkout_token=None,
    first: int = 10,
    now: Optional[datetime] = None,
) -> List[ranking.Ranked]:
    """Return the offers the shopper can use near `point`, ranked; count them shown
    (once a day per shopper and offer)."""
    now = now or timezone.now()
    found = offers_near(point=point, radius_km=radius_km, now=now)
    targeting = targeting_of([offer_id for offer_id, _, _ in found])
    signals = shopper_signals(shopper=shopper, checkout_token=checkout_token, now=now)
    ranked = ranking.rank(
        (
            ranking.Candidate(
                offer_id=offer_id,
                store_id=store_id,
                distance_km=km,
                targeting=targeting[offer_id],
            )
            for offer_id, store_id, km in found
        ),
        signals,
        radius_km=radius_km,
        now=now,
    )[:first]
    impressions_record(
        pairs=[(r.offer_id, r.store_id) for r in ranked], shopper=shopper, now=now
    )
    return ranked


def _active_stores() -> QuerySet:
    return stores_with_related(Store.objects.active())


def offers_with_related(queryset: QuerySet) -> QuerySet:
    """Return `queryset` fetching along what a list of offers shows, in a fixed
    number of queries: their active stores (as ``active_stores``) and targets."""
    return queryset.prefetch_related(
        Prefetch("stores", queryset=_active_stores(), to_attr="active_stores"),
        "target_categories",
        "target_products",
    )


def offers_by_id(ids: Sequence[int]) -> Dict[int, Offer]:
    """Return the offers with these IDs by ID, with their stores and targets."""
    return offers_with_related(Offer.objects.all()).in_bulk(ids)


def offer_visible_to(*, pk, can_manage: bool) -> Optional[Offer]:
    """Return the offer with its stores and targets if the requestor may see it
    (offer staff: any offer; shoppers: active ones), else None."""
    qs = offers_with_related(Offer.objects.all())
    if not can_manage:
        qs = qs.filter(is_active=True)
    return qs.filter(pk=pk).first()


def offer_for_id(*, pk, field: str) -> Offer:
    """Return the offer with this pk, or raise NotFound on `field`."""
    offer = Offer.objects.filter(pk=pk).first()
    if offer is None:
        raise NotFound("No such offer.", field=field)
    return offer


def offers_newest_first(
    *, search: Optional[str] = None, is_active: Optional[bool] = None
) -> QuerySet:
    """Return the offers whose title or description contains `search`, active or
    not as asked, newest first, with their stores and targets."""
    qs = offers_with_related(Offer.objects.all())
    if search:
        qs = qs.filter(Q(title__icontains=search) | Q(description__icontains=search))
    if is_active is not None:
        qs = qs.filter(is_active=is_active)
    return qs.order_by("-created_at", "-pk")


def offer_active_stores(*, offer: Offer) -> QuerySet:
    """Return the active stores the offer is valid in, with what store fields read."""
    return _active_stores().filter(offers=offer)


def offer_store_ids(*, offer: Offer) -> List[int]:
    """Return the IDs of the stores the offer is valid in."""
    return list(offer.stores.values_list("pk", flat=True))


def offer_in_stores(*, offer: Offer, store_ids: Iterable[int]) -> bool:
    """Return whether the offer is valid in one of these stores."""
    return offer.stores.filter(pk__in=store_ids).exists()


def shopper_claims(*, shopper: Shopper, limit: int = 100):
    """Return the shopper's claims, newest first."""
    if not shopper.known:
        return OfferClaim.objects.none()
    return (
        OfferClaim.objects.filter(**shopper.lookup())
        .select_related(
            "offer",
            "claimed_store__warehouse__address",
            "redeemed_store__warehouse__address",
        )
        .order_by("-created_at", "-pk")[:limit]
    )


@dataclass
class StoreStats:
    store_id: Optional[int]
    shown: int = 0
    claimed: int = 0
    redeemed: int = 0
    orders_after: int = 0
    pickups_after: int = 0

    @property
    def redemption_rate(self) -> Optional[float]:
        return self.redeemed / self.claimed if self.claimed else None

    def add(self, other: "StoreStats") -> None:
        for name in ("shown", "claimed", "redeemed", "orders_after", "pickups_after"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def offer_stats(
    *, offer: Offer, days: int = DEFAULT_TRAFFIC_DAYS
) -> Tuple[StoreStats, List[StoreStats]]:
    """Return an offer's totals and its figures per store.

    Shown counts the shoppers `offers(near:)` returned it to with that store, each
    once a day (anonymous shoppers by their token); claimed counts
    claims by the store shown when claiming; foot traffic counts the orders each
    redeeming customer placed in `days` days after redeeming, and those of them
    collected at the store they redeemed in.
    """
    if not 1 <= days <= 365:
        raise InvalidInput(
            "`days` must be 1 to 365.", field="days", code="OUT_OF_RANGE"
        )
    rows: Dict[Optional[int], StoreStats] = {}

    def row(store_id):
        return rows.setdefault(store_id, StoreStats(store_id=store_id))

    for store_id, shown in offer.impressions.values_list("store_id", "shown"):
        row(store_id).shown += shown
    claims = offer.claims.order_by()
    for store_id, count in (
        claims.values("claimed_store")
        .annotate(n=Count("pk"))
        .values_list("claimed_store", "n")
    ):
        row(store_id).claimed += count
    redeemed = list(
        claims.filter(redeemed_at__isnull=False).values_list(
            "redeemed_store", "user_id", "redeemed_at"
        )
    )
    users = {user_id for _, user_id, _ in redeemed if user_id}
    window = timedelta(days=days)
    orders_by_user: Dict[int, List[Tuple[datetime, Optional[int]]]] = {}
    if users:
        ats = [at for _, _, at in redeemed]
        for user_id, created, pickup_store in (
            Order.objects.filter(
                user_id__in=users,
                created__gt=min(ats),
                created__lte=max(ats) + window,
            )
            .order_by()
            .values_list("user_id", "created", "o2o_pickup__store_id")
        ):
            orders_by_user.setdefault(user_id, []).append((created, pickup_store))
    for store_id, user_id, at in redeemed:
        stats = row(store_id)
        stats.redeemed += 1
        for created, pickup_store in orders_by_user.get(user_id, ()):
            if at < created <= at + window:
                stats.orders_after += 1
                stats.pickups_after += pickup_store == store_id
    total = StoreStats(store_id=None)
    for stats in rows.values():
        total.add(stats)
    per_store = sorted(
        rows.values(), key=lambda s: (s.store_id is None, -s.redeemed, s.store_id or 0)
    )
    return total, per_store


def reward_label(offer: Offer) -> str:
    from django.conf import settings

    return offer_rules.reward_label(offer.reward, settings.DEFAULT_CURRENCY)
