#!/usr/bin/env python
"""Cart-supply benchmark: stores that can supply a cart, against a per-store check.

At 10,000 stores holding stock for 1,000 variants each (10,000,000 rows in Saleor's
``warehouse_stock``) this prints the p50/p95 latency of "the stores within 25 km that
can supply this 10-line cart, ranked", found three ways:

* ``store.availability.stores_supplying`` end to end: the nearest candidates by the
  store locator's KNN index, one ``pickup_availability`` query over the stock and its
  allocations, then the ranking in Python;
* the same two SQL statements on a raw cursor, and inside the server (EXPLAIN ANALYZE
  execution times): the database's share;
* a per-store check as a naive ORM implementation would write it: the stores in the
  radius found in Python, then for each store and line a ``Stock`` lookup and a sum
  of its allocations, then the same ranking.

It checks that the per-store check ranks the stores as ``stores_supplying`` does, and
that ``pickup_availability`` reads the stock through its (warehouse, variant) index.

Run it from outside the checkout: the checkout's top-level graphql/ folder would hide
the graphql-core library if the checkout root were on sys.path::

    cd /tmp && /work/main/.venv/bin/python /work/main/bench/availability.py [--quick]
"""

import argparse
import gc
import math
import os
import random
import sys
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable, Dict, List, Optional, Sequence, Tuple
from urllib.parse import urlparse

# Shared with the locator benchmark (same folder): cities, store coordinates, the
# database and Django set-up, percentiles. Importing it also keeps the checkout root
# off sys.path, where its graphql/ folder would shadow graphql-core.
import locator

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/saleor_o2o_bench_stock"
#: --quick uses a database of its own, so that it never replaces the full data set.
QUICK_SUFFIX = "_quick"
#: The lines with the ratios the benchmark is for, as regular expressions: every
#: run prints them, quick or full (tests/test_benchmarks.py runs it with --quick
#: and looks for each).
RATIO_LINES = (
    r"^  both statements, raw cursor .* \S+x (slower|faster)$",
    r"^    nearest candidates \(KNN\), raw .* \S+x (slower|faster)$",
    r"^    pickup_availability, raw .* \S+x (slower|faster)$",
    r"^  both statements in the server \(execution\) .* \S+x (slower|faster)$",
    r"^    the same, pages already in shared buffers .* \S+x (slower|faster)$",
    r"^  per-store check \(ORM, 2 queries a line\) .* \S+x (slower|faster)$",
    r"^  >= 10x ahead of the per-store check: (met|NOT met) \(p95 \S+x, p50 \S+x\)$",
)

#: Marks the benchmark's rows (stores and warehouses as bench/locator.py marks them).
SLUG_PREFIX = locator.SLUG_PREFIX
ADDRESS_MARK = locator.ADDRESS_MARK
ORDER_EMAIL_DOMAIN = "@bench.example"
#: The product type's slug names the data set's recipe: change it with the recipe,
#: and the next run reloads instead of reusing rows made another way.
PRODUCT_TYPE_SLUG = "bench-stock-v1"

RADIUS_KM = 25.0
CART_LINES = 10
MAX_LINE_QUANTITY = 3
VARIANTS_PER_PRODUCT = 4
#: One store in SAFETY_STOCK_EVERY holds one unit of each variant back from pickup.
SAFETY_STOCK_EVERY = 10
#: Stock rows with an allocation of 1 (one in ALLOCATION_ONE) and, besides, of 2.
ALLOCATION_ONE = 100
ALLOCATION_TWO = 500
ORDER_LINES_PER_ORDER = 10
POINT_SEED = 5151
CART_SEED = 6161
STOCK_SEED = "o2o-stock"
#: Stores whose stock rows go in one statement while loading.
STOCK_CHUNK_STORES = 1000

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
            "Benchmark the stores that can supply a cart (stores_supplying) against"
            " a per-store ORM check."
        )
    )
    parser.add_argument(
        "--database-url",
        help=f"default {DEFAULT_DATABASE_URL} (with {QUICK_SUFFIX} under --quick)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="500 stores x 100 variants and few runs: a smoke test",
    )
    parser.add_argument(
        "--rebuild", action="store_true", help="reload the data even if it is there"
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="print EXPLAIN ANALYZE of both statements at a dense point",
    )
    parser.add_argument("--points", type=int, help="query points (default 200)")
    parser.add_argument(
        "--passes", type=int, help="timed passes over the points (default 3)"
    )
    parser.add_argument(
        "--naive-points",
        type=int,
        help="points the per-store check runs on (default 20)",
    )
    return parser.parse_args(argv)


def make_plan(args: argparse.Namespace) -> Plan:
    if args.quick:
        plan = Plan(stores=500, variants=100, points=50, passes=2, naive_points=10)
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


def refuse_foreign_data() -> None:
    """Stop unless the stores, catalogue and orders are all the benchmark's."""
    from django.db import connection

    checks = [
        ("stores", "saleor_o2o_store", "slug NOT LIKE %s", SLUG_PREFIX + "%"),
        ("warehouses", "warehouse_warehouse", "slug NOT LIKE %s", SLUG_PREFIX + "%"),
        ("product types", "product_producttype", "slug NOT LIKE %s", "bench-%"),
        ("products", "product_product", "slug NOT LIKE %s", SLUG_PREFIX + "%"),
        ("variants", "product_productvariant", "sku NOT LIKE %s", SLUG_PREFIX + "%"),
        ("orders", "order_order", "user_email NOT LIKE %s", "%" + ORDER_EMAIL_DOMAIN),
    ]
    foreign = []
    with connection.cursor() as cursor:
        for label, table, condition, pattern in checks:
            cursor.execute(f"SELECT count(*) FROM {table} WHERE {condition}", [pattern])
            (count,) = cursor.fetchone()
            if count:
                foreign.append(f"{count} {label}")
    if foreign:
        raise SystemExit(
            f"The database holds {', '.join(foreign)} the benchmark did not create;"
            " give it a database of its own (--database-url)."
        )


def expected_counts(plan: Plan) -> Dict[str, int]:
    return {
        "stores": plan.stores,
        "variants": plan.variants,
        "stock": plan.stores * plan.variants,
    }


def loaded_counts() -> Dict[str, object]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM saleor_o2o_store),"
            " (SELECT count(*) FROM product_productvariant),"
            " (SELECT count(*) FROM warehouse_stock),"
            " (SELECT count(*) FROM warehouse_allocation),"
            " (SELECT count(*) FROM product_producttype WHERE slug = %s),"
            " (SELECT COALESCE(sum(latitude), 0) FROM saleor_o2o_store),"
            " (SELECT COALESCE(sum(longitude), 0) FROM saleor_o2o_store)",
            [PRODUCT_TYPE_SLUG],
        )
        stores, variants, stock, allocations, recipe, lat, lng = cursor.fetchone()
    return {
        "stores": stores,
        "variants": variants,
        "stock": stock,
        "allocations": allocations,
        "recipe": recipe,
        "lat": lat,
        "lng": lng,
    }


def is_loaded(plan: Plan, coordinates: List[Tuple[float, float]]) -> bool:
    loaded = loaded_counts()
    return (
        all(loaded[key] == value for key, value in expected_counts(plan).items())
        and loaded["recipe"] == 1
        and loaded["allocations"] > 0
        and math.isclose(loaded["lat"], math.fsum(lat for lat, _ in coordinates))
        and math.isclose(loaded["lng"], math.fsum(lng for _, lng in coordinates))
    )


def load_data(plan: Plan, rebuild: bool) -> None:
    """Fill the database with the plan's stores, catalogue, stock and allocations.

    Reuses what a previous run loaded when it matches the plan, unless `rebuild`.
    """
    coordinates = locator.store_coordinates(plan.stores)
    if not rebuild and is_loaded(plan, coordinates):
        loaded = loaded_counts()
        log(
            f"reusing the data a previous run loaded: {plan.stores:,} stores,"
            f" {plan.variants:,} variants, {loaded['stock']:,} stock rows,"
            f" {loaded['allocations']:,} allocations (--rebuild reloads)"
        )
        return
    started = time.perf_counter()
    clear_data()
    log(f"  cleared old data ({time.perf_counter() - started:.1f}s)")
    phase(lambda: insert_stores(coordinates), f"inserted {plan.stores:,} stores")
    phase(
        lambda: insert_catalogue(plan.variants), f"created {plan.variants:,} variants"
    )
    phase(insert_order_lines, "created orders to allocate stock to")
    insert_stock(plan)
    phase(insert_allocations, "allocated stock")
    phase(vacuum_analyze, "vacuumed and analysed")
    loaded = loaded_counts()
    log(
        f"  loaded {loaded['stock']:,} stock rows and {loaded['allocations']:,}"
        f" allocations ({database_size()} on disk)"
    )


def phase(run: Callable[[], object], done: str) -> None:
    started = time.perf_counter()
    result = run()
    suffix = f": {result}" if result is not None else ""
    log(f"  {done}{suffix} ({time.perf_counter() - started:.1f}s)")


def clear_data() -> None:
    from django.db import connection, transaction

    # Only the benchmark's rows are here (see refuse_foreign_data); whatever else
    # hangs off these tables is the benchmark's too, or empty.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE warehouse_allocation, warehouse_stock, saleor_o2o_store,"
            " warehouse_warehouse, order_orderline, order_order,"
            " product_productvariant, product_product, product_producttype"
            " RESTART IDENTITY CASCADE"
        )
        cursor.execute(
            "DELETE FROM account_address WHERE company_name = %s", [ADDRESS_MARK]
        )


def insert_stores(coordinates: List[Tuple[float, float]]) -> None:
    """Insert stores as bench/locator.py does, with pickup safety stock at one in
    SAFETY_STOCK_EVERY."""
    locator.insert_stores(
        coordinates,
        {
            "pickup_safety_stock": (
                f"CASE WHEN n %% {SAFETY_STOCK_EVERY} = 0 THEN 1 ELSE 0 END"
            )
        },
    )


def insert_catalogue(variants: int) -> None:
    """One product type; products of VARIANTS_PER_PRODUCT variants each."""
    # Saleor 2.10's product models import each other in a cycle that this breaks.
    import saleor.product.utils  # noqa: F401
    from django.db import transaction
    from django.db.models import QuerySet
    from saleor.product.models import Product, ProductType, ProductVariant

    price = Decimal("10.00")
    with transaction.atomic():
        product_type = ProductType.objects.create(
            name="Bench stock", slug=PRODUCT_TYPE_SLUG, has_variants=True
        )
        count = -(-variants // VARIANTS_PER_PRODUCT)
        # Lists, not generators: Saleor's bulk_create overrides iterate them twice.
        products = Product.objects.bulk_create(
            [
                Product(
                    product_type=product_type,
                    name=f"Bench product {n}",
                    slug=f"{SLUG_PREFIX}product-{n}",
                    price_amount=price,
                    minimal_variant_price_amount=price,
                )
                for n in range(1, count + 1)
            ]
        )
        # Django's own bulk_create: Saleor's would queue a task recomputing the
        # products' minimal prices, which are set already.
        QuerySet.bulk_create(
            ProductVariant.objects.all(),
            [
                ProductVariant(
                    product=products[(n - 1) // VARIANTS_PER_PRODUCT],
                    sku=f"{SLUG_PREFIX}{n:06d}",
                    name=f"Size {(n - 1) % VARIANTS_PER_PRODUCT + 1}",
                )
                for n in range(1, variants + 1)
            ],
        )


def insert_order_lines() -> str:
    """Two order lines for each variant (1 and 2 units) to allocate stock to."""
    from django.db import transaction
    from saleor.order.models import Order, OrderLine
    from saleor.product.models import ProductVariant

    variants = list(ProductVariant.objects.order_by("pk").values_list("pk", "sku"))
    lines = [(pk, sku, quantity) for quantity in (1, 2) for pk, sku in variants]
    count = -(-len(lines) // ORDER_LINES_PER_ORDER)
    zero = Decimal("0.00")
    with transaction.atomic():
        orders = Order.objects.bulk_create(
            [
                Order(
                    token=str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench-order-{n}")),
                    user_email=f"order{n}{ORDER_EMAIL_DOMAIN}",
                    total_net_amount=zero,
                    total_gross_amount=zero,
                    shipping_price_net_amount=zero,
                    shipping_price_gross_amount=zero,
                )
                for n in range(1, count + 1)
            ]
        )
        OrderLine.objects.bulk_create(
            [
                OrderLine(
                    order=orders[index // ORDER_LINES_PER_ORDER],
                    variant_id=pk,
                    product_name="Bench product",
                    product_sku=sku,
                    is_shipping_required=True,
                    quantity=quantity,
                    unit_price_net_amount=Decimal("10.00"),
                    unit_price_gross_amount=Decimal("10.00"),
                )
                for index, (pk, sku, quantity) in enumerate(lines)
            ]
        )
    return f"{count} orders, {len(lines)} lines"


def insert_stock(plan: Plan) -> None:
    """A stock row for every store and variant, 0-10 units, store by store."""
    from django.db import connection
    from saleor.warehouse.models import Stock

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM saleor_o2o_store")
        first, last = cursor.fetchone()
        for low in range(first, last + 1, STOCK_CHUNK_STORES):
            high = min(low + STOCK_CHUNK_STORES - 1, last)
            # Each chunk commits on its own (autocommit): a bounded queue of
            # deferred foreign-key checks, and progress that can be seen.
            locator.insert_select(
                cursor,
                Stock,
                {
                    "warehouse": "s.warehouse_id",
                    "product_variant": "v.id",
                    "quantity": "abs(hashtext(%(seed)s || ':' || s.id || ':' || v.id))"
                    " %% 11",
                },
                "FROM saleor_o2o_store s CROSS JOIN product_productvariant v"
                " WHERE s.id BETWEEN %(low)s AND %(high)s ORDER BY s.id, v.id",
                {"seed": STOCK_SEED, "low": low, "high": high},
            )
            done = (high - first + 1) * plan.variants
            elapsed = time.perf_counter() - started
            log(
                f"  stock rows: {done:,} of {plan.stores * plan.variants:,}"
                f" ({elapsed:.1f}s, {done / elapsed:,.0f} rows/s)"
            )


def insert_allocations() -> str:
    """Allocate 1 unit of one stock row in ALLOCATION_ONE, and 2 of one in
    ALLOCATION_TWO besides, each to an order line for the row's variant."""
    from django.db import connection, transaction
    from saleor.warehouse.models import Allocation

    with transaction.atomic(), connection.cursor() as cursor:
        count = locator.insert_select(
            cursor,
            Allocation,
            {
                "order_line": "l.id",
                "stock": "st.id",
                "quantity_allocated": "l.quantity",
            },
            "FROM warehouse_stock st JOIN order_orderline l"
            " ON l.variant_id = st.product_variant_id"
            " WHERE (l.quantity = 1"
            " AND abs(hashtext(%(seed)s || ':a:' || st.id)) %% %(one)s = 0)"
            " OR (l.quantity = 2"
            " AND abs(hashtext(%(seed)s || ':b:' || st.id)) %% %(two)s = 0)",
            {"seed": STOCK_SEED, "one": ALLOCATION_ONE, "two": ALLOCATION_TWO},
        )
    return f"{count:,} allocations"


def vacuum_analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in (
            "account_address",
            "warehouse_warehouse",
            "saleor_o2o_store",
            "product_producttype",
            "product_product",
            "product_productvariant",
            "order_order",
            "order_orderline",
            "warehouse_stock",
            "warehouse_allocation",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")


def database_size() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        return cursor.fetchone()[0]


# Points and carts --------------------------------------------------------------


def query_points(count: int):
    """Return `count` search points, each near one of the cities (10 km spread)."""
    from saleor_o2o.core.geo import Point

    rng = random.Random(POINT_SEED)
    points = []
    for _ in range(count):
        _name, lat, lng, _weight = rng.choice(locator.CITIES)
        lat, lng = locator._near(rng, lat, lng, 10.0)
        points.append(Point(latitude=lat, longitude=lng))
    return points


def carts(count: int) -> List[Tuple]:
    """Return `count` carts of CART_LINES different variants, 1-3 units each."""
    from saleor.product.models import ProductVariant

    from saleor_o2o.store import supply

    variant_ids = list(
        ProductVariant.objects.order_by("pk").values_list("pk", flat=True)
    )
    rng = random.Random(CART_SEED)
    return [
        tuple(
            supply.Line(variant_id, rng.randint(1, MAX_LINE_QUANTITY))
            for variant_id in rng.sample(variant_ids, CART_LINES)
        )
        for _ in range(count)
    ]


# Methods -----------------------------------------------------------------------


def selector_supply(point, lines):
    """`stores_supplying` over the stores a shopper sees, as `stores(near:)` runs it."""
    from saleor_o2o.store import availability, selectors

    return availability.stores_supplying(
        queryset=selectors.stores_visible_to(can_manage=False),
        point=point,
        radius_km=RADIUS_KM,
        lines=lines,
    )


def captured_statements(point, lines) -> List[str]:
    """Return the SQL statements `stores_supplying` runs, as sent to the server."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        selector_supply(point, lines)
    return [query["sql"] for query in captured.captured_queries]


@dataclass(frozen=True)
class NaiveStore:
    pk: int
    warehouse_id: uuid.UUID
    point: object
    safety_stock: int


def naive_stores() -> List[NaiveStore]:
    """The stores a shopper sees, loaded once (untimed) for the per-store check."""
    from saleor_o2o.core.geo import Point
    from saleor_o2o.store.models import Store

    rows = (
        Store.objects.active()
        .with_coordinates()
        .values_list(
            "pk", "warehouse_id", "latitude", "longitude", "pickup_safety_stock"
        )
    )
    return [
        NaiveStore(pk, warehouse_id, Point(latitude=lat, longitude=lng), safety)
        for pk, warehouse_id, lat, lng, safety in rows
    ]


def naive_supply(stores: Sequence[NaiveStore], point, lines):
    """Rank stores the way a straightforward ORM implementation would.

    Every store's distance in Python; the nearest MAX_SUPPLY_CANDIDATES within the
    radius (the selector's cap); then, for each of those stores and each line, the
    stock row and the sum of its allocations, two queries apiece.
    """
    from django.db.models import Sum
    from saleor.warehouse.models import Stock

    from saleor_o2o.core.geo import great_circle_km
    from saleor_o2o.store import availability, supply

    near = []
    for store in stores:
        km = great_circle_km(point, store.point)
        if km <= RADIUS_KM:
            near.append((km, store.pk, store))
    near.sort(key=lambda item: item[:2])
    supplies = []
    for km, _pk, store in near[: availability.MAX_SUPPLY_CANDIDATES]:
        available = {}
        for line in lines:
            try:
                stock = Stock.objects.get(
                    warehouse_id=store.warehouse_id, product_variant_id=line.variant_id
                )
            except Stock.DoesNotExist:
                continue
            allocated = stock.allocations.aggregate(total=Sum("quantity_allocated"))[
                "total"
            ]
            available[line.variant_id] = supply.available_for_pickup(
                quantity=stock.quantity,
                allocated=allocated or 0,
                safety_stock=store.safety_stock,
            )
        supplies.append(
            supply.store_supply(
                store_id=store.pk, distance_km=km, lines=lines, available=available
            )
        )
    return supply.rank_supplies(supplies)


def ranking(result) -> List[Tuple[int, Tuple[Tuple[int, int], ...]]]:
    """Store IDs in order, each with its short lines as (variant ID, units short)."""
    return [
        (s.store_id, tuple((line.variant_id, line.short) for line in s.short_lines))
        for s in result
    ]


def same_ranking(a, b, tolerance_km: float = 1e-6) -> bool:
    return ranking(a) == ranking(b) and all(
        abs(x.distance_km - y.distance_km) <= tolerance_km for x, y in zip(a, b)
    )


# Plans -------------------------------------------------------------------------


def stock_indexes() -> Tuple[str, Dict[str, str]]:
    """Return warehouse_stock's unique (warehouse_id, product_variant_id) index, and
    the table of each index on warehouse_stock and warehouse_allocation."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.relname, t.relname, x.indisunique AND x.indnatts = 2"
            " FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
            " JOIN pg_class t ON t.oid = x.indrelid"
            " WHERE t.relname IN ('warehouse_stock', 'warehouse_allocation')"
        )
        rows = cursor.fetchall()
    unique = [
        index for index, table, pair in rows if pair and table == "warehouse_stock"
    ]
    if len(unique) != 1:
        raise RuntimeError("warehouse_stock has no two-column unique index")
    return unique[0], {index: table for index, table, _ in rows}


def plan_nodes(node: dict):
    yield node
    for child in node.get("Plans", ()):
        yield from plan_nodes(child)


@dataclass
class PlanFacts:
    """How one run of the availability statement read the stock tables."""

    stock_access: List[str]
    stock_rows: int
    allocation_access: List[str]
    uses_unique_index: bool


def plan_facts(plan: dict, unique_index: str, tables: Dict[str, str]) -> PlanFacts:
    stock_access, allocation_access = [], []
    stock_rows = 0
    uses_unique_index = True
    for node in plan_nodes(plan["Plan"]):
        index = node.get("Index Name")
        # A bitmap index scan names its index only.
        relation = node.get("Relation Name") or tables.get(index)
        access = node["Node Type"] + (f" using {index}" if index else "")
        if relation == "warehouse_stock":
            stock_access.append(access)
            if node["Node Type"] != "Bitmap Heap Scan":
                stock_rows += node.get("Actual Rows", 0) * node.get("Actual Loops", 1)
                uses_unique_index &= index == unique_index
        elif relation == "warehouse_allocation":
            allocation_access.append(access)
    return PlanFacts(
        stock_access,
        stock_rows,
        allocation_access,
        uses_unique_index and bool(stock_access),
    )


def explain(statements: Sequence[str], point) -> None:
    cursor = locator.raw_cursor()
    labels = ["nearest candidates", "pickup_availability"]
    for label, statement in zip(labels, statements):
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement)
        print(
            f"  EXPLAIN ANALYZE, {label}, near ({point.latitude}, {point.longitude}):"
        )
        for (line,) in cursor.fetchall():
            print("    " + line)
    cursor.close()
    sys.stdout.flush()


# Measuring ---------------------------------------------------------------------


@dataclass
class Report:
    plan: Plan
    rows: Dict[str, locator.Row]
    checks: List[str] = field(default_factory=list)
    failures: int = 0
    stats: Dict[str, float] = field(default_factory=dict)
    planning: List[float] = field(default_factory=list)
    plan_facts: Optional[PlanFacts] = None
    plans_on_index: int = 0


def timed(run: Callable[[], object]) -> Tuple[float, object]:
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def measure(plan: Plan, args: argparse.Namespace) -> Report:
    points = query_points(plan.points)
    cart_list = carts(plan.points)
    rows = {
        "selector": locator.Row("stores_supplying (ORM, 2 queries, ranking)", []),
        "sql": locator.Row("both statements, raw cursor", []),
        "candidates": locator.Row("  nearest candidates (KNN), raw", []),
        "availability": locator.Row("  pickup_availability, raw", []),
        "server": locator.Row("both statements in the server (execution)", []),
        "cached": locator.Row("  the same, pages already in shared buffers", []),
        "naive": locator.Row("per-store check (ORM, 2 queries a line)", []),
    }
    report = Report(plan, rows)
    log(f"{len(points)} points, {CART_LINES}-line carts, radius {RADIUS_KM:g} km")

    # Warm-up and capture: the statements the selector sends, and its answers.
    expected = [selector_supply(p, lines) for p, lines in zip(points, cart_list)]
    statements = [captured_statements(p, lines) for p, lines in zip(points, cart_list)]
    two = sum(len(pair) == 2 for pair in statements)
    report.failures += len(points) - two
    report.checks.append(
        f"stores_supplying sends 2 queries on {two}/{len(points)} points:"
        f" {locator.ok(two == len(points))}"
    )
    if two != len(points):
        raise SystemExit("stores_supplying did not send two queries; cannot go on")
    found = [len(result) for result in expected]
    report.stats = {
        "candidates": sum(found) / len(found),
        "capped": sum(n >= capped_at() for n in found),
        "complete": sum(sum(s.is_complete for s in r) for r in expected) / len(found),
        "empty": sum(n == 0 for n in found),
    }
    log(
        f"  warm-up: {report.stats['candidates']:.1f} candidate stores a point"
        f" ({report.stats['capped']} points at the {capped_at()} cap,"
        f" {report.stats['empty']} with none),"
        f" {report.stats['complete']:.1f} with the whole cart"
    )
    if args.explain:
        dense = max(range(len(points)), key=lambda index: found[index])
        explain(statements[dense], points[dense])

    cursor = locator.raw_cursor()

    def run_sql(statement: str) -> list:
        cursor.execute(statement)
        return cursor.fetchall()

    agree = 0
    for index, (candidates_sql, availability_sql) in enumerate(statements):
        candidates = run_sql(candidates_sql)
        agree += [pk for pk, _ in candidates] == [
            s.store_id for s in sorted(expected[index], key=distance_order)
        ]
        run_sql(availability_sql)
    report.failures += len(points) - agree
    report.checks.append(
        f"raw candidates statement = the selector's stores on {agree}/{len(points)}"
        f" points: {locator.ok(agree == len(points))}"
    )

    unique_index, tables = stock_indexes()
    densest_index = densest(found)

    def explain_pair(index: int) -> Tuple[float, float]:
        """Return the execution and planning seconds of a point's two statements."""
        execution = planning = 0.0
        for position, statement in enumerate(statements[index]):
            cursor.execute(
                "EXPLAIN (ANALYZE, TIMING OFF, SUMMARY, FORMAT JSON) " + statement
            )
            (summary,) = cursor.fetchone()[0]
            execution += summary["Execution Time"] / 1000.0
            planning += summary["Planning Time"] / 1000.0
            if position == 1 and len(report.planning) < len(points):
                facts = plan_facts(summary, unique_index, tables)
                report.plans_on_index += facts.uses_unique_index
                if index == densest_index:
                    report.plan_facts = facts
        return execution, planning

    def selector_sweep() -> None:
        for point, lines in zip(points, cart_list):
            elapsed, _ = timed(lambda: selector_supply(point, lines))
            rows["selector"].samples.append(elapsed)

    def sql_sweep() -> None:
        for candidates_sql, availability_sql in statements:
            first, _ = timed(lambda: run_sql(candidates_sql))
            second, _ = timed(lambda: run_sql(availability_sql))
            rows["candidates"].samples.append(first)
            rows["availability"].samples.append(second)
            rows["sql"].samples.append(first + second)

    def server_sweep() -> None:
        for index in range(len(points)):
            execution, planning = explain_pair(index)
            rows["server"].samples.append(execution)
            report.planning.append(planning)

    # Each method sweeps every point in turn, so that none runs on pages another
    # method has just read for the same point; the order turns each pass.
    sweeps = [selector_sweep, sql_sweep, server_sweep]
    gc.collect()
    gc.disable()
    try:
        for index in range(plan.passes):
            turn = index % len(sweeps)
            for sweep in sweeps[turn:] + sweeps[:turn]:
                sweep()
        log(
            f"  stores_supplying, raw SQL and EXPLAIN ANALYZE: {plan.passes} passes"
            f" over the points, {len(rows['selector'].samples)} runs each"
        )
        # The same with the pages in shared buffers: each statement run twice.
        for index in range(len(points)):
            explain_pair(index)
            rows["cached"].samples.append(explain_pair(index)[0])
        log("  EXPLAIN ANALYZE, each statement run twice: the second timed")
    finally:
        gc.enable()
    report.checks.append(
        f"pickup_availability reads warehouse_stock through {unique_index} on"
        f" {report.plans_on_index}/{len(points)} points"
    )
    cursor.close()

    # The per-store check, on the first points; its answers against the selector's.
    stores = naive_stores()
    naive_supply(stores, points[0], cart_list[0])  # warm-up
    agree = 0
    gc.collect()
    gc.disable()
    try:
        for index in range(plan.naive_points):
            elapsed, result = timed(
                lambda: naive_supply(stores, points[index], cart_list[index])
            )
            rows["naive"].samples.append(elapsed)
            agree += same_ranking(expected[index], result)
    finally:
        gc.enable()
    report.failures += plan.naive_points - agree
    report.checks.append(
        f"per-store check ranks as stores_supplying (store IDs in order, short lines,"
        f" distances to 1e-6 km) on {agree}/{plan.naive_points} points:"
        f" {locator.ok(agree == plan.naive_points)}"
    )
    log(f"  per-store check: {plan.naive_points} points")
    return report


def capped_at() -> int:
    from saleor_o2o.store import availability

    return availability.MAX_SUPPLY_CANDIDATES


def densest(found: Sequence[int]) -> int:
    return max(range(len(found)), key=lambda index: found[index])


def distance_order(s) -> Tuple[float, int]:
    return (s.distance_km, s.store_id)


# Report ------------------------------------------------------------------------


def print_table(report: Report) -> None:
    plan, rows = report.plan, report.rows
    base = rows["selector"]
    print(
        f"\n  {plan.stores:,} stores x {plan.variants:,} variants"
        f" ({plan.stores * plan.variants:,} stock rows); {CART_LINES}-line carts,"
        f" radius {RADIUS_KM:g} km; {report.stats['candidates']:.1f} candidate"
        f" stores a point on average ({report.stats['capped']} of {plan.points}"
        f" points at the cap of {capped_at()})"
    )
    print(f"  {'method':<46} {'runs':>5} {'p50 ms':>9} {'p95 ms':>9}  p95 vs selector")
    for key, row in rows.items():
        if not row.samples:
            continue
        if key == "selector":
            note = "baseline"
        else:
            ratio = row.p95 / base.p95
            note = (
                f"{locator.times(ratio)} slower"
                if ratio >= 1
                else f"{locator.times(1 / ratio)} faster"
            )
        print(
            f"  {row.method:<46} {len(row.samples):>5} {row.p50:>9.3f}"
            f" {row.p95:>9.3f}  {note}"
        )
    print(
        "  planning in the server (both statements): p50"
        f" {locator.percentile(report.planning, 50) * 1000:.3f} ms, p95"
        f" {locator.percentile(report.planning, 95) * 1000:.3f} ms"
    )
    facts = report.plan_facts
    if facts is not None:
        print(
            "  pickup_availability at the densest point: warehouse_stock by"
            f" {', '.join(sorted(set(facts.stock_access)))} ({facts.stock_rows:,} rows"
            " read); warehouse_allocation by"
            f" {', '.join(sorted(set(facts.allocation_access))) or 'nothing'}"
        )
    for check in report.checks:
        print(f"  check: {check}")
    sys.stdout.flush()


def print_summary(report: Report, facts: Dict[str, str], command: str) -> None:
    plan, rows = report.plan, report.rows
    selector, server, naive = rows["selector"], rows["server"], rows["naive"]
    print("\nSummary")
    print("-------")
    print(f"    {command}")
    print()
    print(
        f"Stores within {RADIUS_KM:g} km that can supply a {CART_LINES}-line cart"
        f" (1-{MAX_LINE_QUANTITY} units a line), ranked: {plan.stores:,} stores with"
        f" stock for {plan.variants:,} variants each"
        f" ({plan.stores * plan.variants:,} stock rows), {plan.points} fixed points"
        f" near {len(locator.CITIES)} European cities,"
        f" {report.stats['candidates']:.0f} candidate stores a point on average;"
        f" {facts['postgres']}, {facts['python']}, {facts['cpu']}."
        " Latencies in ms, p50 / p95."
    )
    print()
    cells = [
        ("stores_supplying (ORM)", selector),
        ("2 statements, raw SQL", rows["sql"]),
        ("in the server", server),
        ("in the server, cached", rows["cached"]),
        (f"per-store check ({len(naive.samples)} points)", naive),
    ]
    titles = [title for title, _ in cells]
    texts = [f"{row.p50:,.2f} / {row.p95:,.2f}" for _, row in cells]
    texts[-1] += f" ({locator.times(naive.p95 / selector.p95)})"
    widths = [max(len(title), len(text)) for title, text in zip(titles, texts)]
    for line in (titles, texts):
        print("| " + " | ".join(f"{t:>{w}}" for t, w in zip(line, widths)) + " |")
        if line is titles:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    print(
        "(x) = p95 against stores_supplying's p95. Raw SQL: the selector's two"
        " statements as round trips on a psycopg2 cursor. In the server: their"
        " EXPLAIN ANALYZE execution times, planning not included"
        f" (p50 {locator.percentile(report.planning, 50) * 1000:.2f} ms); cached:"
        " each statement run twice, the second timed."
    )

    print("\nAims")
    print(
        f"  p95 <= 10 ms in the database: {locator.verdict(server.p95 <= 10.0)}"
        f" ({server.p95:.2f} ms execution; {rows['sql'].p95:.2f} ms as round trips)"
    )
    ratio = naive.p95 / selector.p95
    print(
        f"  >= 10x ahead of the per-store check: {locator.verdict(ratio >= 10)}"
        f" (p95 {locator.times(ratio)},"
        f" p50 {locator.times(naive.p50 / selector.p50)})"
    )
    on_index = report.plans_on_index == plan.points
    print(
        "  pickup_availability reads stock through the (warehouse, variant) index on"
        f" every point: {locator.verdict(on_index)}"
        f" ({report.plans_on_index}/{plan.points})"
    )
    print(
        "  correctness checks:",
        "all OK" if not report.failures else f"{report.failures} MISMATCHES",
    )


def command_line(argv: Optional[Sequence[str]]) -> str:
    args = list(sys.argv[1:] if argv is None else argv)
    script = os.path.abspath(__file__)
    return " ".join(["cd /tmp &&", sys.executable, script, *args])


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    plan = make_plan(args)
    url = database_url(args)
    locator.ensure_database(url)
    locator.setup_django(url)
    locator.migrate()
    refuse_foreign_data()
    locator.activate_plugin()
    facts = locator.server_facts()
    log(
        f"{plan.stores:,} stores x {plan.variants:,} variants;"
        f" database {urlparse(url).path.lstrip('/')}; {facts['postgres']}"
    )
    load_data(plan, args.rebuild)
    report = measure(plan, args)
    print_table(report)
    print_summary(report, facts, command_line(argv))
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
