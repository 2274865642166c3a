"""In-store offers: validity, rewards, codes, relevance to a shopper and ranking.

Pure Python: the services load rows and signals, this module decides. Relevance uses
the signals Saleor already holds (past orders, the current checkout) and the products
the shopper viewed, each weighed by how strong a sign of interest it is; views fade
with age. The ranking blends closeness to the shopper with that relevance, so a
relevant offer a little further away can come before an irrelevant one next door.
"""

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import FrozenSet, Iterable, List, Optional, Sequence

from saleor_o2o.domain import codes
from saleor_o2o.errors import InvalidInput, O2OError


class RewardType:
    """What the shopper gets in the store."""

    PERCENTAGE = "percentage"
    FIXED = "fixed"
    GIFT = "gift"

    CHOICES = [
        (PERCENTAGE, "A percentage off"),
        (FIXED, "A fixed amount off"),
        (GIFT, "A gift"),
    ]


class CustomerSegment:
    """Which shoppers an offer targets."""

    ALL = "all"
    #: Shoppers without a past order (anonymous shoppers count as new).
    NEW = "new"
    #: Shoppers with at least one past order.
    RETURNING = "returning"

    CHOICES = [
        (ALL, "All shoppers"),
        (NEW, "New shoppers (no past order)"),
        (RETURNING, "Returning shoppers (a past order)"),
    ]


# Validity ----------------------------------------------------------------------


@dataclass(frozen=True)
class Validity:
    """When and whether an offer can be claimed and redeemed."""

    is_active: bool
    starts_at: datetime
    ends_at: Optional[datetime] = None


def check_dates(*, starts_at: datetime, ends_at: Optional[datetime]) -> None:
    """Raise `InvalidInput` unless the offer ends after it starts."""
    if ends_at is not None and ends_at <= starts_at:
        raise InvalidInput("An offer must end after it starts.", field="endsAt")


def check_valid(validity: Validity, *, now: datetime, field: str = "offerId") -> None:
    """Raise a typed error unless the offer is active and running at `now`."""
    if not validity.is_active:
        raise O2OError("This offer is not active.", field=field, code="OFFER_INACTIVE")
    if now < validity.starts_at:
        raise O2OError(
            "This offer has not started yet.", field=field, code="OFFER_NOT_STARTED"
        )
    if validity.ends_at is not None and now >= validity.ends_at:
        raise O2OError("This offer has ended.", field=field, code="OFFER_EXPIRED")


def check_claim_limits(
    *,
    per_shopper_limit: Optional[int],
    total_limit: Optional[int],
    claimed_total: int,
    claimed_by_shopper: int,
) -> None:
    """Raise `LIMIT_REACHED` when one more claim would break a limit (None: none)."""
    if total_limit is not None and claimed_total >= total_limit:
        raise O2OError(
            "This offer has been claimed as often as it can be.",
            field="offerId",
            code="LIMIT_REACHED",
        )
    if per_shopper_limit is not None and claimed_by_shopper >= per_shopper_limit:
        raise O2OError(
            "You have claimed this offer as often as you can.",
            field="offerId",
            code="LIMIT_REACHED",
        )


# Who may claim, and from where -------------------------------------------------


def claims_need_login(
    *, per_shopper_limit: Optional[int], total_limit: Optional[int]
) -> bool:
    """Return whether only logged-in shoppers may claim the offer: it has a limit.

    An anonymous shopper is only a token the client chooses: a limit per token binds
    nobody (a new token is a new shopper), and one client with fresh tokens could use
    up a total limit meant for many. An account is the identity a limit can bind to.
    """
    return per_shopper_limit is not None or total_limit is not None


def check_claimant(
    *,
    logged_in: bool,
    per_shopper_limit: Optional[int],
    total_limit: Optional[int],
) -> None:
    """Raise `LOGIN_REQUIRED` when an anonymous shopper claims a limited offer."""
    if not logged_in and claims_need_login(
        per_shopper_limit=per_shopper_limit, total_limit=total_limit
    ):
        raise O2OError(
            "Log in to claim this offer: it can be claimed a limited number of times.",
            field="offerId",
            code="LOGIN_REQUIRED",
        )


def check_claim_place(
    *,
    located: bool,
    in_fence: bool,
    logged_in: bool,
    allow_remote: bool,
    radius_km: float,
) -> None:
    """Raise a typed error unless the claim is made inside the offer's geofence.

    `located`: the shopper said where they are; `in_fence`: that point is within
    the geofence of a store the offer is valid in. Where the merchant allows remote
    claims, logged-in shoppers may claim from anywhere (with or without a place).
    """
    if allow_remote and logged_in:
        return
    if not located:
        raise InvalidInput(
            "Say where you are (`near`): this offer is claimed near its stores"
            + (", or by logged-in shoppers." if allow_remote else "."),
            field="near",
            code="REQUIRED",
        )
    if not in_fence:
        raise O2OError(
            f"No store of this offer is within {radius_km:g} km of you.",
            field="near",
            code="OUT_OF_RANGE",
        )


def check_redeemable(
    *,
    validity: Validity,
    now: datetime,
    redeemed_at: Optional[datetime],
    valid_here: bool,
) -> None:
    """Raise a typed error unless a claim may be redeemed now at a store where the
    offer is (``valid_here``) or is not valid."""
    if redeemed_at is not None:
        raise O2OError(
            f"This code was already redeemed on {redeemed_at:%Y-%m-%d %H:%M} UTC.",
            field="code",
            code="ALREADY_REDEEMED",
        )
    check_valid(validity, now=now, field="code")
    if not valid_here:
        raise O2OError(
            "This offer is not valid in this store.",
            field="storeId",
            code="WRONG_STORE",
        )


# Rewards -----------------------------------------------------------------------


@dataclass(frozen=True)
class Reward:
    type: str
    value: Decimal = Decimal("0")
    gift: str = ""


def validate_reward(reward: Reward) -> Reward:
    """Return the reward cleaned, or raise `InvalidInput` naming the field."""
    value = Decimal(reward.value or 0)
    gift = (reward.gift or "").strip()
    if reward.type == RewardType.GIFT:
        if not gift:
            raise InvalidInput(
                "Describe the gift.", field="rewardGift", code="REQUIRED"
            )
        return Reward(type=reward.type, value=Decimal("0"), gift=gift)
    if reward.type == RewardType.PERCENTAGE:
        if not Decimal("0") < value <= Decimal("100"):
            raise InvalidInput(
                "A percentage off must be above 0 and at most 100.",
                field="rewardValue",
                code="OUT_OF_RANGE",
            )
    elif reward.type == RewardType.FIXED:
        if value <= 0:
            raise InvalidInput(
                "An amount off must be above 0.",
                field="rewardValue",
                code="OUT_OF_RANGE",
            )
    else:
        raise InvalidInput(f"Unknown reward type {reward.type!r}.", field="rewardType")
    return Reward(type=reward.type, value=value, gift="")


def reward_amount(reward: Reward, subtotal: Decimal) -> Decimal:
    """Return the amount taken off a purchase of `subtotal` (never more than it)."""
    if reward.type == RewardType.PERCENTAGE:
        off = (subtotal * reward.value / 100).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
    elif reward.type == RewardType.FIXED:
        off = reward.value
    else:
        off = Decimal("0")
    return max(Decimal("0"), min(off, subtotal))


def reward_label(reward: Reward, currency: str) -> str:
    """Return a short description for a shopper: '20% off', '5.00 EUR off'."""
    if reward.type == RewardType.PERCENTAGE:
        return f"{reward.value.normalize():f}% off"
    if reward.type == RewardType.FIXED:
        return f"{reward.value.quantize(Decimal('0.01'))} {currency} off"
    return f"Free: {reward.gift}"


# Codes -------------------------------------------------------------------------

CODE_ALPHABET = codes.ALPHABET
#: 32^8 codes: guessing one by chance is hopeless under the attempt limit.
CODE_LENGTH = 8
QR_PREFIX = "o2o:offer:"


def new_code() -> str:
    return codes.new_code(CODE_LENGTH)


def normalise_code(text: str) -> str:
    """Return a code as typed or scanned (see `codes.normalise`)."""
    return codes.normalise(text, prefix=QR_PREFIX)


def qr_payload(code: str) -> str:
    """Return what the claim's QR code holds; the till reads the code back from it."""
    return codes.qr_payload(QR_PREFIX, code)


# Relevance ---------------------------------------------------------------------

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


# Ranking -----------------------------------------------------------------------

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


# Products viewed ---------------------------------------------------------------

#: Views kept per shopper: the most recent ones.
MAX_VIEWS_KEPT = 50
#: Views older than this are forgotten.
VIEWS_MAX_AGE = timedelta(days=30)


def views_cutoff(now: datetime) -> datetime:
    """Return the instant before which views are forgotten (and purged)."""
    return now - VIEWS_MAX_AGE


# Impressions -------------------------------------------------------------------


def impression_day(now: datetime) -> date:
    """Return the (UTC) day an impression counts for: once per shopper and offer."""
    return now.astimezone(timezone.utc).date()


def impression_marks_kept_from(now: datetime) -> date:
    """Return the first day whose "already shown" marks must be kept at `now`.

    Marks of earlier days decide nothing any more; yesterday's are kept too, for a
    request begun before midnight or a server whose clock runs a little behind.
    """
    return impression_day(now) - timedelta(days=1)


def check_geofence_km(value: Optional[float]) -> float:
    """Return a geofence radius, or raise `InvalidInput` when not in (0, 200] km."""
    if value is None or not math.isfinite(value) or not 0 < value <= 200:
        raise InvalidInput(
            "The geofence radius must be above 0 and at most 200 km.",
            field="geofenceRadiusKm",
            code="OUT_OF_RANGE",
        )
    return float(value)
