"""The store table as PostgreSQL keeps it: the location the index searches."""

from django.db import connection


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
