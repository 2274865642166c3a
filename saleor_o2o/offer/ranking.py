"""How offers near a shopper are ranked: relevance from online signals and distance."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import FrozenSet, Iterable, List, Optional, Sequence

from saleor_o2o.offer.rules import CustomerSegment

#: How strongly each signal says the shopper wants the targeted products.
WEIGHT_CART_PRODUCT = 0.9


WEIGHT_CART_CATEGORY = 0.6


WEIGHT_VIEW_PRODUCT = 0.7


WEIGHT_VIEW_CATEGORY = 0.4


WEIGHT_ORDER_PRODUCT = 0.5


WEIGHT_ORDER_CATEGORY = 0.35


#: A view loses half its weight every this many days.
VIEW_HALF_LIFE_DAYS = 3.0


#: Relevance of an offer that targets no products or categories: for everybody.
UNTARGETED_RELEVANCE = 0.3


@dataclass(frozen=True)
class View:
    product_id: int
    category_id: Optional[int]
    viewed_at: datetime


@dataclass(frozen=True)
class Signals:
    """What is known of a shopper's interests."""

    has_orders: bool = False
    ordered_product_ids: FrozenSet[int] = frozenset()
    ordered_category_ids: FrozenSet[int] = frozenset()
    cart_product_ids: FrozenSet[int] = frozenset()
    cart_category_ids: FrozenSet[int] = frozenset()
    views: Sequence[View] = ()


@dataclass(frozen=True)
class Targeting:
    product_ids: FrozenSet[int] = frozenset()
    category_ids: FrozenSet[int] = frozenset()
    segment: str = CustomerSegment.ALL


def in_segment(segment: str, signals: Signals) -> bool:
    """Return whether the shopper belongs to the offer's customer segment."""
    if segment == CustomerSegment.NEW:
        return not signals.has_orders
    if segment == CustomerSegment.RETURNING:
        return signals.has_orders
    return True


def view_decay(viewed_at: datetime, now: datetime) -> float:
    """Return the weight left to a view: 1 now, half after the half-life."""
    age_days = max(0.0, (now - viewed_at).total_seconds() / 86400.0)
    return 0.5 ** (age_days / VIEW_HALF_LIFE_DAYS)


def relevance(targeting: Targeting, signals: Signals, *, now: datetime) -> float:
    """Return how relevant an offer is to the shopper, from 0 to 1.

    Every matching signal is independent evidence of interest: they combine as
    1 - prod(1 - weight), so more evidence raises relevance without passing 1.
    Offers outside the shopper's segment score 0 (the caller drops them).
    """
    if not in_segment(targeting.segment, signals):
        return 0.0
    if not targeting.product_ids and not targeting.category_ids:
        return UNTARGETED_RELEVANCE
    products, categories = targeting.product_ids, targeting.category_ids
    weights: List[float] = []
    if signals.cart_product_ids & products:
        weights.append(WEIGHT_CART_PRODUCT)
    if signals.cart_category_ids & categories:
        weights.append(WEIGHT_CART_CATEGORY)
    if signals.ordered_product_ids & products:
        weights.append(WEIGHT_ORDER_PRODUCT)
    if signals.ordered_category_ids & categories:
        weights.append(WEIGHT_ORDER_CATEGORY)
    for view in signals.views:
        if view.product_id in products:
            weights.append(WEIGHT_VIEW_PRODUCT * view_decay(view.viewed_at, now))
        elif view.category_id is not None and view.category_id in categories:
            weights.append(WEIGHT_VIEW_CATEGORY * view_decay(view.viewed_at, now))
    miss = 1.0
    for weight in weights:
        miss *= 1.0 - weight
    return 1.0 - miss


#: Share of the score from closeness; the rest from relevance.
DISTANCE_SHARE = 0.5


@dataclass(frozen=True)
class Candidate:
    """An offer usable near the shopper, at its nearest valid store."""

    offer_id: int
    store_id: int
    distance_km: float
    targeting: Targeting = field(default_factory=Targeting)


@dataclass(frozen=True)
class Ranked:
    offer_id: int
    store_id: int
    distance_km: float
    relevance: float
    score: float


def proximity(distance_km: float, radius_km: float) -> float:
    """Return 1 at the shopper's feet, 0 at the edge of the search radius."""
    if radius_km <= 0:
        return 0.0
    return max(0.0, 1.0 - distance_km / radius_km)


def rank(
    candidates: Iterable[Candidate],
    signals: Signals,
    *,
    radius_km: float,
    now: datetime,
) -> List[Ranked]:
    """Return the candidates the shopper may use, best first.

    Score = DISTANCE_SHARE x proximity + the rest x relevance; ties go to the nearer
    offer, then the older one, so the order is stable.
    """
    ranked = []
    for candidate in candidates:
        if not in_segment(candidate.targeting.segment, signals):
            continue
        score_relevance = relevance(candidate.targeting, signals, now=now)
        score = (
            DISTANCE_SHARE * proximity(candidate.distance_km, radius_km)
            + (1 - DISTANCE_SHARE) * score_relevance
        )
        ranked.append(
            Ranked(
                offer_id=candidate.offer_id,
                store_id=candidate.store_id,
                distance_km=candidate.distance_km,
                relevance=round(score_relevance, 6),
                score=round(score, 6),
            )
        )
    ranked.sort(key=lambda r: (-r.score, r.distance_km, r.offer_id))
    return ranked


#: Views kept per shopper: the most recent ones.
MAX_VIEWS_KEPT = 50


#: Views older than this are forgotten.
VIEWS_MAX_AGE = timedelta(days=30)


def views_cutoff(now: datetime) -> datetime:
    """Return the instant before which views are forgotten (and purged)."""
    return now - VIEWS_MAX_AGE


def impression_day(now: datetime) -> date:
    """Return the (UTC) day an impression counts for: once per shopper and offer."""
    return now.astimezone(timezone.utc).date()


def impression_marks_kept_from(now: datetime) -> date:
    """Return the first day whose "already shown" marks must be kept at `now`.

    Marks of earlier days decide nothing any more; yesterday's are kept too, for a
    request begun before midnight or a server whose clock runs a little behind.
    """
    return impression_day(now) - timedelta(days=1)
