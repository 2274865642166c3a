import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from saleor.account.models import User
from saleor.order.models import Order

from saleor_o2o.core.errors import O2OError
from saleor_o2o.core.geo import Point
from saleor_o2o.core.ids import global_id
from saleor_o2o.offer import claims as offer_claims
from saleor_o2o.offer import ranking
from saleor_o2o.offer import rules as offer_rules
from saleor_o2o.offer import selectors as offer_selectors
from saleor_o2o.offer import services as offer_services
from saleor_o2o.offer import shoppers
from saleor_o2o.offer.models import Offer, OfferClaim, OfferImpression, ProductView
from saleor_o2o.pickup.models import Pickup
from saleor_o2o.webhook.models import O2OEvent

from helpers.api import code_of

LOUVRE = Point(48.8606, 2.3376)
#: About 3.3 km east of the Louvre store.
BASTILLE = Point(48.8532, 2.3691)
LYON = Point(45.7640, 4.8357)


def anonymous():
    return shoppers.Shopper(token=uuid.uuid4())


def customer(email="customer@example.com"):
    """Return a logged-in shopper (limited offers are claimed by them only)."""
    return shoppers.Shopper(user=User.objects.create_user(email, "password"))


def claim_at(point, offer, shopper, **kwargs):
    """Claim `offer` as `shopper` standing at `point`."""
    return offer_claims.offer_claim(
        offer_id=offer.pk, shopper=shopper, point=point, **kwargs
    )


def test_offers_near_finds_offers_of_nearby_stores_within_their_geofence(
    store_factory, offer_factory
):
    louvre = store_factory("Louvre", 48.8606, 2.3376)
    bastille = store_factory("Bastille", 48.8532, 2.3691)
    lyon = store_factory("Lyon", 45.7640, 4.8357)
    both = offer_factory(louvre, bastille, title="Both")
    tight = offer_factory(louvre, geofence_radius_km=1, title="Tight")
    far = offer_factory(lyon, title="Lyon only")
    everywhere = offer_factory(title="Everywhere")
    found = offer_selectors.offers_near(point=BASTILLE, radius_km=25)
    by_offer = {offer_id: (store_id, km) for offer_id, store_id, km in found}
    assert set(by_offer) == {both.pk, everywhere.pk}
    assert by_offer[both.pk][0] == bastille.pk
    assert by_offer[everywhere.pk][0] == bastille.pk
    assert by_offer[both.pk][1] == pytest.approx(0, abs=0.01)
    assert tight.pk not in by_offer and far.pk not in by_offer
    # The shopper's radius bounds the geofence too.
    near_louvre = offer_selectors.offers_near(point=LOUVRE, radius_km=0.5)
    assert {o for o, _, _ in near_louvre} == {both.pk, tight.pk, everywhere.pk}


def test_offers_near_skips_inactive_expired_future_offers_and_inactive_stores(
    store_factory, offer_factory
):
    louvre = store_factory("Louvre", 48.8606, 2.3376)
    closed = store_factory("Closed", 48.8607, 2.3377, is_active=False)
    now = timezone.now()
    offer_factory(louvre, is_active=False)
    offer_factory(louvre, starts_at=now - timedelta(days=3), ends_at=now)
    offer_factory(louvre, starts_at=now + timedelta(hours=1))
    offer_factory(closed)
    live = offer_factory(louvre)
    assert [
        o for o, _, _ in offer_selectors.offers_near(point=LOUVRE, radius_km=5)
    ] == [live.pk]


def test_ranking_prefers_offers_on_products_the_shopper_viewed(
    store_factory, offer_factory, variant
):
    louvre = store_factory("Louvre", 48.8606, 2.3376)
    bastille = store_factory("Bastille", 48.8532, 2.3691)
    generic = offer_factory(louvre, title="Generic")
    shoes = offer_factory(
        bastille, title="Shoes", target_product_ids=[variant.product_id]
    )
    shopper = anonymous()
    ranked = offer_selectors.offers_ranked(point=LOUVRE, radius_km=10, shopper=shopper)
    assert [r.offer_id for r in ranked] == [generic.pk, shoes.pk]
    shoppers.product_view_record(shopper=shopper, product_id=variant.product_id)
    ranked = offer_selectors.offers_ranked(point=LOUVRE, radius_km=10, shopper=shopper)
    assert [r.offer_id for r in ranked] == [shoes.pk, generic.pk]
    assert ranked[0].relevance > 0.6
    # One shopper, one day: each offer counts as shown once.
    shown = dict(OfferImpression.objects.values_list("offer_id", "shown"))
    assert shown == {generic.pk: 1, shoes.pk: 1}


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


def race(workers, action):
    """Run `action(index)` in threads released together; return codes or "won"."""
    barrier = threading.Barrier(workers)
    results = []

    def worker(index):
        try:
            barrier.wait()
            action(index)
            results.append("won")
        except O2OError as error:
            results.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(results)


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


def test_product_views_are_bounded_and_erasable(variant, customer_user):
    shopper = shoppers.Shopper(user=customer_user)
    now = timezone.now()
    shoppers.product_view_record(
        shopper=shopper, product_id=variant.product_id, now=now - timedelta(days=40)
    )
    shoppers.product_view_record(
        shopper=shopper, product_id=variant.product_id, now=now
    )
    assert ProductView.objects.count() == 1
    assert (
        code_of(lambda: shoppers.product_view_record(shopper=shopper, product_id=0))
        == "NOT_FOUND"
    )
    assert shoppers.product_views_erase(shopper=shopper) == 1
    assert not ProductView.objects.exists()


def test_views_keep_only_the_newest(variant, monkeypatch):
    from saleor.product.models import Product

    monkeypatch.setattr(ranking, "MAX_VIEWS_KEPT", 3)
    product = variant.product
    shopper = anonymous()
    pks = []
    for index in range(5):
        copy = Product.objects.create(
            name=f"P{index}",
            slug=f"p{index}",
            product_type=product.product_type,
            price_amount=1,
            currency="USD",
        )
        pks.append(copy.pk)
        shoppers.product_view_record(shopper=shopper, product_id=copy.pk)
    kept = set(ProductView.objects.values_list("product_id", flat=True))
    assert kept == set(pks[-3:])


def test_stats_per_store_with_foot_traffic(
    offer_factory, store_factory, customer_user, staff_user
):
    louvre = store_factory("Louvre", 48.8606, 2.3376)
    bastille = store_factory("Bastille", 48.8532, 2.3691)
    offer = offer_factory(louvre, bastille, per_shopper_limit=None)
    shopper = shoppers.Shopper(user=customer_user)
    offer_selectors.offers_ranked(point=LOUVRE, radius_km=10, shopper=shopper)
    first = claim_at(LOUVRE, offer, shopper, store=louvre)
    claim_at(LOUVRE, offer, shopper, store=louvre)
    claim_at(BASTILLE, offer, anonymous(), store=bastille)
    offer_claims.offer_redeem(code=first.code, store=louvre, staff=staff_user)
    after = Order.objects.create(user=customer_user, currency="USD")
    Pickup.objects.create(order=after, store=louvre, code="ABC123")
    Order.objects.create(user=customer_user, currency="USD")
    late = Order.objects.create(user=customer_user, currency="USD")
    Order.objects.filter(pk=late.pk).update(created=timezone.now() + timedelta(days=9))
    total, per_store = offer_selectors.offer_stats(offer=offer, days=7)
    assert (total.shown, total.claimed, total.redeemed) == (1, 3, 1)
    assert (total.orders_after, total.pickups_after) == (2, 1)
    rows = {row.store_id: row for row in per_store}
    assert rows[louvre.pk].redemption_rate == 0.5
    assert rows[bastille.pk].redemption_rate == 0.0
    assert rows[louvre.pk].shown == 1
    assert (
        code_of(lambda: offer_selectors.offer_stats(offer=offer, days=0))
        == "OUT_OF_RANGE"
    )


def test_offer_create_validates(store):
    def create(**fields):
        data = {
            "title": "Offer",
            "reward_type": "fixed",
            "reward_value": 5,
            "store_ids": [store.pk],
        }
        data.update(fields)
        return lambda: offer_services.offer_create(data=data)

    assert code_of(create(title=" ")) == "REQUIRED"
    assert code_of(create(store_ids=[])) == "REQUIRED"
    assert code_of(create(store_ids=[0])) == "NOT_FOUND"
    assert code_of(create(reward_value=0)) == "OUT_OF_RANGE"
    assert code_of(create(image_url="ftp://x")) == "INVALID"
    assert code_of(create(geofence_radius_km=500)) == "OUT_OF_RANGE"
    assert code_of(create(total_limit=0)) == "OUT_OF_RANGE"
    now = timezone.now()
    assert code_of(create(starts_at=now, ends_at=now)) == "INVALID"
    assert not Offer.objects.exists()
    offer = create()()
    assert list(offer.stores.all()) == [store]


def test_offer_changes_reach_the_search_index(store_factory, offer_factory):
    louvre = store_factory("Louvre", 48.8606, 2.3376)
    bastille = store_factory("Bastille", 48.8532, 2.3691)
    offer = offer_factory(louvre, geofence_radius_km=1)

    def found():
        return [
            (o, s)
            for o, s, _ in offer_selectors.offers_near(point=BASTILLE, radius_km=25)
        ]

    assert found() == []
    offer_services.offer_update(offer=offer, data={"geofence_radius_km": 5})
    assert found() == [(offer.pk, louvre.pk)]
    offer_services.offer_update(offer=offer, data={"store_ids": [bastille.pk]})
    assert found() == [(offer.pk, bastille.pk)]
    offer_services.offer_update(offer=offer, data={"is_active": False})
    assert found() == []
    offer_services.offer_update(
        offer=offer, data={"is_active": True, "ends_at": timezone.now()}
    )
    assert found() == []


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
            "offerId",
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


# Impressions -------------------------------------------------------------------


def shown_counts():
    return dict(OfferImpression.objects.values_list("offer_id", "shown"))


def test_impressions_count_once_per_shopper_offer_and_day(
    store, offer_factory, customer_user
):
    offer = offer_factory(store)
    now = timezone.now()

    def search(shopper, at=now):
        offer_selectors.offers_ranked(
            point=LOUVRE, radius_km=10, shopper=shopper, now=at
        )

    first = anonymous()
    for _ in range(5):
        search(first)
    assert shown_counts() == {offer.pk: 1}
    search(anonymous())
    search(shoppers.Shopper(user=customer_user))
    search(shoppers.Shopper(user=customer_user))
    assert shown_counts() == {offer.pk: 3}
    # Nobody to tell apart: not counted.
    search(shoppers.Shopper())
    assert shown_counts() == {offer.pk: 3}
    # The next day counts again.
    search(first, at=now + timedelta(days=1))
    search(first, at=now + timedelta(days=1, hours=1))
    assert shown_counts() == {offer.pk: 4}
    total, _ = offer_selectors.offer_stats(offer=offer)
    assert total.shown == 4


@pytest.mark.django_db(transaction=True)
def test_concurrent_searches_of_one_shopper_count_once(store_factory, offer_factory):
    store = store_factory("Race", 48.8606, 2.3376)
    offer = offer_factory(store)
    shopper = anonymous()
    results = race(
        6,
        lambda _i: offer_selectors.offers_ranked(
            point=LOUVRE, radius_km=10, shopper=shopper
        ),
    )
    assert results == ["won"] * 6
    assert shown_counts() == {offer.pk: 1}


# Retention ---------------------------------------------------------------------


def test_purge_drops_views_past_retention_and_marks_of_past_days(
    store, offer_factory, variant
):
    from saleor_o2o.offer.models import OfferImpressionMark

    now = timezone.now()
    offer = offer_factory(store, starts_at=now - timedelta(days=10))
    old, recent = anonymous(), anonymous()
    shoppers.product_view_record(
        shopper=old, product_id=variant.product_id, now=now - timedelta(days=31)
    )
    shoppers.product_view_record(
        shopper=recent, product_id=variant.product_id, now=now - timedelta(days=29)
    )
    for days in (3, 2, 1, 0):
        offer_selectors.offers_ranked(
            point=LOUVRE, radius_km=10, shopper=old, now=now - timedelta(days=days)
        )

    purged = shoppers.shopper_signals_purge(now=now)

    assert purged == shoppers.SignalsPurged(views=1, impression_marks=2)
    assert list(ProductView.objects.values_list("anonymous_token", flat=True)) == [
        recent.token
    ]
    assert OfferImpressionMark.objects.count() == 2
    # Today's mark is kept: the same shopper still counts once today.
    offer_selectors.offers_ranked(point=LOUVRE, radius_km=10, shopper=old, now=now)
    assert shown_counts() == {offer.pk: 4}


def test_the_purge_task_is_scheduled_under_its_pinned_name(settings, variant):
    from saleor.celeryconf import app

    from saleor_o2o.offer import tasks as offer_tasks

    name = "saleor_o2o.tasks.purge_shopper_signals_task"
    assert offer_tasks.purge_shopper_signals_task.name == name
    assert name in app.tasks
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert name in scheduled
    shoppers.product_view_record(
        shopper=anonymous(),
        product_id=variant.product_id,
        now=timezone.now() - ranking.VIEWS_MAX_AGE - timedelta(minutes=1),
    )
    assert offer_tasks.purge_shopper_signals_task.delay().get() == {
        "views": 1,
        "impression_marks": 0,
    }
    assert not ProductView.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_views_of_one_token_stay_within_the_bound(variant, monkeypatch):
    from saleor.product.models import Product

    monkeypatch.setattr(ranking, "MAX_VIEWS_KEPT", 3)
    product = variant.product
    pks = [
        Product.objects.create(
            name=f"P{index}",
            slug=f"race-{index}",
            product_type=product.product_type,
            price_amount=1,
            currency="USD",
        ).pk
        for index in range(8)
    ]
    shopper = anonymous()
    results = race(
        8,
        lambda i: shoppers.product_view_record(shopper=shopper, product_id=pks[i]),
    )
    assert results == ["won"] * 8
    assert ProductView.objects.filter(anonymous_token=shopper.token).count() == 3
