"""Which stores can supply what: pickup availability, cart supply and ranking.

Pure and typed: callers pass numbers read from Saleor's ``Stock`` and ``Allocation``
rows and get decisions back.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Dict, Hashable, Iterable, List, Mapping, Optional, Sequence, Tuple

from saleor_o2o.core.errors import InvalidInput
from saleor_o2o.store import hours, opening

#: The most lines a cart check accepts: beyond, it is not a shopper's cart.
MAX_LINES = 100


def available_for_pickup(*, quantity: int, allocated: int, safety_stock: int) -> int:
    """Return the units a store can promise for pickup, never below zero."""
    return max(0, quantity - allocated - safety_stock)


def crossed_low_stock(*, before: int, after: int, threshold: Optional[int]) -> bool:
    """Return whether availability went from above the threshold to at or below it."""
    return threshold is not None and before > threshold >= after


@dataclass(frozen=True)
class Line:
    variant_id: int
    quantity: int


def merge_lines(lines: Iterable[Line]) -> Tuple[Line, ...]:
    """Return the lines with repeated variants added up, in first-seen order."""
    totals: Dict[int, int] = {}
    for index, line in enumerate(lines):
        if line.quantity <= 0:
            raise InvalidInput(
                "Each line needs a quantity of at least 1.",
                field=f"lines.{index}.quantity",
                code="OUT_OF_RANGE",
            )
        totals[line.variant_id] = totals.get(line.variant_id, 0) + line.quantity
    if not totals:
        raise InvalidInput("Give at least one line.", field="lines", code="REQUIRED")
    if len(totals) > MAX_LINES:
        raise InvalidInput(
            f"Give at most {MAX_LINES} different variants.",
            field="lines",
            code="OUT_OF_RANGE",
        )
    return tuple(Line(variant_id, quantity) for variant_id, quantity in totals.items())


@dataclass(frozen=True)
class LineSupply:
    variant_id: int
    requested: int
    available: int

    @property
    def short(self) -> int:
        return max(0, self.requested - self.available)


@dataclass(frozen=True)
class StoreSupply:
    store_id: int
    distance_km: float
    lines: Tuple[LineSupply, ...]

    @property
    def is_complete(self) -> bool:
        return all(line.short == 0 for line in self.lines)

    @property
    def short_lines(self) -> Tuple[LineSupply, ...]:
        return tuple(line for line in self.lines if line.short)

    @property
    def units_short(self) -> int:
        return sum(line.short for line in self.lines)


def store_supply(
    *,
    store_id: int,
    distance_km: float,
    lines: Sequence[Line],
    available: Mapping[int, int],
) -> StoreSupply:
    """Return what one store can supply of `lines`, given units available by variant."""
    return StoreSupply(
        store_id=store_id,
        distance_km=distance_km,
        lines=tuple(
            LineSupply(
                line.variant_id, line.quantity, available.get(line.variant_id, 0)
            )
            for line in lines
        ),
    )


def rank_supplies(supplies: Iterable[StoreSupply]) -> List[StoreSupply]:
    """Order stores for a shopper who wants the whole cart in one place.

    Stores with the whole cart come first, nearest first. The others follow by how
    little they lack (fewest lines short, then fewest units short), then by distance:
    a store two kilometres further that lacks one line beats a nearer one that lacks
    five. Store ID breaks exact ties, so pages never overlap.
    """
    return sorted(
        supplies,
        key=lambda s: (
            not s.is_complete,
            len(s.short_lines),
            s.units_short,
            s.distance_km,
            s.store_id,
        ),
    )


def ready_by(
    schedule: hours.Schedule,
    *,
    now: dt.datetime,
    lead_time: dt.timedelta,
    horizon_days: int = 31,
) -> Optional[dt.datetime]:
    """Return when an order placed `now` can be collected.

    Staff prepare orders while the store is open, so the lead time is counted in
    opening hours: an order placed after closing with a one-hour lead time is ready an
    hour after the next opening. None when the store does not open for long enough
    within the horizon.
    """
    remaining = lead_time
    start = now
    end = now + dt.timedelta(days=horizon_days)
    for opens, closes in opening.open_periods(schedule, start, end):
        opens = max(opens, start)
        if closes <= opens:
            continue
        if remaining <= dt.timedelta(0):
            return opens
        span = closes - opens
        if span >= remaining:
            return opens + remaining
        remaining -= span
    return None


@dataclass(frozen=True)
class StockUnits:
    """Units of one variant that one stock row can give an order."""

    stock_id: int
    variant_id: int
    available: int


@dataclass(frozen=True)
class Take:
    """Units an order takes from one stock row."""

    stock_id: int
    variant_id: int
    quantity: int


@dataclass(frozen=True)
class AllocationPlan:
    """Where each line's units come from, and what could not be found."""

    takes: Tuple[Take, ...]
    #: The lines (or the part of them) no stock row could supply.
    short: Tuple[Line, ...]

    @property
    def is_complete(self) -> bool:
        return not self.short


def allocation_plan(
    lines: Sequence[Line], stocks: Sequence[StockUnits]
) -> AllocationPlan:
    """Fill each line from the stock rows of its variant, in the order given.

    Saleor allocates from the first stock rows by primary key; callers pass rows in
    that order so that a reservation and the allocation after it agree.
    """
    by_variant: Dict[int, List[StockUnits]] = {}
    for stock in stocks:
        by_variant.setdefault(stock.variant_id, []).append(stock)
    takes: List[Take] = []
    short: List[Line] = []
    for line in lines:
        wanted = line.quantity
        for stock in by_variant.get(line.variant_id, ()):
            if wanted == 0:
                break
            quantity = min(wanted, stock.available)
            if quantity > 0:
                takes.append(Take(stock.stock_id, line.variant_id, quantity))
                wanted -= quantity
        if wanted:
            short.append(Line(line.variant_id, wanted))
    return AllocationPlan(takes=tuple(takes), short=tuple(short))


@dataclass(frozen=True)
class LocationUnits:
    """What one location (a warehouse) can give an order: its stock rows."""

    location_id: Hashable
    stocks: Tuple[StockUnits, ...]


def routed_plan(
    lines: Sequence[Line], locations: Sequence[LocationUnits]
) -> AllocationPlan:
    """Fill the lines from locations given in order of preference (nearest first).

    Round after round, the order takes what is still missing from the first
    location that has all of it; failing that, from the first location that has
    some of it. The first round is the rule merchants expect: the nearest location
    with the whole order ships it alone, even if a nearer one has part of it. An
    order is split only when no single location has everything, and then each
    parcel comes from as near as possible while any one location that can finish
    the order does so (no third parcel when a second one suffices). Greedy, so not
    always the fewest parcels possible (that is set cover), but it never takes from
    a location that adds nothing, and it is the same plan for the same stock.
    """
    missing: Tuple[Line, ...] = tuple(lines)
    takes: List[Take] = []
    remaining = list(locations)
    while missing and remaining:
        chosen: Optional[Tuple[int, AllocationPlan]] = None
        for index, location in enumerate(remaining):
            plan = allocation_plan(missing, location.stocks)
            if plan.is_complete:
                chosen = (index, plan)
                break
            if chosen is None and plan.takes:
                chosen = (index, plan)
        if chosen is None:
            break
        index, plan = chosen
        takes.extend(plan.takes)
        missing = plan.short
        del remaining[index]
    return AllocationPlan(takes=tuple(takes), short=missing)


def supplies_whole(lines: Sequence[Line], location: LocationUnits) -> bool:
    """Return whether one location has every unit of the lines."""
    return allocation_plan(lines, location.stocks).is_complete


def reserved_plan(
    lines: Sequence[Line],
    stocks: Sequence[StockUnits],
    reserved: Sequence[Take],
) -> Optional[AllocationPlan]:
    """Return the reserved takes as the plan, if they still fit.

    They fit when they add up to exactly the lines, variant by variant, and each
    takes no more than its stock row can give now (`stocks`, where the reservation
    itself counts as available). None otherwise: the caller plans afresh.
    """
    if not reserved:
        return None
    can_give = {stock.stock_id: stock for stock in stocks}
    taken: Dict[int, int] = {}
    per_row: Dict[int, int] = {}
    for take in reserved:
        stock = can_give.get(take.stock_id)
        if stock is None or stock.variant_id != take.variant_id:
            return None
        taken[take.variant_id] = taken.get(take.variant_id, 0) + take.quantity
        per_row[take.stock_id] = per_row.get(take.stock_id, 0) + take.quantity
    if taken != {line.variant_id: line.quantity for line in lines}:
        return None
    if any(quantity > can_give[row].available for row, quantity in per_row.items()):
        return None
    return AllocationPlan(takes=tuple(reserved), short=())
