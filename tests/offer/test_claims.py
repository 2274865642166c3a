"""Claiming offers and redeeming them at the till: limits, places, lock-outs, races."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from saleor_o2o.core.errors import O2OError
from saleor_o2o.core.geo import Point
from saleor_o2o.core.ids import global_id
from saleor_o2o.offer import claims as offer_claims
from saleor_o2o.offer import rules as offer_rules
from saleor_o2o.offer import shoppers
from saleor_o2o.offer.models import Offer, OfferClaim
from saleor_o2o.webhook.models import O2OEvent

from helpers.api import code_of
from helpers.concurrency import race
from helpers.offers import BASTILLE, LOUVRE, LYON, anonymous, claim_at, customer


def test_claim_gives_a_unique_code_and_records_an_event(offer, customer_user, store):
    shopper = shoppers.Shopper(user=customer_user)
    claim = offer_claims.offer_claim(offer_id=offer.pk, shopper=shopper, point=LOUVRE)
    assert len(claim.code) == 8 and claim.claimed_store == store
    offer.refresh_from_db()
    assert offer.claimed_count == 1
    event = O2OEvent.objects.get()
    assert event.type == "offer_claimed"
    assert event.payload["offer"]["id"] == global_id("Offer", offer.pk)
    assert event.payload["user"]["id"] == global_id("User", customer_user.pk)


def test_claim_limits_per_shopper_and_in_total(store, offer_factory):
    offer = offer_factory(store, per_shopper_limit=2, total_limit=3)
    first, second = customer("first@example.com"), customer("second@example.com")
    claim_at(LOUVRE, offer, first)
    claim_at(LOUVRE, offer, first)
    assert code_of(lambda: claim_at(LOUVRE, offer, first)) == "LIMIT_REACHED"
    claim_at(LOUVRE, offer, second)
    assert code_of(lambda: claim_at(LOUVRE, offer, second)) == "LIMIT_REACHED"
    assert OfferClaim.objects.count() == 3
    assert O2OEvent.objects.filter(type="offer_claimed").count() == 3


def test_claims_out_of_range_inactive_or_for_others_are_refused(
    store, offer_factory, customer_user
):
    shopper = anonymous()
    offer = offer_factory(store, geofence_radius_km=2)
    assert (
        code_of(lambda: claim_at(LYON, offer, shoppers.Shopper(user=customer_user)))
        == "OUT_OF_RANGE"
    )
    inactive = offer_factory(store, is_active=False)
    assert code_of(
        lambda: offer_claims.offer_claim(offer_id=inactive.pk, shopper=shopper)
    ) == ("OFFER_INACTIVE")
    returning = offer_factory(store, customer_segment="returning")
    assert code_of(
        lambda: offer_claims.offer_claim(offer_id=returning.pk, shopper=shopper)
    ) == ("NOT_ELIGIBLE")
    assert (
        code_of(lambda: offer_claims.offer_claim(offer_id=0, shopper=shopper))
        == "NOT_FOUND"
    )
    assert code_of(
        lambda: offer_claims.offer_claim(offer_id=offer.pk, shopper=shoppers.Shopper())
    ) == ("REQUIRED")
    assert not OfferClaim.objects.exists() and not O2OEvent.objects.exists()


def test_redeem_once_at_a_valid_store(offer, store, store_factory, staff_user):
    other = store_factory("Elsewhere", 48.87, 2.35)
    claim = claim_at(LOUVRE, offer, customer())
    assert (
        code_of(
            lambda: offer_claims.offer_redeem(
                code=claim.code, store=other, staff=staff_user
            )
        )
        == "WRONG_STORE"
    )
    redeemed = offer_claims.offer_redeem(
        code=offer_rules.qr_payload(claim.code), store=store, staff=staff_user
    )
    assert redeemed.redeemed_store == store and redeemed.redeemed_by == staff_user
    assert redeemed.redeemed_at is not None
    assert (
        code_of(
            lambda: offer_claims.offer_redeem(
                code=claim.code, store=store, staff=staff_user
            )
        )
        == "ALREADY_REDEEMED"
    )
    event = O2OEvent.objects.get(type="offer_redeemed")
    assert event.payload["store"]["id"] == global_id("Store", store.pk)
    assert event.payload["redeemed_by"]["id"] == global_id("User", staff_user.pk)


def test_an_expired_offer_cannot_be_redeemed(offer, store, staff_user):
    claim = claim_at(LOUVRE, offer, customer())
    Offer.objects.filter(pk=offer.pk).update(ends_at=timezone.now())
    assert (
        code_of(
            lambda: offer_claims.offer_redeem(
                code=claim.code, store=store, staff=staff_user
            )
        )
        == "OFFER_EXPIRED"
    )
    claim.refresh_from_db()
    assert claim.redeemed_at is None


def test_guessing_codes_locks_the_staff_user_out_at_that_store(
    offer, store, store_factory, staff_user
):
    claim = claim_at(LOUVRE, offer, customer())
    for _ in range(offer_claims.MAX_WRONG_CODES):
        assert (
            code_of(
                lambda: offer_claims.offer_redeem(
                    code="WRONG123", store=store, staff=staff_user
                )
            )
            == "NOT_FOUND"
        )
    assert (
        code_of(
            lambda: offer_claims.offer_redeem(
                code=claim.code, store=store, staff=staff_user
            )
        )
        == "TOO_MANY_ATTEMPTS"
    )
    # Another store's till is not locked.
    other = store_factory("Other", 48.87, 2.35)
    assert (
        code_of(
            lambda: offer_claims.offer_redeem(
                code="WRONG123", store=other, staff=staff_user
            )
        )
        == "NOT_FOUND"
    )


@pytest.mark.django_db(transaction=True)
def test_two_tills_redeeming_the_same_code_at_once_redeem_it_once(
    store_factory, offer_factory, staff_user
):
    store = store_factory("Race", 48.85, 2.35)
    offer = offer_factory(store)
    claim = claim_at(LOUVRE, offer, customer())
    results = race(
        6,
        lambda _i: offer_claims.offer_redeem(
            code=claim.code, store=store, staff=staff_user
        ),
    )
    assert results == ["ALREADY_REDEEMED"] * 5 + ["won"]
    assert O2OEvent.objects.filter(type="offer_redeemed").count() == 1
    assert OfferClaim.objects.get().redeemed_store == store


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_never_pass_the_total_limit(store_factory, offer_factory):
    store = store_factory("Race", 48.85, 2.35)
    offer = offer_factory(store, total_limit=3)
    shoppers = [customer(f"racer{i}@example.com") for i in range(8)]
    results = race(8, lambda i: claim_at(LOUVRE, offer, shoppers[i]))
    assert results == ["LIMIT_REACHED"] * 5 + ["won"] * 3
    assert OfferClaim.objects.count() == 3
    assert Offer.objects.get().claimed_count == 3


def test_the_guessing_lock_out_ends_with_its_window(offer, store, staff_user):
    claim = claim_at(LOUVRE, offer, customer())
    start = timezone.now()
    for _ in range(offer_claims.MAX_WRONG_CODES):
        with pytest.raises(O2OError):
            offer_claims.offer_redeem(
                code="WRONG123", store=store, staff=staff_user, now=start
            )

    with pytest.raises(offer_claims.TooManyAttempts):
        offer_claims.offer_redeem(
            code=claim.code, store=store, staff=staff_user, now=start
        )
    later = start + timedelta(seconds=offer_claims.ATTEMPT_WINDOW_SECONDS + 1)
    redeemed = offer_claims.offer_redeem(
        code=claim.code, store=store, staff=staff_user, now=later
    )
    assert redeemed.redeemed_at == later


def test_apps_are_counted_apart_from_staff(offer, store, staff_user, app):
    for _ in range(offer_claims.MAX_WRONG_CODES):
        with pytest.raises(O2OError):
            offer_claims.offer_redeem(code="WRONG123", store=store, app=app)

    with pytest.raises(offer_claims.TooManyAttempts):
        offer_claims.offer_redeem(code="WRONG123", store=store, app=app)
    with pytest.raises(O2OError) as refused:
        offer_claims.offer_redeem(code="WRONG123", store=store, staff=staff_user)
    assert refused.value.code == "NOT_FOUND"


def test_an_offer_for_every_store_is_redeemed_at_any_store(
    offer_factory, store_factory, staff_user
):
    other = store_factory("Any store", 45.76, 4.84)
    anywhere = offer_factory()  # No stores: valid in all of them.
    claim = claim_at(LYON, anywhere, customer())

    redeemed = offer_claims.offer_redeem(code=claim.code, store=other, staff=staff_user)

    assert redeemed.redeemed_store == other


# Where claims come from --------------------------------------------------------

AUCKLAND = Point(-36.8485, 174.7633)


@pytest.fixture
def auckland_offer(store_factory, offer_factory):
    """A 1 km offer of a store in Auckland, with no limit (anonymous claims)."""
    auckland = store_factory(
        "Auckland",
        AUCKLAND.latitude,
        AUCKLAND.longitude,
        city="Auckland",
        country="NZ",
        postal_code="1010",
        timezone="Pacific/Auckland",
    )
    return offer_factory(auckland, geofence_radius_km=1, per_shopper_limit=None)


def test_a_claim_needs_to_say_where_the_shopper_is(auckland_offer, customer_user):
    for shopper in (anonymous(), shoppers.Shopper(user=customer_user)):
        with pytest.raises(O2OError) as refused:
            offer_claims.offer_claim(offer_id=auckland_offer.pk, shopper=shopper)
        assert (refused.value.field, refused.value.code) == ("near", "REQUIRED")
        assert code_of(lambda: claim_at(LOUVRE, auckland_offer, shopper)) == (
            "OUT_OF_RANGE"
        )
    assert claim_at(AUCKLAND, auckland_offer, anonymous()).claimed_store.name == (
        "Auckland"
    )
    assert OfferClaim.objects.count() == 1


def test_remote_claims_are_for_logged_in_shoppers_where_the_merchant_allows_them(
    auckland_offer, customer_user
):
    def claim(shopper, point=None, allow_remote=True):
        return offer_claims.offer_claim(
            offer_id=auckland_offer.pk,
            shopper=shopper,
            point=point,
            allow_remote=allow_remote,
        )

    user = shoppers.Shopper(user=customer_user)
    assert code_of(lambda: claim(user, allow_remote=False)) == "REQUIRED"
    assert code_of(lambda: claim(user, LOUVRE, allow_remote=False)) == "OUT_OF_RANGE"
    assert code_of(lambda: claim(anonymous())) == "REQUIRED"
    assert code_of(lambda: claim(anonymous(), LOUVRE)) == "OUT_OF_RANGE"
    from_home = claim(user)
    from_paris = claim(user, LOUVRE)
    assert from_home.user == customer_user and from_home.claimed_store is None
    assert from_paris.claimed_store is None
    assert OfferClaim.objects.count() == 2


# Limits bind to accounts -------------------------------------------------------


@pytest.mark.parametrize(
    "limits",
    [
        {"per_shopper_limit": 1},
        {"per_shopper_limit": None, "total_limit": 20},
        {"per_shopper_limit": 5, "total_limit": 20},
    ],
)
def test_anonymous_shoppers_cannot_claim_limited_offers(store, offer_factory, limits):
    offer = offer_factory(store, **limits)
    one_client = [shoppers.Shopper(token=uuid.uuid4()) for _ in range(3)]
    for shopper in one_client:
        with pytest.raises(O2OError) as refused:
            claim_at(LOUVRE, offer, shopper)
        assert (refused.value.field, refused.value.code) == (
            "offer_id",
            "LOGIN_REQUIRED",
        )
    offer.refresh_from_db()
    assert offer.claimed_count == 0
    assert not OfferClaim.objects.exists() and not O2OEvent.objects.exists()


def test_a_logged_in_shoppers_limit_binds_to_their_account(
    store, offer_factory, customer_user
):
    offer = offer_factory(store, per_shopper_limit=1, total_limit=20)
    claim = claim_at(LOUVRE, offer, shoppers.Shopper(user=customer_user))
    assert (claim.user, claim.anonymous_token) == (customer_user, None)
    # Whatever else the client sends, the account has had its claim.
    again = shoppers.shopper_for(customer_user, str(uuid.uuid4()))
    assert code_of(lambda: claim_at(BASTILLE, offer, again)) == "LIMIT_REACHED"
    assert claim_at(LOUVRE, offer, customer("other@example.com"))
    assert Offer.objects.get(pk=offer.pk).claimed_count == 2


def test_offers_without_limits_are_claimed_anonymously(store, offer_factory):
    offer = offer_factory(store, per_shopper_limit=None, total_limit=None)
    shopper = anonymous()
    codes = {claim_at(LOUVRE, offer, shopper).code for _ in range(3)}
    assert len(codes) == 3
    assert set(OfferClaim.objects.values_list("anonymous_token", flat=True)) == {
        shopper.token
    }
