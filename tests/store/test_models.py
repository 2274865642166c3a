"""Our geometry must agree with PostgreSQL's earthdistance, which the index uses."""

import pytest
from django.db import connection

from saleor_o2o.core import geo
from saleor_o2o.core.geo import Point


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


def test_store_location_column_follows_its_coordinates(store):
    def location():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT location::text FROM saleor_o2o_store WHERE id = %s", [store.pk]
            )
            return cursor.fetchone()[0]

    before = location()
    store.latitude, store.longitude = 51.5, -0.12
    store.save()
    assert location() != before
    store.latitude = store.longitude = None
    store.save()
    assert location() is None
