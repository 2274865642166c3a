"""Reads for routing: where the warehouses that ship an order are."""

from typing import List

from django.db import connection
from saleor.warehouse.models import Warehouse

from saleor_o2o.core.geo import Point
from saleor_o2o.routing.models import WarehouseLocation
from saleor_o2o.routing.rules import Located
from saleor_o2o.store import reservations
from saleor_o2o.store.models import Store

# Read as plain rows: a routed order may have thousands of warehouses to rank.
_LOCATIONS_SQL = f"""
    SELECT DISTINCT ON (zoned.warehouse_id) zoned.warehouse_id,
      store.latitude, store.longitude, place.latitude, place.longitude
    FROM {Warehouse.shipping_zones.through._meta.db_table} zoned
    LEFT JOIN {Store._meta.db_table} store ON store.warehouse_id = zoned.warehouse_id
    LEFT JOIN {WarehouseLocation._meta.db_table} place
      ON place.warehouse_id = zoned.warehouse_id
    WHERE zoned.shippingzone_id = ANY(%s)
    ORDER BY zoned.warehouse_id
"""


def shipping_locations(country: str) -> List[Located]:
    """Return the warehouses that ship to ``country`` (`reservations.
    shipping_warehouses`) and where each is, or None where it is not known, by
    primary key.

    A store's warehouse is where the store is (its coordinates, entered or
    geocoded); any other warehouse is where its address was geocoded.
    """
    zone_ids = list(reservations.shipping_zones(country).values_list("pk", flat=True))
    if not zone_ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_LOCATIONS_SQL, [zone_ids])
        rows = cursor.fetchall()
    located = []
    for pk, store_lat, store_lng, place_lat, place_lng in rows:
        point = None
        if store_lat is not None and store_lng is not None:  # A store's own win.
            point = Point(store_lat, store_lng)
        elif place_lat is not None and place_lng is not None:
            point = Point(place_lat, place_lng)
        located.append(Located(pk, point))
    return located
