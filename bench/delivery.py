#!/usr/bin/env python
"""Local delivery benchmark: the stores that deliver a cart to an address, ranked.

At 10,000 stores with delivery areas (a third by radius, a third by postal codes, a
third both) and stock for 1,000 variants each (10,000,000 rows in Saleor's
``warehouse_stock``), this prints the p50/p95 latency of "which stores deliver this
10-line cart to this address, best first", found two ways in the same run:

* ``local_delivery.selectors.stores_delivering`` end to end: one statement finds
  the covering areas (the store location index for radii, the ``(country, prefix)``
  index for postal codes) with each store's hours exceptions, window places taken
  and stock counts, then fees, windows and ranking in Python; and the statement's
  execution time inside the server (EXPLAIN ANALYZE);
* a per-store check as a straightforward implementation would write it: for each
  store, whether the address is in its area (great-circle distance in Python, its
  postal codes), then for each covering store one stock query and its windows (its
  hours exceptions and its bookings, a query each).

It checks that both rank the same stores the same way (store, lines short, earliest
window, fee).

It also times the routing decision for one shipped order ("Route shipped orders by
distance"), with every store's warehouse in a shipping zone for the country: the
shipping warehouses ranked nearest first (``routing.services.source_routed_from``)
and the order planned on an unlocked read of the nearest, then locked where it is
taken (``store.reservations.plan_locked``, in a transaction rolled back), against a
per-warehouse check nearest first (one stock query a warehouse until one has the
whole cart). Stock and stores are made as bench/availability.py makes them.

Run it from outside the checkout: the checkout's top-level graphql/ folder would hide
the graphql-core library if the checkout root were on sys.path::

    cd /tmp && /work/main/.venv/bin/python /work/main/bench/delivery.py [--quick]
"""

import argparse
import gc
import random
import sys
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable, Dict, FrozenSet, List, Optional, Sequence, Tuple
from urllib.parse import urlparse

# Shared with the cart-supply benchmark (same folder): stores, catalogue, stock and
# allocations, the database and Django set-up. Importing them also keeps the
# checkout root off sys.path, where its graphql/ folder would shadow graphql-core.
import availability
import locator

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/saleor_o2o_bench_delivery"
QUICK_SUFFIX = "_quick"
#: The lines with the ratios the benchmark is for, as regular expressions: every
#: run prints them, quick or full (tests/test_benchmarks.py looks for each).
RATIO_LINES = (
    r"^  statements in the server \(execution\) .* \S+x (slower|faster)$",
    r"^  per-store check \(1 stock query a store\) .* \S+x (slower|faster)$",
    r"^  p95 <= 15 ms: (met|NOT met) \(\S+ ms end to end, \S+ ms in the server\)$",
    r"^  >= 20x ahead of the per-store check: (met|NOT met) \(p95 \S+x, p50 \S+x\)$",
    r"^  routing: per-warehouse check .* \S+x (slower|faster)$",
)

COUNTRY = "FR"
#: The benchmark's postal codes are grid cells of this many degrees (about 11 x 7
#: km in Europe): a code is the cell's row then its column (4 digits each), so
#: cells side by side share prefixes.
CELL_DEGREES = 0.1
CART_LINES = availability.CART_LINES
ORDER_VALUE = Decimal("45.00")
POINT_SEED = 7171

_START = time.perf_counter()


def log(message: str) -> None:
    print(f"[{time.perf_counter() - _START:7.1f}s] {message}", flush=True)


@dataclass(frozen=True)
class Plan:
    stores: int
    variants: int
    points: int
    passes: int
    naive_points: int


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(
            "Benchmark the stores that deliver a cart to an address"
            " (stores_delivering) against a per-store check."
        )
    )
    parser.add_argument(
        "--database-url",
        help=f"default {DEFAULT_DATABASE_URL} (with {QUICK_SUFFIX} under --quick)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="500 stores x 100 variants, few runs"
    )
    parser.add_argument(
        "--rebuild", action="store_true", help="reload the data even if it is there"
    )
    parser.add_argument(
        "--explain", action="store_true", help="print the plans at the densest point"
    )
    parser.add_argument("--points", type=int, help="addresses (default 200)")
    parser.add_argument("--passes", type=int, help="timed passes (default 3)")
    parser.add_argument(
        "--naive-points", type=int, help="addresses of the per-store check (20)"
    )
    return parser.parse_args(argv)


def make_plan(args: argparse.Namespace) -> Plan:
    if args.quick:
        plan = Plan(stores=500, variants=100, points=40, passes=2, naive_points=8)
    else:
        plan = Plan(
            stores=10_000, variants=1_000, points=200, passes=3, naive_points=20
        )
    points = args.points or plan.points
    return Plan(
        stores=plan.stores,
        variants=plan.variants,
        points=points,
        passes=args.passes or plan.passes,
        naive_points=min(points, args.naive_points or plan.naive_points),
    )


def database_url(args: argparse.Namespace) -> str:
    if args.database_url:
        return args.database_url
    if not args.quick:
        return DEFAULT_DATABASE_URL
    parts = urlparse(DEFAULT_DATABASE_URL)
    return parts._replace(path=parts.path + QUICK_SUFFIX).geturl()


# Data --------------------------------------------------------------------------


def cell_code(latitude: float, longitude: float, d_row: int = 0, d_col: int = 0):
    row = int((latitude + 90) // CELL_DEGREES) + d_row
    col = int((longitude + 180) // CELL_DEGREES) + d_col
    return f"{row:04d}{col:04d}"


_CELL_SQL = (
    "lpad((floor((s.latitude + 90) / {cell})::int + {dr})::text, 4, '0')"
    " || lpad((floor((s.longitude + 180) / {cell})::int + {dc})::text, 4, '0')"
)


def insert_areas() -> str:
    """Give every store an area: by radius (n % 3 = 0, 3-15 km), by the postal
    codes of its grid cell and the 8 around it (n % 3 = 1; one in ten of those also
    a 7-character prefix, a strip of 10 cells), or both (5 km and its own cell).
    Fees, minimum orders, lead times and window lengths vary with n."""
    from django.db import connection, transaction

    from saleor_o2o.local_delivery.models import DeliveryArea, DeliveryPostalCode

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE saleor_o2o_deliverypostalcode, saleor_o2o_deliveryarea"
            " RESTART IDENTITY CASCADE"
        )
        areas = locator.insert_select(
            cursor,
            DeliveryArea,
            {
                "store": "s.id",
                "is_active": "s.id %% 50 <> 0",
                "radius_km": "CASE s.id %% 3 WHEN 0 THEN 3 + s.id %% 13"
                " WHEN 2 THEN 5 END",
                "minimum_order_amount": "CASE WHEN s.id %% 4 = 0 THEN 50 ELSE 15 END",
                "fee_base_amount": "2 + s.id %% 4",
                "fee_per_km_amount": "0.3",
                "free_above_amount": "CASE WHEN s.id %% 2 = 0 THEN 60 END",
                "lead_time_minutes": "60 * (1 + s.id %% 3)",
                "window_minutes": "60 * (1 + s.id %% 2)",
                "window_capacity": "5",
            },
            "FROM saleor_o2o_store s ORDER BY s.id",
            {},
        )
        cells = [
            _CELL_SQL.format(cell=CELL_DEGREES, dr=dr, dc=dc)
            for dr in (-1, 0, 1)
            for dc in (-1, 0, 1)
        ]
        codes = locator.insert_select(
            cursor,
            DeliveryPostalCode,
            {"area": "a.id", "country": "%(country)s", "prefix": "code"},
            "FROM saleor_o2o_deliveryarea a JOIN saleor_o2o_store s"
            " ON s.id = a.store_id, LATERAL (SELECT DISTINCT code FROM unnest("
            f"CASE s.id %% 3 WHEN 1 THEN ARRAY[{', '.join(cells)}]"
            f" WHEN 2 THEN ARRAY[{cells[4]}] END"
            " || CASE WHEN s.id %% 30 = 1 THEN"
            f" ARRAY[left({cells[4]}, 7)] ELSE ARRAY[]::text[] END) code) codes"
            " ORDER BY a.id",
            {"country": COUNTRY},
        )
        cursor.execute("ANALYZE saleor_o2o_deliveryarea")
        cursor.execute("ANALYZE saleor_o2o_deliverypostalcode")
    return f"{areas:,} areas, {codes:,} postal codes and prefixes"


# Addresses and carts -----------------------------------------------------------


@dataclass(frozen=True)
class Address:
    point: object
    postal_code: str


def addresses(count: int) -> List[Address]:
    """Addresses near the cities (10 km spread); one in eight is not placed on the
    map (its postal code only, as when geocoding found nothing)."""
    from saleor_o2o.core.geo import Point

    rng = random.Random(POINT_SEED)
    found = []
    for index in range(count):
        _name, lat, lng, _weight = rng.choice(locator.CITIES)
        lat, lng = locator._near(rng, lat, lng, 10.0)
        code = cell_code(lat, lng)
        point = None if index % 8 == 7 else Point(latitude=lat, longitude=lng)
        found.append(Address(point, code[:4] + " " + code[4:]))
    return found


# Methods -----------------------------------------------------------------------


def selector(address: Address, lines, now):
    from saleor_o2o.local_delivery import selectors

    return selectors.stores_delivering(
        point=address.point,
        country=COUNTRY,
        postal_code=address.postal_code,
        lines=lines,
        order_value=ORDER_VALUE,
        now=now,
    )


@dataclass(frozen=True)
class NaiveArea:
    store: object
    area: object
    point: object
    postal_codes: FrozenSet[Tuple[str, str]]


def naive_areas() -> List[NaiveArea]:
    """Every active area of an active store, with its codes (loaded once, untimed)."""
    from saleor_o2o.core.geo import Point
    from saleor_o2o.local_delivery.models import DeliveryArea

    found = []
    rows = DeliveryArea.objects.filter(is_active=True, store__is_active=True)
    for area in rows.select_related("store").prefetch_related("postal_codes"):
        store = area.store
        point = (
            Point(store.latitude, store.longitude) if store.has_coordinates else None
        )
        codes = frozenset((c.country, c.prefix) for c in area.postal_codes.all())
        found.append(NaiveArea(store, area, point, codes))
    return found


def naive(areas_list: Sequence[NaiveArea], address: Address, lines, now):
    """For each store: is the address in its area; then for each covering store one
    stock query and its windows (a bookings query); then the same ranking."""
    from django.db.models import IntegerField, OuterRef, Subquery, Sum
    from django.db.models.functions import Coalesce
    from saleor.warehouse.models import Stock

    from saleor_o2o.core.geo import great_circle_km
    from saleor_o2o.local_delivery import areas, delivering, fees, selectors
    from saleor_o2o.store import supply
    from saleor_o2o.store.models import PickupReservation

    prefixes = {(COUNTRY, p) for p in areas.postal_prefixes(address.postal_code)}
    covering = []
    for each in areas_list:
        distance = (
            great_circle_km(address.point, each.point)
            if address.point is not None and each.point is not None
            else None
        )
        if areas.covers(
            radius_km=each.area.radius_km,
            distance_km=distance,
            postal_match=bool(prefixes & each.postal_codes),
        ):
            covering.append((distance is None, distance or 0.0, each.store.pk, each))
    covering.sort(key=lambda item: item[:3])
    variant_ids = [line.variant_id for line in lines]
    options = []
    for _none, distance, _pk, each in covering[: delivering.MAX_DELIVERY_CANDIDATES]:
        distance = None if _none else distance
        reserved = (
            PickupReservation.objects.filter(stock=OuterRef("pk"), expires_at__gt=now)
            .order_by()
            .values("stock")
            .annotate(total=Sum("quantity"))
            .values("total")
        )
        stock = Stock.objects.filter(
            warehouse_id=each.store.warehouse_id, product_variant_id__in=variant_ids
        ).annotate(
            allocated=Coalesce(Sum("allocations__quantity_allocated"), 0),
            reserved=Coalesce(Subquery(reserved, output_field=IntegerField()), 0),
        )
        available = {
            row.product_variant_id: supply.available_for_pickup(
                quantity=row.quantity,
                allocated=row.allocated + row.reserved,
                safety_stock=each.store.pickup_safety_stock,
            )
            for row in stock
        }
        short = tuple(
            supply.Line(
                line.variant_id, line.quantity - available.get(line.variant_id, 0)
            )
            for line in lines
            if available.get(line.variant_id, 0) < line.quantity
        )
        windows = selectors.store_delivery_windows(
            store=each.store, area=each.area, now=now
        )
        rule = selectors.fee_rule(each.area)
        options.append(
            selectors.DeliveryOption(
                store_id=each.store.pk,
                distance_km=distance,
                supplies_all=not short,
                short=short,
                fee=fees.delivery_fee(
                    rule, distance_km=distance, order_value=ORDER_VALUE
                ),
                below_minimum=fees.below_minimum(rule, ORDER_VALUE),
                earliest_window=next((w for w in windows if w.remaining), None),
                windows=tuple(windows),
            )
        )
    return sorted(options, key=selectors.option_rank)


def ranking(options) -> List[tuple]:
    return [
        (
            o.store_id,
            o.short,
            o.earliest_window.start if o.earliest_window else None,
            o.fee,
            None if o.distance_km is None else round(o.distance_km, 6),
        )
        for o in options
    ]


# Measuring ---------------------------------------------------------------------


@dataclass
class Report:
    plan: Plan
    rows: Dict[str, locator.Row]
    checks: List[str] = field(default_factory=list)
    failures: int = 0
    stats: Dict[str, float] = field(default_factory=dict)


def timed(run: Callable[[], object]) -> Tuple[float, object]:
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def statements(address, lines, now) -> List[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        selector(address, lines, now)
    return [query["sql"] for query in captured.captured_queries]


def server_time(cursor, sql_list: Sequence[str]) -> float:
    """Seconds the statements take to execute inside the server (EXPLAIN ANALYZE)."""
    total = 0.0
    for sql in sql_list:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
        (plan,) = cursor.fetchone()[0]
        total += plan["Execution Time"] / 1000.0
    return total


def measure(plan: Plan, args: argparse.Namespace) -> Report:
    from django.utils import timezone

    now = timezone.now()
    points = addresses(plan.points)
    cart_list = availability.carts(plan.points)
    rows = {
        "selector": locator.Row("stores_delivering (query, ranking, windows)", []),
        "server": locator.Row("statements in the server (execution)", []),
        "naive": locator.Row("per-store check (1 stock query a store)", []),
    }
    report = Report(plan, rows)
    expected = [selector(a, lines, now) for a, lines in zip(points, cart_list)]
    captured = [statements(a, lines, now) for a, lines in zip(points, cart_list)]
    counts = sorted({len(sql) for sql in captured})
    found = [len(result) for result in expected]
    report.stats = {
        "options": sum(found) / len(found),
        "empty": sum(n == 0 for n in found),
        "whole": sum(sum(o.supplies_all for o in r) for r in expected) / len(found),
    }
    report.checks.append(
        f"stores_delivering sends {'/'.join(map(str, counts))} queries a call,"
        f" whatever the stores: {locator.ok(max(counts) <= 5)}"
    )
    report.failures += max(counts) > 5
    log(
        f"  warm-up: {report.stats['options']:.1f} delivering stores an address"
        f" ({report.stats['empty']} addresses with none),"
        f" {report.stats['whole']:.1f} with the whole cart"
    )
    if args.explain:
        dense = max(range(len(points)), key=lambda index: found[index])
        cursor = locator.raw_cursor()
        for sql in captured[dense]:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            print("  EXPLAIN ANALYZE:")
            for (line,) in cursor.fetchall():
                print("    " + line)
        cursor.close()
    gc.collect()
    gc.disable()
    try:
        for _ in range(plan.passes):
            for address, lines in zip(points, cart_list):
                elapsed, _ = timed(lambda: selector(address, lines, now))
                rows["selector"].samples.append(elapsed)
        cursor = locator.raw_cursor()
        for sql_list in captured:
            rows["server"].samples.append(server_time(cursor, sql_list))
        cursor.close()
    finally:
        gc.enable()
    log(f"  stores_delivering: {plan.passes} passes over {len(points)} addresses")

    every = naive_areas()
    naive(every, points[0], cart_list[0], now)  # warm-up
    agree = 0
    gc.collect()
    gc.disable()
    try:
        for index in range(plan.naive_points):
            elapsed, result = timed(
                lambda: naive(every, points[index], cart_list[index], now)
            )
            rows["naive"].samples.append(elapsed)
            agree += ranking(result) == ranking(expected[index])
    finally:
        gc.enable()
    report.failures += plan.naive_points - agree
    report.checks.append(
        "per-store check ranks as stores_delivering (store, lines short, earliest"
        f" window, fee, distance) on {agree}/{plan.naive_points} addresses:"
        f" {locator.ok(agree == plan.naive_points)}"
    )
    log(f"  per-store check: {plan.naive_points} addresses")
    return report


# Routing one shipped order -----------------------------------------------------


def insert_shipping_zone() -> str:
    """Put every store's warehouse in one shipping zone for the country (stores
    that ship), as a merchant routing shipped orders to stores would."""
    from django.db import connection
    from saleor.shipping.models import ShippingZone

    zone, _ = ShippingZone.objects.get_or_create(
        name="Bench: stores that ship", defaults={"countries": [COUNTRY]}
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO warehouse_warehouse_shipping_zones"
            " (warehouse_id, shippingzone_id)"
            " SELECT w.id, %s FROM warehouse_warehouse w ON CONFLICT DO NOTHING",
            [zone.pk],
        )
        linked = cursor.rowcount
    return f"{linked:,} warehouses added to the zone"


def routed(address: Address, lines):
    """The routing decision as checkoutComplete makes it (address already placed)."""
    from django.db import transaction

    from saleor_o2o.routing import services
    from saleor_o2o.store import reservations

    source = services.source_routed_from(COUNTRY, address.point)
    with transaction.atomic():
        plan, _ = reservations.plan_locked(source, lines, checkout_token=None)
        transaction.set_rollback(True)
    return plan


def routed_naive(address: Address, lines):
    """Nearest first, one stock query a warehouse, until one has the whole cart."""
    from django.db.models import Sum
    from django.db.models.functions import Coalesce
    from saleor.warehouse.models import Stock

    from saleor_o2o.core.geo import great_circle_km
    from saleor_o2o.store.models import Store

    located = sorted(
        Store.objects.with_coordinates().values_list(
            "warehouse_id", "latitude", "longitude"
        ),
        key=lambda row: great_circle_km(address.point, locator_point(row)),
    )
    wanted = {line.variant_id: line.quantity for line in lines}
    for warehouse_id, _lat, _lng in located:
        rows = (
            Stock.objects.filter(
                warehouse_id=warehouse_id, product_variant_id__in=list(wanted)
            )
            .annotate(allocated=Coalesce(Sum("allocations__quantity_allocated"), 0))
            .values_list("product_variant_id", "quantity", "allocated")
        )
        have = {variant: quantity - allocated for variant, quantity, allocated in rows}
        if all(have.get(variant, 0) >= need for variant, need in wanted.items()):
            return warehouse_id
    return None


def locator_point(row):
    from saleor_o2o.core.geo import Point

    return Point(latitude=row[1], longitude=row[2])


def measure_routing(plan: Plan, report: "Report") -> None:
    points = [a for a in addresses(plan.naive_points * 2) if a.point][
        : plan.naive_points
    ]
    cart_list = availability.carts(len(points))
    report.rows["routing"] = locator.Row("routing: routed plan (rank, read, lock)", [])
    report.rows["routing_naive"] = locator.Row(
        "routing: per-warehouse check nearest first", []
    )
    routed(points[0], cart_list[0])  # warm-up
    gc.collect()
    gc.disable()
    try:
        for address, lines in zip(points, cart_list):
            elapsed, _ = timed(lambda: routed(address, lines))
            report.rows["routing"].samples.append(elapsed)
            elapsed, _ = timed(lambda: routed_naive(address, lines))
            report.rows["routing_naive"].samples.append(elapsed)
    finally:
        gc.enable()
    log(f"  routing: {len(points)} orders")


# Report ------------------------------------------------------------------------


def print_report(report: Report, facts: Dict[str, str]) -> None:
    plan, rows = report.plan, report.rows
    base = rows["selector"]
    print(
        f"\n  {plan.stores:,} stores with delivery areas x {plan.variants:,} variants"
        f" ({plan.stores * plan.variants:,} stock rows); {CART_LINES}-line carts;"
        f" {report.stats['options']:.1f} delivering stores an address on average;"
        f" {facts['postgres']}, {facts['python']}, {facts['cpu']}"
    )
    print(f"  {'method':<46} {'runs':>5} {'p50 ms':>9} {'p95 ms':>9}  p95 vs baseline")
    for key, row in rows.items():
        if key in ("selector", "routing"):
            note = "baseline"
        else:
            reference = rows["routing"] if key == "routing_naive" else base
            ratio = row.p95 / reference.p95
            note = (
                f"{locator.times(ratio)} slower"
                if ratio >= 1
                else f"{locator.times(1 / ratio)} faster"
            )
        print(
            f"  {row.method:<46} {len(row.samples):>5} {row.p50:>9.3f}"
            f" {row.p95:>9.3f}  {note}"
        )
    for check in report.checks:
        print(f"  check: {check}")
    naive_row, server = rows["naive"], rows["server"]
    print("\nAims")
    print(
        f"  p95 <= 15 ms: {locator.verdict(base.p95 <= 15.0)}"
        f" ({base.p95:.2f} ms end to end, {server.p95:.2f} ms in the server)"
    )
    ratio = naive_row.p95 / base.p95
    print(
        f"  >= 20x ahead of the per-store check: {locator.verdict(ratio >= 20)}"
        f" (p95 {locator.times(ratio)},"
        f" p50 {locator.times(naive_row.p50 / base.p50)})"
    )
    print(
        "  correctness checks:",
        "all OK" if not report.failures else f"{report.failures} MISMATCHES",
    )
    sys.stdout.flush()


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    plan = make_plan(args)
    url = database_url(args)
    locator.ensure_database(url)
    locator.setup_django(url)
    locator.migrate()
    availability.refuse_foreign_data()
    locator.activate_plugin()
    facts = locator.server_facts()
    log(
        f"{plan.stores:,} stores x {plan.variants:,} variants;"
        f" database {urlparse(url).path.lstrip('/')}; {facts['postgres']}"
    )
    availability.load_data(
        availability.Plan(plan.stores, plan.variants, 0, 0, 0), args.rebuild
    )
    availability.phase(insert_areas, "gave every store a delivery area")
    report = measure(plan, args)
    availability.phase(insert_shipping_zone, "made every store ship to the country")
    measure_routing(plan, report)
    print_report(report, facts)
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
