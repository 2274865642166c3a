"""Reads for routing: where the warehouses that ship an order are."""

from typing import Dict, Hashable, Iterable, Optional

from saleor_o2o.core.geo import Point
from saleor_o2o.routing.models import WarehouseLocation
from saleor_o2o.store.models import Store


def warehouse_points(
    warehouse_ids: Iterable[Hashable],
) -> Dict[Hashable, Optional[Point]]:
    """Return where each warehouse is, or None where it is not known.

    A store's warehouse is where the store is (its coordinates, entered or
    geocoded); any other warehouse is where its address was geocoded.
    """
    points: Dict[Hashable, Optional[Point]] = {pk: None for pk in warehouse_ids}
    if not points:
        return points
    located = WarehouseLocation.objects.filter(
        warehouse_id__in=list(points), latitude__isnull=False
    ).values_list("warehouse_id", "latitude", "longitude")
    stores = (
        Store.objects.with_coordinates()
        .filter(warehouse_id__in=list(points))
        .values_list("warehouse_id", "latitude", "longitude")
    )
    for rows in (located, stores):  # A store's own coordinates win.
        for warehouse_id, latitude, longitude in rows:
            points[warehouse_id] = Point(latitude, longitude)
    return points
