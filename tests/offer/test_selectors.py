"""Offers near a shopper, ranked and counted as shown, and their stats."""

from datetime import timedelta

import pytest
from django.utils import timezone
from saleor.order.models import Order

from saleor_o2o.offer import claims as offer_claims
from saleor_o2o.offer import selectors as offer_selectors
from saleor_o2o.offer import shoppers
from saleor_o2o.offer.models import OfferImpression
from saleor_o2o.pickup.models import Pickup

from helpers.api import code_of
from helpers.concurrency import race
from helpers.offers import BASTILLE, LOUVRE, anonymous, claim_at, shown_counts


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
