"""Reads for routing: where the warehouses that ship an order are."""

from typing import List

from saleor_o2o.core.geo import Point
from saleor_o2o.routing.rules import Located
from saleor_o2o.store import reservations


def shipping_locations(country: str) -> List[Located]:
    """Return the warehouses that ship to ``country`` and where each is, or None
    where it is not known, by primary key, in one query.

    A store's warehouse is where the store is (its coordinates, entered or
    geocoded); any other warehouse is where its address was geocoded.
    """
    rows = reservations.shipping_warehouses(country).values_list(
        "pk",
        "o2o_store__latitude",
        "o2o_store__longitude",
        "o2o_location__latitude",
        "o2o_location__longitude",
    )
    located = []
    for pk, store_lat, store_lng, place_lat, place_lng in rows:
        point = None
        if store_lat is not None and store_lng is not None:  # A store's own win.
            point = Point(store_lat, store_lng)
        elif place_lat is not None and place_lng is not None:
            point = Point(place_lat, place_lng)
        located.append(Located(pk, point))
    return located
