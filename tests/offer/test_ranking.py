"""Ranking offers near a shopper: segments, relevance, distance, impressions."""

from datetime import date, datetime, timedelta

import pytest
import pytz

from saleor_o2o.core.errors import InvalidInput
from saleor_o2o.offer import ranking
from saleor_o2o.offer import rules as offer_rules
from saleor_o2o.offer.ranking import Candidate, Signals, Targeting, View
from saleor_o2o.offer.rules import CustomerSegment

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=pytz.utc)
SHOES = Targeting(product_ids=frozenset({10}), category_ids=frozenset({1}))


def test_impressions_count_per_utc_day_and_marks_live_two_days():
    paris = pytz.timezone("Europe/Paris")
    late = paris.localize(datetime(2026, 11, 21, 0, 30))  # 23:30 UTC the day before
    assert ranking.impression_day(late) == date(2026, 11, 20)
    assert ranking.impression_day(NOW) == date(2026, 11, 20)
    assert ranking.impression_marks_kept_from(NOW) == date(2026, 11, 19)


def test_segments():
    returning = Signals(has_orders=True)
    assert ranking.in_segment(CustomerSegment.ALL, Signals())
    assert ranking.in_segment(CustomerSegment.NEW, Signals())
    assert not ranking.in_segment(CustomerSegment.NEW, returning)
    assert ranking.in_segment(CustomerSegment.RETURNING, returning)
    assert not ranking.in_segment(CustomerSegment.RETURNING, Signals())


def test_untargeted_offers_have_a_neutral_relevance():
    assert (
        ranking.relevance(Targeting(), Signals(), now=NOW)
        == ranking.UNTARGETED_RELEVANCE
    )


def test_a_targeted_offer_without_matching_signals_is_irrelevant():
    signals = Signals(cart_product_ids=frozenset({99}))
    assert ranking.relevance(SHOES, signals, now=NOW) == 0.0


def test_relevance_orders_the_signals_by_strength():
    def score(**signals):
        return ranking.relevance(SHOES, Signals(**signals), now=NOW)

    cart = score(cart_product_ids=frozenset({10}))
    viewed = score(views=(View(10, 1, NOW),))
    ordered = score(ordered_product_ids=frozenset({10}))
    category = score(ordered_category_ids=frozenset({1}))
    assert cart > viewed > ordered > category > 0
    both = score(cart_product_ids=frozenset({10}), ordered_product_ids=frozenset({10}))
    assert cart < both < 1.0


def test_views_fade_with_age():
    fresh = ranking.relevance(SHOES, Signals(views=(View(10, 1, NOW),)), now=NOW)
    old = ranking.relevance(
        SHOES,
        Signals(
            views=(View(10, 1, NOW - timedelta(days=ranking.VIEW_HALF_LIFE_DAYS)),)
        ),
        now=NOW,
    )
    assert old == pytest.approx(fresh / 2)
    assert ranking.view_decay(NOW + timedelta(days=1), NOW) == 1.0


def test_a_viewed_product_of_the_targeted_category_counts():
    signals = Signals(views=(View(product_id=77, category_id=1, viewed_at=NOW),))
    assert ranking.relevance(SHOES, signals, now=NOW) == pytest.approx(
        ranking.WEIGHT_VIEW_CATEGORY
    )


def test_ranking_blends_distance_and_relevance():
    shopper = Signals(cart_product_ids=frozenset({10}))
    near_generic = Candidate(offer_id=1, store_id=1, distance_km=1.0)
    a_bit_further_relevant = Candidate(
        offer_id=2, store_id=2, distance_km=3.0, targeting=SHOES
    )
    far_generic = Candidate(offer_id=3, store_id=3, distance_km=9.0)
    ranked = ranking.rank(
        [far_generic, near_generic, a_bit_further_relevant],
        shopper,
        radius_km=10,
        now=NOW,
    )
    assert [r.offer_id for r in ranked] == [2, 1, 3]
    assert ranked[0].relevance == pytest.approx(ranking.WEIGHT_CART_PRODUCT)
    # Without the signal, the nearer generic offer wins.
    ranked = ranking.rank(
        [a_bit_further_relevant, near_generic], Signals(), radius_km=10, now=NOW
    )
    assert [r.offer_id for r in ranked] == [1, 2]


def test_ranking_drops_offers_for_other_segments_and_breaks_ties_stably():
    returning_only = Targeting(segment=CustomerSegment.RETURNING)
    ranked = ranking.rank(
        [
            Candidate(offer_id=5, store_id=1, distance_km=2.0),
            Candidate(offer_id=4, store_id=1, distance_km=2.0),
            Candidate(
                offer_id=6, store_id=1, distance_km=1.0, targeting=returning_only
            ),
        ],
        Signals(),
        radius_km=10,
        now=NOW,
    )
    assert [r.offer_id for r in ranked] == [4, 5]


def test_proximity_and_geofence_bounds():
    assert ranking.proximity(0, 10) == 1.0
    assert ranking.proximity(10, 10) == 0.0
    assert ranking.proximity(12, 10) == 0.0
    assert offer_rules.check_geofence_km(2) == 2.0
    for bad in (0, -1, 201, float("nan"), None):
        with pytest.raises(InvalidInput):
            offer_rules.check_geofence_km(bad)
