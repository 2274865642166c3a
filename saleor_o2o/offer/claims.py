"""Claiming an offer near a store and redeeming it at the counter."""

from datetime import datetime, timedelta
from typing import Optional, Tuple

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from saleor_o2o.core.errors import NotFound, O2OError
from saleor_o2o.core.geo import Point
from saleor_o2o.core.ids import global_id
from saleor_o2o.offer import ranking
from saleor_o2o.offer import rules as offer_rules
from saleor_o2o.offer.models import Offer, OfferClaim, OfferRedeemFailure
from saleor_o2o.offer.shoppers import Shopper, require_known, shopper_has_orders
from saleor_o2o.store.models import Store
from saleor_o2o.store.selectors import stores_near
from saleor_o2o.webhook.events import O2OEventType, events_record

#: Wrong codes a staff user may enter at one store in `ATTEMPT_WINDOW` seconds.
MAX_WRONG_CODES = 5


ATTEMPT_WINDOW_SECONDS = 15 * 60


class TooManyAttempts(O2OError):
    """A staff user entered too many unknown codes at a store: they must wait."""

    code = "TOO_MANY_ATTEMPTS"


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
        offer_rules.check_valid(offer.validity, now=now)
        if not ranking.in_segment(
            offer.customer_segment,
            ranking.Signals(has_orders=shopper_has_orders(shopper)),
        ):
            raise O2OError(
                "This offer is for other customers.",
                field="offerId",
                code="NOT_ELIGIBLE",
            )
        offer_rules.check_claimant(
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
        offer_rules.check_claim_place(
            located=point is not None,
            in_fence=nearest is not None,
            logged_in=shopper.logged_in,
            allow_remote=allow_remote,
            radius_km=offer.geofence_radius_km,
        )
        if store is None and nearest is not None:
            store = nearest[0]
        offer_rules.check_claim_limits(
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
                    code=offer_rules.new_code(),
                    claimed_store=store,
                    created_at=now,
                )
        except IntegrityError:  # pragma: no cover - a 1 in 32^8 collision
            continue
    raise O2OError("Could not make a unique code; try again.")  # pragma: no cover


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
    normalised = offer_rules.normalise_code(code)
    with transaction.atomic():
        claim = (
            OfferClaim.objects.select_for_update(of=("self",))
            .select_related("offer")
            .filter(code=normalised)
            .first()
        )
        if claim is not None:
            offer = claim.offer
            offer_rules.check_redeemable(
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
