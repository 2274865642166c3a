"""Delivery area rules: postal codes, radius, coverage, and what an area may be."""

import pytest

from saleor_o2o.core.errors import InvalidInput
from saleor_o2o.core.geo import Point, great_circle_km
from saleor_o2o.local_delivery import areas


@pytest.mark.parametrize(
    "code, normal",
    [("75001", "75001"), ("sw1a 1aa", "SW1A1AA"), ("1234-567", "1234567"), ("", "")],
)
def test_postal_codes_are_normalised(code, normal):
    assert areas.normalise_postal_code(code) == normal


def test_postal_prefixes_run_from_shortest_to_the_whole_code():
    assert areas.postal_prefixes("sw1a 1aa") == [
        "S",
        "SW",
        "SW1",
        "SW1A",
        "SW1A1",
        "SW1A1A",
        "SW1A1AA",
    ]
    assert areas.postal_prefixes("  ") == []


def test_an_area_is_a_radius_postal_codes_or_both():
    assert areas.validate_area(radius_km=5, postal_codes={}) == {}
    assert areas.validate_area(
        radius_km=None, postal_codes={"fr": ["75 001", "92", "92"], "BE": ["1000"]}
    ) == {"FR": ("75001", "92"), "BE": ("1000",)}
    with pytest.raises(InvalidInput) as error:
        areas.validate_area(radius_km=None, postal_codes={"FR": []})
    assert (error.value.field, error.value.code) == ("radius_km", "REQUIRED")


@pytest.mark.parametrize("radius", [0, -1, 200.01, float("nan"), float("inf")])
def test_a_radius_is_positive_and_local(radius):
    with pytest.raises(InvalidInput) as error:
        areas.validate_area(radius_km=radius, postal_codes={})
    assert (error.value.field, error.value.code) == ("radius_km", "OUT_OF_RANGE")


def test_the_widest_radius_is_allowed():
    areas.validate_area(radius_km=areas.MAX_RADIUS_KM, postal_codes={})


@pytest.mark.parametrize(
    "postal_codes, code",
    [
        ({"XX": ["1"]}, "INVALID"),
        ({"FRA": ["1"]}, "INVALID"),
        ({"FR": [""]}, "INVALID"),
        ({"FR": ["75#01"]}, "INVALID"),
        ({"FR": ["1" * (areas.MAX_PREFIX_LENGTH + 1)]}, "INVALID"),
        ({"FR": [str(n) for n in range(areas.MAX_POSTAL_CODES + 1)]}, "OUT_OF_RANGE"),
    ],
)
def test_bad_postal_codes_are_refused(postal_codes, code):
    with pytest.raises(InvalidInput) as error:
        areas.validate_area(radius_km=5, postal_codes=postal_codes)
    assert (error.value.field, error.value.code) == ("postal_codes", code)


@pytest.mark.parametrize(
    "settings, field",
    [
        ({"lead_time_minutes": -1}, "lead_time_minutes"),
        ({"lead_time_minutes": areas.MAX_LEAD_TIME_MINUTES + 1}, "lead_time_minutes"),
        ({"window_minutes": 4}, "window_minutes"),
        ({"window_minutes": 8 * 60 + 1}, "window_minutes"),
        ({"window_capacity": 0}, "window_capacity"),
        ({"window_capacity": areas.MAX_WINDOW_CAPACITY + 1}, "window_capacity"),
    ],
)
def test_window_settings_are_checked(settings, field):
    with pytest.raises(InvalidInput) as error:
        areas.validate_area(radius_km=5, postal_codes={}, **settings)
    assert (error.value.field, error.value.code) == (field, "OUT_OF_RANGE")


def test_an_address_on_the_radius_is_covered_and_one_beyond_is_not():
    assert areas.covers(radius_km=10.0, distance_km=10.0, postal_match=False)
    assert not areas.covers(radius_km=10.0, distance_km=10.0001, postal_match=False)


def test_a_postal_match_covers_without_a_radius_or_a_distance():
    assert areas.covers(radius_km=None, distance_km=None, postal_match=True)
    assert areas.covers(radius_km=1.0, distance_km=50.0, postal_match=True)
    assert not areas.covers(radius_km=None, distance_km=1.0, postal_match=False)


def test_an_unplaced_address_is_covered_only_by_postal_code():
    assert not areas.covers(radius_km=10.0, distance_km=None, postal_match=False)


def test_a_store_across_the_antimeridian_is_near():
    """Taveuni (Fiji) at 179.9 E and an address at 179.9 W: about 20 km apart on the
    great circle, not 40,000 km around the other way."""
    store = Point(latitude=-16.8, longitude=179.9)
    address = Point(latitude=-16.8, longitude=-179.9)
    distance = great_circle_km(store, address)
    assert 20 < distance < 22
    assert areas.covers(radius_km=25.0, distance_km=distance, postal_match=False)
    assert not areas.covers(radius_km=15.0, distance_km=distance, postal_match=False)
