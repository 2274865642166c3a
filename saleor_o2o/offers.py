"""In-store offers: staff writes, the shopper's search, claims, redemption, measurement.

The domain rules live in `domain.offers`; this module loads rows and signals, applies
the rules inside transactions and records events in the same transactions.

Limits hold under concurrency because a claim locks its offer's row (claims of one
offer queue up; `claimed_count` is checked and raised under that lock), and a
redemption locks its claim's row (two tills scanning the same code at once: the
second waits, then sees the code redeemed). Limits bind to accounts: offers with a
limit are claimed by logged-in shoppers only (`rules.check_claimant`).

What shoppers leave behind is bounded: impressions count once per shopper, offer
and day (a mark row per showing, purged once its day is past), and product views
are kept to the newest `MAX_VIEWS_KEPT` per shopper, for `VIEWS_MAX_AGE`.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional, Sequence, Tuple

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F
from django.utils import timezone
from saleor.checkout.models import CheckoutLine
from saleor.order.models import Order, OrderLine
from saleor.product.models import Category, Product

from saleor_o2o.core.db import transaction_lock
from saleor_o2o.core.validation import datetime_check, model_text_check, text_check
from saleor_o2o.domain import offers as rules
from saleor_o2o.domain.geo import Point
from saleor_o2o.errors import InvalidInput, NotFound, O2OError
from saleor_o2o.events import O2OEventType, events_record, global_id
from saleor_o2o.models import (
    Offer,
    OfferClaim,
    OfferImpression,
    OfferImpressionMark,
    OfferRedeemFailure,
    OfferStore,
    ProductView,
    Store,
)
from saleor_o2o.selectors import km_sql, search_area, stores_near

#: Nearby (offer, store) pairs compared for relevance: the nearest ones.
MAX_CANDIDATES = 200
#: Wrong codes a staff user may enter at one store in `ATTEMPT_WINDOW` seconds.
MAX_WRONG_CODES = 5
ATTEMPT_WINDOW_SECONDS = 15 * 60
#: Orders placed in the days after a redemption count as its foot traffic.
DEFAULT_TRAFFIC_DAYS = 7


class TooManyAttempts(O2OError):
    """A staff user entered too many unknown codes at a store: they must wait."""

    code = "TOO_MANY_ATTEMPTS"


@dataclass(frozen=True)
class Shopper:
    """Who is asking: a logged-in customer, or an anonymous storefront token."""

    user: Any = None
    token: Optional[uuid.UUID] = None

    @property
    def known(self) -> bool:
        return self.user is not None or self.token is not None

    @property
    def logged_in(self) -> bool:
        return self.user is not None

    @property
    def key(self) -> str:
        """Return a short text naming the shopper (for marks and locks)."""
        if self.user is not None:
            return f"user:{self.user.pk}"
        if self.token is not None:
            return f"token:{self.token}"
        raise ValueError("An unknown shopper has no key.")

    def lookup(self) -> Dict[str, Any]:
        """Return the filter selecting this shopper's rows (claims, views)."""
        if self.user is not None:
            return {"user": self.user}
        return {"anonymous_token": self.token, "user__isnull": True}


def shopper_for(user, token: Optional[str]) -> Shopper:
    """Return the shopper: the user when logged in, else the token given (a UUID)."""
    if user is not None and getattr(user, "is_authenticated", False):
        return Shopper(user=user)
    if not token:
        return Shopper()
    try:
        return Shopper(token=uuid.UUID(str(token)))
    except ValueError:
        raise InvalidInput("The token must be a UUID.", field="token")


def require_known(shopper: Shopper) -> Shopper:
    if not shopper.known:
        raise InvalidInput(
            "Log in, or pass the storefront's anonymous `token`.",
            field="token",
            code="REQUIRED",
        )
    return shopper


# Staff writes ------------------------------------------------------------------

PLAIN_FIELDS = (
    "title",
    "description",
    "terms",
    "image_url",
    "all_stores",
    "geofence_radius_km",
    "starts_at",
    "ends_at",
    "reward_type",
    "reward_value",
    "reward_gift",
    "per_shopper_limit",
    "total_limit",
    "customer_segment",
    "is_active",
)


def _check_limit(value: Optional[int], field: str) -> None:
    if value is not None and value < 1:
        raise InvalidInput(
            "A limit must be at least 1 (null for no limit).",
            field=field,
            code="OUT_OF_RANGE",
        )


#: Text fields of an offer, by their input names. Descriptions and terms have no
#: column limit; they are kept to what a page shows.
TEXT_FIELDS = {
    "title": "title",
    "image_url": "imageUrl",
    "reward_gift": "rewardGift",
}
LONG_TEXT_MAX_LENGTH = 10_000


def _clean(offer: Offer, data: Dict[str, Any]) -> None:
    model_text_check(Offer, data, TEXT_FIELDS)
    for name, field in (("description", "description"), ("terms", "terms")):
        text_check(data.get(name), max_length=LONG_TEXT_MAX_LENGTH, field=field)
    for name, field in (("starts_at", "startsAt"), ("ends_at", "endsAt")):
        if data.get(name) is not None:
            data[name] = datetime_check(data[name], field=field)
    for name in PLAIN_FIELDS:
        if name in data and data[name] is not None:
            setattr(offer, name, data[name])
    for name in ("ends_at", "per_shopper_limit", "total_limit"):
        if name in data and data[name] is None:
            setattr(offer, name, None)
    offer.title = (offer.title or "").strip()
    if not offer.title:
        raise InvalidInput("An offer needs a title.", field="title", code="REQUIRED")
    if offer.image_url:
        try:
            URLValidator(schemes=["http", "https"])(offer.image_url)
        except ValidationError:
            raise InvalidInput("Not an http(s) URL.", field="imageUrl")
    rules.check_dates(starts_at=offer.starts_at, ends_at=offer.ends_at)
    offer.geofence_radius_km = rules.check_geofence_km(offer.geofence_radius_km)
    reward = rules.validate_reward(offer.reward)
    offer.reward_value, offer.reward_gift = reward.value, reward.gift
    _check_limit(offer.per_shopper_limit, "perShopperLimit")
    _check_limit(offer.total_limit, "totalLimit")
    if offer.total_limit is not None and offer.total_limit < offer.claimed_count:
        raise InvalidInput(
            f"{offer.claimed_count} claims were made already; the total limit "
            "cannot be lower.",
            field="totalLimit",
            code="OUT_OF_RANGE",
        )
    if offer.customer_segment not in dict(rules.CustomerSegment.CHOICES):
        raise InvalidInput("Unknown customer segment.", field="customerSegment")


def _existing(model, pks: Sequence[int], field: str) -> List[int]:
    pks = list(dict.fromkeys(pks))
    found = set(model.objects.filter(pk__in=pks).values_list("pk", flat=True))
    missing = [pk for pk in pks if pk not in found]
    if missing:
        raise NotFound(
            f"No {model.__name__.lower()} with ID {missing[0]}.", field=field
        )
    return pks


@transaction.atomic
def _save(offer: Offer, data: Dict[str, Any]) -> Offer:
    _clean(offer, data)
    store_ids = None
    if data.get("store_ids") is not None:
        store_ids = _existing(Store, data["store_ids"], "storeIds")
    if not offer.all_stores:
        has_stores = (
            bool(store_ids)
            if store_ids is not None
            else (offer.pk is not None and offer.stores.exists())
        )
        if not has_stores:
            raise InvalidInput(
                "Give the stores the offer is valid in, or set `allStores`.",
                field="storeIds",
                code="REQUIRED",
            )
    offer.save()
    _sync_offer_stores(offer, store_ids)
    if data.get("target_category_ids") is not None:
        offer.target_categories.set(
            _existing(Category, data["target_category_ids"], "targetCategoryIds")
        )
    if data.get("target_product_ids") is not None:
        offer.target_products.set(
            _existing(Product, data["target_product_ids"], "targetProductIds")
        )
    return offer


def _sync_offer_stores(offer: Offer, store_ids: Optional[List[int]]) -> None:
    """Link the offer to `store_ids` (None: keep the stores) with its fields copied."""
    copied = {name: getattr(offer, name) for name in OfferStore.COPIED}
    links = OfferStore.objects.filter(offer=offer)
    if store_ids is not None:
        links.exclude(store_id__in=store_ids).delete()
        linked = set(links.values_list("store_id", flat=True))
        OfferStore.objects.bulk_create(
            OfferStore(offer=offer, store_id=pk, **copied)
            for pk in store_ids
            if pk not in linked
        )
    links.update(**copied)


def offer_create(*, data: Dict[str, Any]) -> Offer:
    """Create an offer; `data` holds model field names plus store and target IDs."""
    if not data.get("reward_type"):
        raise InvalidInput("Choose a reward type.", field="rewardType", code="REQUIRED")
    return _save(Offer(), data)


def offer_update(*, offer: Offer, data: Dict[str, Any]) -> Offer:
    """Change an offer; ID lists given replace the old ones."""
    with transaction.atomic():
        locked = Offer.objects.select_for_update().get(pk=offer.pk)
        return _save(locked, data)


def offer_delete(*, offer: Offer) -> None:
    """Delete an offer with its claims and counters."""
    offer.delete()


# The shopper's search ----------------------------------------------------------


#: Offers usable near a point: the active stores within the radius (the location
#: index bounds them: a box, then the chord); the live offers of those stores whose
#: geofence reaches the shopper, read from the (store -> offer, geofence, dates,
#: active) index alone; offers valid in every store, at the nearest store; each offer
#: once, at its nearest store; nearest first.
OFFERS_NEAR_SQL = f"""
WITH near AS MATERIALIZED (
    SELECT id, location <-> %(origin)s::cube AS chord
    FROM saleor_o2o_store
    WHERE is_active AND location <@ %(box)s::cube
      AND (location <-> %(origin)s::cube) <= %(chord)s
), hits AS (
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
    area = search_area(point, radius_km)
    return {
        "origin": area.origin,
        "box": area.box,
        "chord": area.chord,
        "now": now,
        "limit": limit,
    }


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
) -> rules.Signals:
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
        has_orders = _has_orders(shopper)
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
            rules.View(product_id=p, category_id=c, viewed_at=at)
            for p, c, at in ProductView.objects.filter(
                viewed_at__gte=rules.views_cutoff(now), **shopper.lookup()
            ).values_list("product_id", "product__category_id", "viewed_at")[
                : rules.MAX_VIEWS_KEPT
            ]
        ]
    return rules.Signals(
        has_orders=has_orders,
        ordered_product_ids=frozenset(p for p, _ in ordered),
        ordered_category_ids=frozenset(c for _, c in ordered if c),
        cart_product_ids=frozenset(p for p, _ in cart),
        cart_category_ids=frozenset(c for _, c in cart if c),
        views=tuple(views),
    )


def targeting_of(offer_ids: Sequence[int]) -> Dict[int, rules.Targeting]:
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
        pk: rules.Targeting(
            product_ids=frozenset(products[pk]),
            category_ids=frozenset(categories[pk]),
            segment=segments.get(pk, rules.CustomerSegment.ALL),
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
) -> List[rules.Ranked]:
    """Return the offers the shopper can use near `point`, ranked; count them shown
    (once a day per shopper and offer)."""
    now = now or timezone.now()
    found = offers_near(point=point, radius_km=radius_km, now=now)
    targeting = targeting_of([offer_id for offer_id, _, _ in found])
    signals = shopper_signals(shopper=shopper, checkout_token=checkout_token, now=now)
    ranked = rules.rank(
        (
            rules.Candidate(
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


#: Marks the (offer, shopper, day) pairs not marked yet, and counts a showing of
#: those offers (with the store they were shown with) only: one statement, so two
#: concurrent searches of one shopper count an offer once (the second insert of a
#: mark waits for the first, then does nothing).
IMPRESSIONS_RECORD_SQL = """
WITH shown AS (
    SELECT o, s FROM unnest(%(offers)s::int[], %(stores)s::int[]) AS p(o, s)
), marked AS (
    INSERT INTO {marks} (offer_id, shopper_key, day)
    SELECT o, %(shopper)s, %(day)s FROM shown
    ON CONFLICT (offer_id, shopper_key, day) DO NOTHING
    RETURNING offer_id
)
INSERT INTO {impressions} (offer_id, store_id, shown)
SELECT shown.o, shown.s, 1 FROM shown JOIN marked ON marked.offer_id = shown.o
ON CONFLICT (offer_id, store_id) DO UPDATE SET shown = {impressions}.shown + 1
""".format(
    marks=OfferImpressionMark._meta.db_table,
    impressions=OfferImpression._meta.db_table,
)


def impressions_record(
    *,
    pairs: Sequence[Tuple[int, int]],
    shopper: Shopper,
    now: Optional[datetime] = None,
) -> None:
    """Count a showing of each (offer, store) pair, once per shopper, offer and day.

    Shoppers without an account or a token are not counted: nothing tells one
    request of theirs from another's.
    """
    if not pairs or not shopper.known:
        return
    offer_ids = list(dict.fromkeys(o for o, _ in pairs))
    stores = dict(pairs)
    with connection.cursor() as cursor:
        cursor.execute(
            IMPRESSIONS_RECORD_SQL,
            {
                "offers": offer_ids,
                "stores": [stores[o] for o in offer_ids],
                "shopper": shopper.key,
                "day": rules.impression_day(now or timezone.now()),
            },
        )


# Claims ------------------------------------------------------------------------


def _valid_in(offer: Offer, store: Store) -> bool:
    return offer.all_stores or offer.stores.filter(pk=store.pk).exists()


def _nearest_valid_store(offer: Offer, point: Point) -> Optional[Tuple[Store, float]]:
    stores = Store.objects.active()
    if not offer.all_stores:
        stores = stores.filter(offers=offer)
    nearest = (
        stores_near(queryset=stores, point=point, radius_km=offer.geofence_radius_km)
        .order_by("distance_key")
        .first()
    )
    return (nearest, nearest.distance_km) if nearest else None


def _has_orders(shopper: Shopper) -> bool:
    return shopper.user is not None and Order.objects.filter(user=shopper.user).exists()


def offer_claim(
    *,
    offer_id: int,
    shopper: Shopper,
    store: Optional[Store] = None,
    point: Optional[Point] = None,
    allow_remote: bool = False,
    now: Optional[datetime] = None,
) -> OfferClaim:
    """Give the shopper a unique code for the offer, within its limits.

    The shopper says where they are (`point`, REQUIRED) and must be inside the
    offer's geofence around a store it is valid in (OUT_OF_RANGE otherwise), unless
    `allow_remote` (the merchant's setting) and they are logged in. Offers with a
    limit are for logged-in shoppers (LOGIN_REQUIRED). `store` is the store they
    were shown.
    """
    require_known(shopper)
    now = now or timezone.now()
    with transaction.atomic():
        offer = Offer.objects.select_for_update().filter(pk=offer_id).first()
        if offer is None:
            raise NotFound("No such offer.", field="offerId")
        rules.check_valid(offer.validity, now=now)
        if not rules.in_segment(
            offer.customer_segment, rules.Signals(has_orders=_has_orders(shopper))
        ):
            raise O2OError(
                "This offer is for other customers.",
                field="offerId",
                code="NOT_ELIGIBLE",
            )
        rules.check_claimant(
            logged_in=shopper.logged_in,
            per_shopper_limit=offer.per_shopper_limit,
            total_limit=offer.total_limit,
        )
        if store is not None and not (store.is_active and _valid_in(offer, store)):
            raise O2OError(
                "This offer is not valid in that store.",
                field="storeId",
                code="WRONG_STORE",
            )
        nearest = _nearest_valid_store(offer, point) if point is not None else None
        rules.check_claim_place(
            located=point is not None,
            in_fence=nearest is not None,
            logged_in=shopper.logged_in,
            allow_remote=allow_remote,
            radius_km=offer.geofence_radius_km,
        )
        if store is None and nearest is not None:
            store = nearest[0]
        rules.check_claim_limits(
            per_shopper_limit=offer.per_shopper_limit,
            total_limit=offer.total_limit,
            claimed_total=offer.claimed_count,
            claimed_by_shopper=offer.claims.filter(**shopper.lookup()).count(),
        )
        claim = _create_claim(offer, shopper, store, now)
        Offer.objects.filter(pk=offer.pk).update(claimed_count=F("claimed_count") + 1)
        events_record(
            type=O2OEventType.OFFER_CLAIMED,
            payloads=[
                {
                    "claim": {"id": global_id("ClaimedOffer", claim.pk)},
                    "offer": {"id": global_id("Offer", offer.pk), "title": offer.title},
                    "user": (
                        {"id": global_id("User", shopper.user.pk)}
                        if shopper.user is not None
                        else None
                    ),
                    "store": ({"id": global_id("Store", store.pk)} if store else None),
                    "claimed_at": now.isoformat(),
                }
            ],
        )
    return claim


def _create_claim(offer, shopper, store, now) -> OfferClaim:
    for _attempt in range(10):
        try:
            with transaction.atomic():
                return OfferClaim.objects.create(
                    offer=offer,
                    user=shopper.user,
                    anonymous_token=None if shopper.user else shopper.token,
                    code=rules.new_code(),
                    claimed_store=store,
                    created_at=now,
                )
        except IntegrityError:  # pragma: no cover - a 1 in 32^8 collision
            continue
    raise O2OError("Could not make a unique code; try again.")  # pragma: no cover


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


# Redemption --------------------------------------------------------------------


def _failures(store: Store, staff, app, now: datetime):
    since = now - timedelta(seconds=ATTEMPT_WINDOW_SECONDS)
    return OfferRedeemFailure.objects.filter(
        store=store, user=staff, app=app, created_at__gt=since
    )


def _wrong_code(store: Store, staff, app, now: datetime) -> None:
    OfferRedeemFailure.objects.create(store=store, user=staff, app=app, created_at=now)
    # Forget failures long past their window.
    OfferRedeemFailure.objects.filter(
        store=store, created_at__lt=now - timedelta(days=1)
    ).delete()


def offer_redeem(
    *, code: str, store: Store, staff=None, app=None, now: Optional[datetime] = None
) -> OfferClaim:
    """Redeem a claim's code at a store, exactly once; record store, staff, time.

    Unknown codes count against the staff user (or app) at that store: after
    `MAX_WRONG_CODES` in `ATTEMPT_WINDOW_SECONDS` every code is refused until the
    oldest of them leaves the window, so codes cannot be guessed at a till.
    """
    now = now or timezone.now()
    if not store.is_active:
        raise NotFound("No such store.", field="storeId")
    if _failures(store, staff, app, now).count() >= MAX_WRONG_CODES:
        raise TooManyAttempts(
            "Too many unknown codes were entered at this store; wait "
            f"{ATTEMPT_WINDOW_SECONDS // 60} minutes.",
            field="code",
        )
    normalised = rules.normalise_code(code)
    with transaction.atomic():
        claim = (
            OfferClaim.objects.select_for_update(of=("self",))
            .select_related("offer")
            .filter(code=normalised)
            .first()
        )
        if claim is not None:
            offer = claim.offer
            rules.check_redeemable(
                validity=offer.validity,
                now=now,
                redeemed_at=claim.redeemed_at,
                valid_here=_valid_in(offer, store),
            )
            claim.redeemed_at = now
            claim.redeemed_store = store
            claim.redeemed_by = staff
            claim.save(update_fields=["redeemed_at", "redeemed_store", "redeemed_by"])
            events_record(
                type=O2OEventType.OFFER_REDEEMED,
                payloads=[
                    {
                        "claim": {"id": global_id("ClaimedOffer", claim.pk)},
                        "offer": {
                            "id": global_id("Offer", offer.pk),
                            "title": offer.title,
                        },
                        "store": {"id": global_id("Store", store.pk)},
                        "user": (
                            {"id": global_id("User", claim.user_id)}
                            if claim.user_id
                            else None
                        ),
                        "redeemed_by": (
                            {"id": global_id("User", staff.pk)} if staff else None
                        ),
                        "redeemed_at": now.isoformat(),
                    }
                ],
            )
            return claim
    _wrong_code(store, staff, app, now)
    raise NotFound("No claim has this code.", field="code")


# Products viewed ---------------------------------------------------------------


def product_view_record(
    *, shopper: Shopper, product_id: int, now: Optional[datetime] = None
) -> None:
    """Remember that the shopper viewed a product; keep their newest views only.

    The shopper's writes take turns (a lock on the shopper), so concurrent views
    never leave more than `MAX_VIEWS_KEPT` rows for one shopper.
    """
    require_known(shopper)
    now = now or timezone.now()
    if not Product.objects.filter(pk=product_id).exists():
        raise NotFound("No such product.", field="productId")
    mine = ProductView.objects.filter(**shopper.lookup())
    with transaction.atomic():
        transaction_lock(f"product-views:{shopper.key}")
        mine.filter(product_id=product_id).delete()
        ProductView.objects.create(
            user=shopper.user,
            anonymous_token=None if shopper.user else shopper.token,
            product_id=product_id,
            viewed_at=now,
        )
        keep = mine.filter(viewed_at__gte=rules.views_cutoff(now)).order_by(
            "-viewed_at", "-pk"
        )[: rules.MAX_VIEWS_KEPT]
        mine.exclude(pk__in=list(keep.values_list("pk", flat=True))).delete()


def product_views_erase(*, shopper: Shopper) -> int:
    """Forget every product the shopper viewed; return how many views were erased."""
    require_known(shopper)
    deleted, _ = ProductView.objects.filter(**shopper.lookup()).delete()
    return deleted


@dataclass(frozen=True)
class SignalsPurged:
    views: int
    impression_marks: int


def shopper_signals_purge(*, now: Optional[datetime] = None) -> SignalsPurged:
    """Delete views past their retention and impression marks past their day."""
    now = now or timezone.now()
    views, _ = ProductView.objects.filter(
        viewed_at__lt=rules.views_cutoff(now)
    ).delete()
    marks, _ = OfferImpressionMark.objects.filter(
        day__lt=rules.impression_marks_kept_from(now)
    ).delete()
    return SignalsPurged(views=views, impression_marks=marks)


# Measurement -------------------------------------------------------------------


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

    return rules.reward_label(offer.reward, settings.DEFAULT_CURRENCY)
