"""Which warehouses an order is routed to first: pure ranking by distance."""

from dataclasses import dataclass
from typing import Hashable, Iterable, List, Optional, Tuple

from saleor_o2o.core.geo import Point, great_circle_from


class OriginKind:
    """What the point an order is routed from stands for."""

    #: The shipping address, geocoded.
    ADDRESS = "address"
    #: The approximate centre of the address's country (the address was not placed).
    COUNTRY = "country"
    #: Nothing known: warehouses keep Saleor's order.
    NONE = "none"


@dataclass(frozen=True)
class Origin:
    """Where an order is routed from."""

    point: Optional[Point]
    kind: str = OriginKind.NONE


@dataclass(frozen=True)
class Located:
    """A warehouse and where it is (None when it could not be placed)."""

    warehouse_id: Hashable
    point: Optional[Point]


def nearest_first(
    origin: Optional[Point], warehouses: Iterable[Located]
) -> Tuple[Hashable, ...]:
    """Return the warehouse IDs by straight-line distance from `origin`.

    Warehouses that could not be placed come after every placed one: a warehouse
    known to be near beats one whose place is unknown. Equal distances (two
    warehouses in one building) and the unplaced keep primary-key order, Saleor's;
    with no origin, that is the whole order.
    """
    placed: List[Tuple[float, Hashable]] = []
    unplaced: List[Hashable] = []
    distance = great_circle_from(origin) if origin is not None else None
    for warehouse in warehouses:
        if distance is None or warehouse.point is None:
            unplaced.append(warehouse.warehouse_id)
        else:
            placed.append((distance(warehouse.point), warehouse.warehouse_id))
    placed.sort()
    unplaced.sort()
    return tuple(pk for _km, pk in placed) + tuple(unplaced)
