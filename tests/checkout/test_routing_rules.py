"""Routing rules, pure: which warehouses first, and what each one ships."""

import pytest
from django_countries import countries as saleor_countries

from saleor_o2o.core.geo import Point
from saleor_o2o.routing.centroids import countries, country_centroid
from saleor_o2o.routing.rules import Located, nearest_first
from saleor_o2o.store.supply import (
    Line,
    LocationUnits,
    StockUnits,
    Take,
    reserved_plan,
    routed_plan,
)

PARIS = Point(48.857, 2.352)
VERSAILLES = Point(48.805, 2.120)
LYON = Point(45.764, 4.836)
MARSEILLE = Point(43.296, 5.370)


def location(location_id, **units):
    """A location whose stock rows are numbered location_id * 100 + variant."""
    return LocationUnits(
        location_id,
        tuple(
            StockUnits(location_id * 100 + int(v[1:]), int(v[1:]), available)
            for v, available in units.items()
        ),
    )


def shipped_from(plan):
    """Return {location: {variant: quantity}} for a plan made by `location`."""
    out = {}
    for take in plan.takes:
        out.setdefault(take.stock_id // 100, {})[take.variant_id] = take.quantity
    return out


def test_the_nearest_location_with_the_whole_order_ships_it():
    plan = routed_plan(
        [Line(1, 2), Line(2, 1)],
        [location(1, v1=5, v2=5), location(2, v1=5, v2=5)],
    )

    assert plan.is_complete
    assert shipped_from(plan) == {1: {1: 2, 2: 1}}


def test_a_further_location_with_everything_beats_a_nearer_one_with_part():
    plan = routed_plan(
        [Line(1, 2), Line(2, 1)],
        [location(1, v1=5), location(2, v1=1, v2=1), location(3, v1=2, v2=1)],
    )

    assert shipped_from(plan) == {3: {1: 2, 2: 1}}


def test_split_nearest_first_when_no_location_has_everything():
    plan = routed_plan(
        [Line(1, 3), Line(2, 1)],
        [location(1, v1=2), location(2, v2=1), location(3, v1=5, v2=5)],
    )

    # Location 3 alone would do, but no one location has it all: it is a split, and
    # then a further location that can finish it is preferred to a third parcel.
    assert shipped_from(plan) == {3: {1: 3, 2: 1}}


def test_split_takes_what_is_missing_from_the_nearest_that_can_finish_it():
    plan = routed_plan(
        [Line(1, 3), Line(2, 2)],
        [
            location(1, v1=3),  # Nearest: all of variant 1, none of 2.
            location(2, v2=1),  # Part of what is still missing.
            location(3, v2=2),  # All of what is still missing.
        ],
    )

    assert plan.is_complete
    assert shipped_from(plan) == {1: {1: 3}, 3: {2: 2}}


def test_split_across_partial_stock_fills_nearest_first():
    plan = routed_plan(
        [Line(1, 5)],
        [location(1, v1=2), location(2, v1=0), location(3, v1=2), location(4, v1=9)],
    )

    # Location 4 has all five: one parcel.
    assert shipped_from(plan) == {4: {1: 5}}
    plan = routed_plan(
        [Line(1, 5)],
        [location(1, v1=2), location(2, v1=0), location(3, v1=2), location(4, v1=1)],
    )
    assert plan.is_complete
    assert shipped_from(plan) == {1: {1: 2}, 3: {1: 2}, 4: {1: 1}}


def test_what_no_location_has_is_short():
    plan = routed_plan([Line(1, 4), Line(2, 1)], [location(1, v1=1), location(2, v1=2)])

    assert not plan.is_complete
    assert plan.short == (Line(1, 1), Line(2, 1))
    assert shipped_from(plan) == {1: {1: 1}, 2: {1: 2}}


def test_no_locations_means_all_short():
    plan = routed_plan([Line(1, 1)], [])

    assert plan.short == (Line(1, 1),) and plan.takes == ()


def test_warehouses_nearest_first_from_the_origin():
    ranked = nearest_first(
        PARIS,
        [Located("m", MARSEILLE), Located("l", LYON), Located("v", VERSAILLES)],
    )

    assert ranked == ("v", "l", "m")


def test_warehouses_at_the_same_distance_keep_primary_key_order():
    ranked = nearest_first(
        PARIS, [Located(3, LYON), Located(1, LYON), Located(2, MARSEILLE)]
    )

    assert ranked == (1, 3, 2)


def test_unplaced_warehouses_come_after_every_placed_one():
    ranked = nearest_first(
        PARIS, [Located(1, None), Located(2, MARSEILLE), Located(0, None)]
    )

    assert ranked == (2, 0, 1)


def test_without_an_origin_warehouses_keep_primary_key_order():
    assert nearest_first(None, [Located(2, LYON), Located(1, PARIS)]) == (1, 2)


def test_the_reserved_takes_are_the_plan_while_they_fit():
    stocks = [StockUnits(10, 1, 3), StockUnits(20, 1, 5), StockUnits(21, 2, 1)]
    reserved = [Take(20, 1, 2), Take(10, 1, 1), Take(21, 2, 1)]

    plan = reserved_plan([Line(1, 3), Line(2, 1)], stocks, reserved)

    assert plan is not None and plan.takes == tuple(reserved)


@pytest.mark.parametrize(
    "reserved",
    [
        [],  # Nothing reserved (it expired and was purged).
        [Take(20, 1, 3)],  # Variant 2 missing: the cart grew since.
        [Take(20, 1, 3), Take(21, 2, 2)],  # More than the line.
        [Take(10, 1, 3), Take(21, 2, 1)],  # Row 10 has only 2 left now.
        [Take(99, 1, 3), Take(21, 2, 1)],  # A row outside the source.
    ],
)
def test_reserved_takes_that_no_longer_fit_are_not_the_plan(reserved):
    stocks = [StockUnits(10, 1, 2), StockUnits(20, 1, 5), StockUnits(21, 2, 1)]

    assert reserved_plan([Line(1, 3), Line(2, 1)], stocks, reserved) is None


def test_every_country_saleor_knows_has_a_centre():
    assert set(code for code, _name in saleor_countries) <= set(countries())


def test_country_centres_are_on_the_map_and_roughly_right():
    for code in countries():
        point = country_centroid(code)
        assert -90 <= point.latitude <= 90 and -180 <= point.longitude <= 180
    assert country_centroid("fr") == Point(46.6, 2.5)
    assert country_centroid("ZZ") is None and country_centroid("") is None
