"""Distances on the sphere, and points and radii as the API takes them."""

import math

import pytest
from django.db import connection

from saleor_o2o.core import geo
from saleor_o2o.core.errors import InvalidInput
from saleor_o2o.core.geo import Point


def test_great_circle_between_known_cities():
    paris, london = Point(48.8566, 2.3522), Point(51.5074, -0.1278)
    assert geo.great_circle_km(paris, london) == pytest.approx(343.5, abs=0.5)


def test_great_circle_across_the_antimeridian_is_short():
    east, west = Point(0.0, 179.9), Point(0.0, -179.9)
    assert geo.great_circle_km(east, west) == pytest.approx(22.24, abs=0.01)


def test_antipodes_are_half_the_circumference_apart():
    assert geo.great_circle_km(Point(90, 0), Point(-90, 0)) == pytest.approx(
        geo.MAX_DISTANCE_KM
    )


@pytest.mark.parametrize("km", [0.0, 0.001, 1.0, 25.0, 200.0, 5000.0, 20000.0])
def test_chord_and_arc_convert_both_ways(km):
    assert geo.km_for_chord(geo.chord_for_km(km)) == pytest.approx(km, abs=1e-6)


def test_chords_grow_with_distance():
    chords = [geo.chord_for_km(km) for km in (0, 1, 10, 100, 1000, 10000, 20000)]
    assert chords == sorted(chords)
    assert geo.chord_for_km(1e9) == pytest.approx(2 * geo.EARTHDISTANCE_RADIUS_M)


def test_earth_cube_lies_on_earthdistances_sphere():
    x, y, z = geo.earth_cube(Point(48.8566, 2.3522))
    assert math.sqrt(x * x + y * y + z * z) == pytest.approx(geo.EARTHDISTANCE_RADIUS_M)
    assert geo.earth_cube(Point(90, 123))[2] == pytest.approx(
        geo.EARTHDISTANCE_RADIUS_M
    )


@pytest.mark.parametrize(
    "latitude, longitude, field, code",
    [
        (90.5, 0, "latitude", "OUT_OF_RANGE"),
        (0, -181, "longitude", "OUT_OF_RANGE"),
        (float("nan"), 0, "latitude", "OUT_OF_RANGE"),
        (None, 2.0, "latitude", "REQUIRED"),
        (48.0, None, "longitude", "REQUIRED"),
    ],
)
def test_validate_point_names_the_wrong_coordinate(latitude, longitude, field, code):
    with pytest.raises(InvalidInput) as raised:
        geo.validate_point(latitude, longitude)
    assert (raised.value.field, raised.value.code) == (field, code)


def test_validate_radius():
    assert geo.validate_radius_km(None, default_km=25, max_km=200) == 25
    assert geo.validate_radius_km(None, default_km=300, max_km=200) == 200
    assert geo.validate_radius_km(10, default_km=25, max_km=200) == 10
    for bad in (0, -1, 201, float("inf")):
        with pytest.raises(InvalidInput) as raised:
            geo.validate_radius_km(bad, default_km=25, max_km=200)
        assert raised.value.code == "OUT_OF_RANGE"


# Our geometry must agree with PostgreSQL's earthdistance, which the index uses.


def test_earthdistance_sphere_radius_is_the_one_we_assume(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT earth()")
        assert cursor.fetchone()[0] == geo.EARTHDISTANCE_RADIUS_M


@pytest.mark.parametrize(
    "latitude, longitude",
    [(48.8566, 2.3522), (-33.87, 151.21), (89.99, 180), (0, -179.99)],
)
def test_earth_cube_matches_ll_to_earth(db, latitude, longitude):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT cube_ll_coord(e, 1), cube_ll_coord(e, 2), cube_ll_coord(e, 3) "
            "FROM ll_to_earth(%s, %s) AS e",
            [latitude, longitude],
        )
        expected = cursor.fetchone()
    assert geo.earth_cube(Point(latitude, longitude)) == pytest.approx(
        expected, abs=1e-6
    )
