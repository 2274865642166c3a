#!/usr/bin/env python
"""Store-locator benchmark: the indexed locator against full scans, and over HTTP.

For 10,000 and 100,000 stores (and 1,000,000 with ``--million``) this fills a database
of its own with stores and prints the p50/p95 latency of "the nearest 10 stores within
25 km", found four ways:

* the locator (``store.selectors.stores_near`` ordered by the index's key alone, a
  GiST KNN index scan, as ``stores(near:)`` runs it), through the ORM and as its SQL
  statement run on a raw cursor;
* the same search ordered by ``(distance_key, pk)`` in SQL, which rules the KNN scan
  out (PostgreSQL then sorts every store in the radius);
* one SQL statement computing the haversine distance of every row (Magento-style);
* a Python loop with geopy over every store, the stores loaded beforehand (untimed);

checks that the locator returns the stores the full scans return, then times the
``stores(near:)`` GraphQL query against ``{ shop { name } }`` on a real server.

Run it from outside the checkout: the checkout's top-level graphql/ folder would hide
the graphql-core library if the checkout root were on sys.path::

    cd /tmp && /work/main/.venv/bin/python /work/main/bench/locator.py [--quick]
"""

import argparse
import gc
import http.client
import io
import json
import math
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple
from urllib.parse import urlparse

CHECKOUT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Keep the checkout root off sys.path: its graphql/ folder shadows graphql-core.
sys.path[:] = [
    path for path in sys.path if os.path.abspath(path or os.getcwd()) != CHECKOUT_ROOT
]

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/saleor_o2o_bench"
DEMO_DATABASE_NAME = "saleor_o2o"
SETTINGS_MODULE = "saleor_o2o.sandbox.settings"
#: The lines with the ratios the benchmark is for, as regular expressions: every
#: run prints them, quick or full (tests/test_benchmarks.py runs it with --quick
#: and looks for each).
RATIO_LINES = (
    r"^  locator \(ORM\) .* \S+x (slower|faster)$",
    r"^  stores_near ordered by \(distance_key, pk\), SQL .* \S+x (slower|faster)$",
    r"^  SQL haversine scan, every row .* \S+x (slower|faster)$",
    r"^  Python loop, geopy great_circle, every store .* \S+x (slower|faster)$",
    r"^  Python loop, geopy geodesic, every store .* \S+x (slower|faster)$",
    r"^  stores / shop: p50 \S+x, p95 \S+x$",
    r"^  >= 20x ahead of the full SQL scan at \S+: (met|NOT met) \(\S+x\)$",
    r"^  stores\(near:\) within 1.3x of .*: (met|NOT met) \(p50 \S+x, p95 \S+x\)$",
)

#: Marks every row the benchmark writes, so that it never touches anything else.
SLUG_PREFIX = "bench-"
ADDRESS_MARK = "saleor-o2o bench"

RADIUS_KM = 25.0
FIRST = 10
STORE_SEED = 20101
POINT_SEED = 4242
#: Share of stores (and of query points) gathered around the cities below.
STORE_CLUSTER_SHARE = 0.7
POINT_CLUSTER_SHARE = 0.75
KM_PER_DEGREE = 111.195
#: South, north, west, east: mainland Europe and the British Isles, roughly.
BOX = (36.0, 60.0, -9.5, 30.0)
#: Name, latitude, longitude, weight (how many stores it draws, and how far they
#: spread: a standard deviation of 8 + 4 * weight km).
CITIES = [
    ("Paris", 48.8566, 2.3522, 3),
    ("London", 51.5074, -0.1278, 3),
    ("Berlin", 52.5200, 13.4050, 3),
    ("Madrid", 40.4168, -3.7038, 3),
    ("Rome", 41.9028, 12.4964, 2),
    ("Milan", 45.4642, 9.1900, 2),
    ("Barcelona", 41.3874, 2.1686, 2),
    ("Munich", 48.1351, 11.5820, 2),
    ("Hamburg", 53.5511, 9.9937, 2),
    ("Vienna", 48.2082, 16.3738, 2),
    ("Warsaw", 52.2297, 21.0122, 2),
    ("Budapest", 47.4979, 19.0402, 2),
    ("Prague", 50.0755, 14.4378, 2),
    ("Amsterdam", 52.3676, 4.9041, 2),
    ("Brussels", 50.8503, 4.3517, 2),
    ("Lyon", 45.7640, 4.8357, 1),
    ("Marseille", 43.2965, 5.3698, 1),
    ("Lisbon", 38.7223, -9.1393, 1),
    ("Dublin", 53.3498, -6.2603, 1),
    ("Copenhagen", 55.6761, 12.5683, 1),
    ("Stockholm", 59.3293, 18.0686, 1),
    ("Zurich", 47.3769, 8.5417, 1),
    ("Frankfurt", 50.1109, 8.6821, 1),
    ("Cologne", 50.9375, 6.9603, 1),
    ("Manchester", 53.4808, -2.2426, 1),
    ("Birmingham", 52.4862, -1.8904, 1),
    ("Naples", 40.8518, 14.2681, 1),
    ("Turin", 45.0703, 7.6869, 1),
    ("Bucharest", 44.4268, 26.1025, 1),
    ("Porto", 41.1579, -8.6291, 1),
    ("Seville", 37.3891, -5.9845, 1),
    ("Valencia", 39.4699, -0.3763, 1),
    ("Toulouse", 43.6047, 1.4442, 1),
    ("Bordeaux", 44.8378, -0.5792, 1),
    ("Lille", 50.6292, 3.0573, 1),
    ("Rotterdam", 51.9244, 4.4777, 1),
    ("Krakow", 50.0647, 19.9450, 1),
    ("Oslo", 59.9139, 10.7522, 1),
]

OPENING_HOURS = json.dumps(
    [
        {"weekday": day, "opens": "09:00", "closes": "19:00", "closes_next_day": False}
        for day in range(6)
    ]
)

#: Every row's haversine distance, filtered, sorted: the full scan (Magento-style).
HAVERSINE_SCAN_SQL = """
SELECT id, distance_km FROM (
    SELECT id, 2 * %(earth_radius)s * asin(least(1.0, sqrt(
        power(sin(radians(latitude - %(lat)s) / 2), 2)
        + cos(radians(%(lat)s)) * cos(radians(latitude))
        * power(sin(radians(longitude - %(lng)s) / 2), 2)
    ))) AS distance_km
    FROM saleor_o2o_store
    WHERE is_active AND latitude IS NOT NULL AND longitude IS NOT NULL
) AS scanned
WHERE distance_km <= %(radius)s
ORDER BY distance_km, id
LIMIT %(first)s
"""

SHOP_QUERY = "{ shop { name } }"
STORES_QUERY = (
    "query Near($lat: Float!, $lng: Float!) {"
    " stores(near: {latitude: $lat, longitude: $lng}, radiusKm: %s, first: %s)"
    " { edges { node { id name distanceKm } } } }" % (RADIUS_KM, FIRST)
)

Result = List[Tuple[int, float]]
ROW_FIELDS = ("pk", "distance_key", "distance_km")

_START = time.perf_counter()


def log(message: str) -> None:
    print(f"[{time.perf_counter() - _START:7.1f}s] {message}", flush=True)


@dataclass(frozen=True)
class Plan:
    """How many times each method runs at one size."""

    size: int
    locator_passes: int
    scan_points: int
    python_runs: int
    geodesic_runs: int
    http_rounds: int = 0


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark the store locator against full scans and over HTTP."
    )
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument(
        "--quick", action="store_true", help="2,000 stores and few runs: a smoke test"
    )
    parser.add_argument(
        "--million",
        action="store_true",
        help="also 1,000,000 stores (locator and SQL scan only)",
    )
    parser.add_argument(
        "--sizes", help="comma-separated store counts instead of 10000,100000"
    )
    parser.add_argument(
        "--explain", action="store_true", help="print the query plans at each size"
    )
    parser.add_argument("--points", type=int, help="query points (default 200)")
    parser.add_argument(
        "--http-rounds", type=int, help="timed HTTP rounds (default 300)"
    )
    parser.add_argument(
        "--no-http", action="store_true", help="skip the HTTP measurement"
    )
    return parser.parse_args(argv)


def make_plans(args: argparse.Namespace) -> List[Plan]:
    if args.sizes:
        sizes = [int(size.replace("_", "")) for size in args.sizes.split(",")]
    elif args.quick:
        sizes = [2000]
    else:
        sizes = [10_000, 100_000]
    if args.million and 1_000_000 not in sizes:
        sizes.append(1_000_000)
    sizes.sort()
    http_size = max((size for size in sizes if size < 1_000_000), default=None)
    http_rounds = args.http_rounds or (60 if args.quick else 300)
    plans = []
    for size in sizes:
        if args.quick:
            plan = Plan(size, 2, 50, 5, 2)
        elif size >= 1_000_000:
            # The Python loop would take minutes a query: the database methods only.
            plan = Plan(size, 5, 50, 0, 0)
        else:
            plan = Plan(size, 5, 200, 10 if size > 20_000 else 20, 3)
        if size == http_size and not args.no_http:
            plan = Plan(**{**plan.__dict__, "http_rounds": http_rounds})
        plans.append(plan)
    return plans


# Points ------------------------------------------------------------------------


def _near(rng: random.Random, lat: float, lng: float, sigma_km: float):
    lat += rng.gauss(0.0, sigma_km) / KM_PER_DEGREE
    lng += rng.gauss(0.0, sigma_km) / (KM_PER_DEGREE * math.cos(math.radians(lat)))
    return round(lat, 6), round(lng, 6)


def _anywhere(rng: random.Random):
    south, north, west, east = BOX
    return round(rng.uniform(south, north), 6), round(rng.uniform(west, east), 6)


def store_coordinates(count: int) -> List[Tuple[float, float]]:
    """Return `count` store locations, the same ones on every run."""
    rng = random.Random(STORE_SEED)
    weights = [city[3] for city in CITIES]
    points = []
    for _ in range(count):
        if rng.random() < STORE_CLUSTER_SHARE:
            _name, lat, lng, weight = rng.choices(CITIES, weights)[0]
            points.append(_near(rng, lat, lng, 8.0 + 4.0 * weight))
        else:
            points.append(_anywhere(rng))
    return points


def query_points(count: int):
    """Return `count` search points: most near a city, the rest anywhere."""
    from saleor_o2o.core.geo import Point

    rng = random.Random(POINT_SEED)
    points = []
    for _ in range(count):
        if rng.random() < POINT_CLUSTER_SHARE:
            _name, lat, lng, _weight = rng.choice(CITIES)
            lat, lng = _near(rng, lat, lng, 10.0)
        else:
            lat, lng = _anywhere(rng)
        points.append(Point(latitude=lat, longitude=lng))
    return points


# Database ----------------------------------------------------------------------


def ensure_database(url: str) -> None:
    """Create the benchmark's database if it does not exist yet."""
    import psycopg2
    from psycopg2 import sql

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    if not name:
        raise SystemExit(f"--database-url names no database: {url}")
    if name == DEMO_DATABASE_NAME:
        raise SystemExit(
            f"Refusing to fill the demo database {name!r} with benchmark stores."
        )
    admin = psycopg2.connect(
        dbname="postgres",
        user=parts.username,
        password=parts.password,
        host=parts.hostname,
        port=parts.port,
    )
    try:
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                log(f"creating database {name}")
                cursor.execute(
                    sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
                )
    finally:
        admin.close()


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    # DEBUG would record every query the ORM runs, which the ORM timings would pay.
    os.environ["DEBUG"] = "False"
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    os.environ.setdefault("ALLOWED_CLIENT_HOSTS", "localhost")

    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        log(f"migrating ({len(pending)} migrations; slow the first time)")
        call_command("migrate", verbosity=0, interactive=False)
        log("migrated")


def refuse_foreign_data() -> None:
    """Stop unless every store and warehouse in the database is the benchmark's."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM saleor_o2o_store WHERE slug NOT LIKE %s),"
            " (SELECT count(*) FROM warehouse_warehouse WHERE slug NOT LIKE %s)",
            [SLUG_PREFIX + "%", SLUG_PREFIX + "%"],
        )
        stores, warehouses = cursor.fetchone()
    if stores or warehouses:
        raise SystemExit(
            f"The database holds {stores} stores and {warehouses} warehouses the "
            "benchmark did not create; give it a database of its own (--database-url)."
        )


def activate_plugin() -> None:
    """Switch the O2O plugin on, with geocoding off."""
    from saleor.plugins.models import PluginConfiguration

    from saleor_o2o.core import settings as conf
    from saleor_o2o.plugin import O2OPlugin

    values = {
        conf.DEFAULT_RADIUS_KM: "25",
        conf.MAX_RADIUS_KM: "500",
        conf.GEOCODER_PROVIDER: "none",
        conf.GEOCODER_USER_AGENT: "bench",
    }
    items = [
        {"name": item["name"], "value": values.get(item["name"], item["value"])}
        for item in conf.DEFAULT_CONFIGURATION
    ]
    PluginConfiguration.objects.update_or_create(
        identifier=conf.PLUGIN_ID,
        defaults={
            "name": O2OPlugin.PLUGIN_NAME,
            "description": "",
            "active": True,
            "configuration": items,
        },
    )
    settings = conf.get_o2o_settings()
    if not settings.active:
        raise RuntimeError("The O2O plugin did not switch on.")


def load_stores(count: int) -> None:
    """Replace the benchmark's stores with `count` new ones (addresses, warehouses)."""
    from django.db import connection, transaction

    coordinates = store_coordinates(count)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), COALESCE(sum(latitude), 0), COALESCE(sum(longitude), 0)"
            " FROM saleor_o2o_store"
        )
        loaded, lat_sum, lng_sum = cursor.fetchone()
    if (
        loaded == count
        and math.isclose(lat_sum, math.fsum(lat for lat, _ in coordinates))
        and math.isclose(lng_sum, math.fsum(lng for _, lng in coordinates))
    ):
        log(f"  reusing the {count:,} stores a previous run loaded")
        return

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        # Only the benchmark's rows are here (see refuse_foreign_data): stock and
        # the rest that hang off warehouses are empty or the benchmark's own.
        cursor.execute(
            "TRUNCATE saleor_o2o_store, warehouse_warehouse RESTART IDENTITY CASCADE"
        )
        cursor.execute(
            "DELETE FROM account_address WHERE company_name = %s", [ADDRESS_MARK]
        )
    log(f"  cleared old stores ({time.perf_counter() - started:.1f}s)")

    started = time.perf_counter()
    insert_stores(coordinates)
    log(f"  inserted {count:,} stores ({time.perf_counter() - started:.1f}s)")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for table in ("account_address", "warehouse_warehouse", "saleor_o2o_store"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    log(f"  vacuumed and analysed ({time.perf_counter() - started:.1f}s)")


def insert_stores(
    coordinates: Sequence[Tuple[float, float]],
    store_values: Optional[Dict[str, str]] = None,
) -> None:
    """Insert a store, with its address and warehouse, at each of `coordinates`.

    The stores are numbered from 1 (``n``, with ``latitude`` and ``longitude``, in
    the temporary table ``bench_point``). `store_values` maps store fields to SQL
    expressions over that table, replacing the values below or the defaults.
    PostgreSQL derives ``location`` from latitude and longitude.
    """
    from django.apps import apps
    from django.db import connection, transaction

    address = apps.get_model("account", "Address")
    warehouse = apps.get_model("warehouse", "Warehouse")
    store = apps.get_model("saleor_o2o", "Store")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_point (n integer PRIMARY KEY,"
            " latitude double precision, longitude double precision) ON COMMIT DROP"
        )
        rows = io.StringIO(
            "".join(
                f"{n}\t{lat!r}\t{lng!r}\n"
                for n, (lat, lng) in enumerate(coordinates, start=1)
            )
        )
        cursor.copy_from(rows, "bench_point", columns=("n", "latitude", "longitude"))
        cursor.execute("LOCK TABLE account_address IN EXCLUSIVE MODE")
        cursor.execute("SELECT COALESCE(max(id), 0) FROM account_address")
        (base,) = cursor.fetchone()
        params = {"base": base, "mark": ADDRESS_MARK, "prefix": SLUG_PREFIX}
        source = "FROM bench_point ORDER BY n"
        insert_select(
            cursor,
            address,
            {
                "id": "%(base)s + n",
                "company_name": "%(mark)s",
                "street_address_1": "n || ' Bench Street'",
                "city": "'City ' || (n %% 997)",
                "postal_code": "lpad((n %% 100000)::text, 5, '0')",
                "country": "'FR'",
            },
            source,
            params,
        )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('account_address', 'id'), %s)",
            [base + len(coordinates)],
        )
        insert_select(
            cursor,
            warehouse,
            {
                "id": "md5(%(prefix)s || n)::uuid",
                "name": "'Bench store ' || n",
                "slug": "%(prefix)s || n",
                "address": "%(base)s + n",
            },
            source,
            params,
        )
        insert_select(
            cursor,
            store,
            {
                "warehouse": "md5(%(prefix)s || n)::uuid",
                "name": "'Bench store ' || n",
                "slug": "%(prefix)s || n",
                "email": "'store' || n || '@bench.example'",
                "latitude": "latitude",
                "longitude": "longitude",
                "timezone": "'Europe/Paris'",
                "opening_hours": "%(hours)s::jsonb",
                "is_click_and_collect": "true",
                "is_curbside": "n %% 3 = 0",
                "pickup_safety_stock": "0",
                "is_active": "true",
                "geocoding_status": "'manual'",
                **(store_values or {}),
            },
            source,
            {**params, "hours": OPENING_HOURS},
        )


def insert_select(
    cursor, model, values: Dict[str, str], source: str, params: dict
) -> int:
    """Insert into `model`'s table the rows of ``SELECT <values> <source>``.

    `values` maps fields to SQL expressions, with `params` as ``%(name)s`` (and
    ``%%`` for ``%``). Every other column gets what the ORM would write for a new
    instance: its default (one value for every row), now for ``auto_now``, or
    NULL. So a column added later with a default needs no change here; one that
    must be given stops the benchmark, naming it. Return the number of rows.
    """
    from django.db import connection

    meta = model._meta
    columns = {meta.get_field(name).column: sql for name, sql in values.items()}
    blank = model()
    for field in meta.concrete_fields:
        if field.column in columns or field is meta.auto_field:
            continue
        value = field.get_db_prep_save(field.pre_save(blank, add=True), connection)
        if value is None and not field.null:
            raise SystemExit(
                f"{meta.db_table}.{field.column} has no default: the benchmark"
                " must give it a value."
            )
        literal = cursor.mogrify("%s", [value]).decode()
        columns[field.column] = literal.replace("%", "%%")
    quote = connection.ops.quote_name
    cursor.execute(
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(map(quote, columns))})"
        f" SELECT {', '.join(columns.values())} {source}",
        params,
    )
    return cursor.rowcount


def server_facts() -> Dict[str, str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (version,) = cursor.fetchone()
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "postgres": f"PostgreSQL {version.split()[0]}",
        "cpu": f"{cpu}, {os.cpu_count()} CPUs",
        "python": f"Python {platform.python_version()}",
    }


# Methods -----------------------------------------------------------------------


def near_queryset(point):
    """`store.selectors.stores_near` over the stores a shopper sees."""
    from saleor_o2o.store import selectors

    return selectors.stores_near(
        queryset=selectors.stores_visible_to(can_manage=False),
        point=point,
        radius_km=RADIUS_KM,
    )


def locator_queryset(point):
    """The statement behind `stores(near:, first: 10)`.

    As graphql/store/schema.py runs it: ordered by the index's key alone, so that
    PostgreSQL walks the index nearest first (a KNN scan) and stops after the page,
    with one row more than the page to tell whether another page follows.
    """
    return (
        near_queryset(point)
        .order_by("distance_key")[: FIRST + 1]
        .values_list(*ROW_FIELDS)
    )


def two_key_queryset(point):
    """The same search ordered by (distance_key, pk) in SQL: no KNN scan."""
    return (
        near_queryset(point)
        .order_by("distance_key", "pk")[:FIRST]
        .values_list(*ROW_FIELDS)
    )


def first_page(rows: Sequence[tuple]) -> Result:
    """Return the page from (pk, distance_key, distance_km) rows: ties by pk."""
    ordered = sorted(rows, key=lambda row: (row[1], row[0]))
    return [(pk, km) for pk, _key, km in ordered[:FIRST]]


def locator_nearest(point) -> Result:
    """Return the locator's first page through the ORM, as `stores(near:)` does.

    Stores at exactly the page's last distance are fetched whole, so that those
    tied are ordered by pk.
    """
    rows = list(locator_queryset(point))
    if len(rows) > FIRST and rows[FIRST][1] == rows[FIRST - 1][1]:
        tied = near_queryset(point).filter(distance_key=rows[FIRST][1])
        by_pk = {row[0]: row for row in [*rows, *tied.values_list(*ROW_FIELDS)]}
        rows = list(by_pk.values())
    return first_page(rows)


def raw_cursor():
    from django.db import connection

    connection.ensure_connection()
    return connection.connection.cursor()


def scan_params(point) -> Dict[str, float]:
    from saleor_o2o.core.geo import EARTH_RADIUS_KM

    return {
        "earth_radius": EARTH_RADIUS_KM,
        "lat": point.latitude,
        "lng": point.longitude,
        "radius": RADIUS_KM,
        "first": FIRST,
    }


def python_nearest(stores, point, distance: Callable) -> Result:
    origin = (point.latitude, point.longitude)
    found = []
    for pk, lat, lng in stores:
        km = distance(origin, (lat, lng)).km
        if km <= RADIUS_KM:
            found.append((km, pk))
    found.sort()
    return [(pk, km) for km, pk in found[:FIRST]]


def timed(run: Callable[[], Result]) -> Tuple[float, Result]:
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def same_stores(a: Result, b: Result, tolerance_km: float) -> bool:
    """Return whether two nearest-first results agree, stores tied at the end aside."""
    if len(a) != len(b):
        return False
    if any(abs(da - db) > tolerance_km for (_, da), (_, db) in zip(a, b)):
        return False
    if not a:
        return True
    last = a[-1][1]
    inside_a = {pk for pk, km in a if km < last - tolerance_km}
    inside_b = {pk for pk, km in b if km < last - tolerance_km}
    return inside_a == inside_b


def percentile(samples: Sequence[float], q: float) -> float:
    ordered = sorted(samples)
    rank = (len(ordered) - 1) * q / 100.0
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class Row:
    method: str
    samples: List[float]

    @property
    def p50(self) -> float:
        return percentile(self.samples, 50) * 1000.0

    @property
    def p95(self) -> float:
        return percentile(self.samples, 95) * 1000.0


@dataclass
class SizeReport:
    plan: Plan
    rows: Dict[str, Row]
    checks: List[str]
    failures: int
    found_mean: float
    server: Dict[str, List[float]]
    http: Optional[Dict[str, Row]] = None


def explain(point) -> None:
    cursor = raw_cursor()
    statements = [
        ("locator", *locator_queryset(point).query.sql_with_params()),
        ("(distance_key, pk) order", *two_key_queryset(point).query.sql_with_params()),
        ("haversine scan", HAVERSINE_SCAN_SQL, scan_params(point)),
    ]
    for label, sql, params in statements:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        print(
            f"  EXPLAIN ANALYZE, {label}, near ({point.latitude}, {point.longitude}):"
        )
        for (line,) in cursor.fetchall():
            print("    " + line)
    cursor.close()


def explain_points(points) -> list:
    """Return a query point in a city and one far from every city."""
    from saleor_o2o.core.geo import Point, great_circle_km

    def to_city(point) -> float:
        return min(
            great_circle_km(point, Point(latitude=lat, longitude=lng))
            for _name, lat, lng, _weight in CITIES
        )

    dense = min(points, key=to_city)
    sparse = max(points, key=to_city)
    return [dense, sparse]


def measure_size(plan: Plan, points, args) -> SizeReport:
    from geopy.distance import geodesic, great_circle

    from saleor_o2o.store.models import Store

    cursor = raw_cursor()
    statements = [locator_queryset(point).query.sql_with_params() for point in points]
    two_key = [two_key_queryset(point).query.sql_with_params() for point in points]

    def orm(point) -> Callable[[], Result]:
        return lambda: locator_nearest(point)

    def sql(statement) -> Callable[[], Result]:
        def run() -> Result:
            cursor.execute(*statement)
            return first_page(cursor.fetchall())

        return run

    def scan(point) -> Callable[[], Result]:
        params = scan_params(point)

        def run() -> Result:
            cursor.execute(HAVERSINE_SCAN_SQL, params)
            return cursor.fetchall()

        return run

    if args.explain:
        for point in explain_points(points):
            explain(point)

    rows = {
        "orm": Row("locator (ORM)", []),
        "sql": Row("locator (SQL)", []),
        "two_key": Row("stores_near ordered by (distance_key, pk), SQL", []),
        "scan": Row("SQL haversine scan, every row (Magento-style)", []),
        "great_circle": Row("Python loop, geopy great_circle, every store", []),
        "geodesic": Row("Python loop, geopy geodesic, every store", []),
    }
    checks = []
    failures = 0
    server: Dict[str, List[float]] = {"planning": [], "execution": []}

    gc.collect()
    gc.disable()
    try:
        # Locator: a warm-up pass, then ORM and SQL interleaved point by point.
        expected = [orm(point)() for point in points]
        for statement in statements:
            sql(statement)()
        for _ in range(plan.locator_passes):
            for point, statement in zip(points, statements):
                elapsed, _ = timed(orm(point))
                rows["orm"].samples.append(elapsed)
                elapsed, _ = timed(sql(statement))
                rows["sql"].samples.append(elapsed)
        log(f"  locator: {len(rows['sql'].samples)} runs each, ORM and SQL")

        # Where the locator's time goes, as the server sees it.
        for index in range(min(len(points), 50)):
            sql_text, params = statements[index]
            cursor.execute(
                "EXPLAIN (ANALYZE, TIMING OFF, SUMMARY, FORMAT JSON) " + sql_text,
                params,
            )
            (summary,) = cursor.fetchone()[0]
            server["planning"].append(summary["Planning Time"] / 1000.0)
            server["execution"].append(summary["Execution Time"] / 1000.0)

        # The full SQL scan: a warm-up pass that also checks the locator's answers,
        # then the scan and the two-key order interleaved.
        scan_points = points[: plan.scan_points]
        agree = agree_two_key = 0
        for index, point in enumerate(scan_points):
            scanned = scan(point)()
            agree += same_stores(expected[index], scanned, 1e-6)
            agree_two_key += same_stores(sql(two_key[index])(), scanned, 1e-6)
        failures += 2 * len(scan_points) - agree - agree_two_key
        checks.append(
            f"locator = haversine scan on {agree}/{len(scan_points)} points"
            f" (distances to 1e-6 km): {ok(agree == len(scan_points))}"
        )
        checks.append(
            f"(distance_key, pk) order = haversine scan on {agree_two_key}"
            f"/{len(scan_points)} points: {ok(agree_two_key == len(scan_points))}"
        )
        for index, point in enumerate(scan_points):
            elapsed, _ = timed(scan(point))
            rows["scan"].samples.append(elapsed)
            elapsed, _ = timed(sql(two_key[index]))
            rows["two_key"].samples.append(elapsed)
        log(f"  haversine scan and two-key order: {len(scan_points)} runs each")
    finally:
        gc.enable()

    if plan.python_runs or plan.geodesic_runs:
        stores = list(
            Store.objects.active()
            .with_coordinates()
            .values_list("pk", "latitude", "longitude")
        )
        gc.collect()
        gc.disable()
        try:
            for key, distance, runs in (
                ("great_circle", great_circle, plan.python_runs),
                ("geodesic", geodesic, plan.geodesic_runs),
            ):
                if not runs:
                    continue
                python_nearest(stores, points[0], distance)  # warm-up
                agree = 0
                for index, point in enumerate(points[:runs]):
                    elapsed, found = timed(
                        lambda: python_nearest(stores, point, distance)
                    )
                    rows[key].samples.append(elapsed)
                    if key == "great_circle":
                        # geopy's sphere is 6371.009 km, ours 6371.0088 km.
                        agree += same_stores(expected[index], found, 1e-5)
                    else:
                        agree += {pk for pk, _ in expected[index]} == {
                            pk for pk, _ in found
                        }
                if key == "great_circle":
                    failures += runs - agree
                    checks.append(
                        f"locator = Python loop ({key}) on {agree}/{runs} points:"
                        f" {ok(agree == runs)}"
                    )
                else:
                    # The ellipsoid ranks stores near the radius a little differently.
                    checks.append(
                        f"Python loop ({key}) finds the same stores on {agree}/{runs}"
                        " points (distances differ: it measures on the WGS84 ellipsoid,"
                        " the locator on a sphere)"
                    )
                log(f"  Python loop, {key}: {runs} runs")
        finally:
            gc.enable()

    cursor.close()
    found_mean = sum(len(result) for result in expected) / len(expected)
    rows = {key: row for key, row in rows.items() if row.samples}
    return SizeReport(plan, rows, checks, failures, found_mean, server)


# HTTP --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def post_graphql(port: int, query: str, variables=None) -> Tuple[float, dict]:
    """POST one query on a fresh connection; return the seconds it took and the JSON."""
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(
            "POST", "/graphql/", body, headers={"Content-Type": "application/json"}
        )
        response = conn.getresponse()
        payload = response.read()
    finally:
        conn.close()
    elapsed = time.perf_counter() - started
    if response.status != 200:
        raise RuntimeError(f"HTTP {response.status}: {payload[:500]!r}")
    data = json.loads(payload)
    if data.get("errors"):
        raise RuntimeError(f"GraphQL errors: {data['errors']}")
    return elapsed, data


def stores_from_response(data: dict) -> Result:
    import graphene

    result = []
    for edge in data["data"]["stores"]["edges"]:
        _type, pk = graphene.Node.from_global_id(edge["node"]["id"])
        result.append((int(pk), edge["node"]["distanceKm"]))
    return result


def measure_http(url: str, points, rounds: int) -> Tuple[Dict[str, Row], str, int]:
    port = free_port()
    admin = os.path.join(os.path.dirname(sys.executable), "django-admin")
    command = [admin] if os.path.exists(admin) else [sys.executable, "-m", "django"]
    command += ["runserver", f"127.0.0.1:{port}", "--noreload", "--nothreading"]
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE=os.environ["DJANGO_SETTINGS_MODULE"],
        DATABASE_URL=url,
        DEBUG="False",
    )
    server_log = tempfile.NamedTemporaryFile(
        prefix="o2o-bench-server-", suffix=".log", delete=False
    )
    log(f"  starting runserver on port {port} (log: {server_log.name})")
    finished = False
    server = subprocess.Popen(
        command,
        cwd=tempfile.gettempdir(),
        env=env,
        stdout=server_log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            if server.poll() is not None:
                raise RuntimeError(
                    f"runserver exited with {server.returncode}; see {server_log.name}"
                )
            try:
                _, shop = post_graphql(port, SHOP_QUERY)
                break
            except (OSError, http.client.HTTPException):
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"runserver did not answer; see {server_log.name}"
                    )
                time.sleep(0.2)
        log(f"  server answers; shop name {shop['data']['shop']['name']!r}")

        # Warm-up, checking the answers against the locator's.
        agree = 0
        for point in points:
            _, data = post_graphql(port, STORES_QUERY, _point_variables(point))
            found = stores_from_response(data)
            agree += same_stores(locator_nearest(point), found, 1e-9)
            post_graphql(port, SHOP_QUERY)
        check = (
            f"stores(near:) = locator on {agree}/{len(points)} points:"
            f" {ok(agree == len(points))}"
        )

        rows = {
            "shop": Row("{ shop { name } }", []),
            "stores": Row(f"stores(near:, radiusKm: 25, first: {FIRST})", []),
        }
        gc.collect()
        gc.disable()
        try:
            for index in range(rounds):
                point = points[index % len(points)]
                pair = [
                    ("shop", SHOP_QUERY, None),
                    ("stores", STORES_QUERY, _point_variables(point)),
                ]
                # Alternate which goes first, so that noise hits both alike.
                for key, query, variables in pair if index % 2 else pair[::-1]:
                    elapsed, _ = post_graphql(port, query, variables)
                    rows[key].samples.append(elapsed)
        finally:
            gc.enable()
        log(f"  HTTP: {rounds} interleaved rounds")
        finished = True
        return rows, check, len(points) - agree
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        server_log.close()
        if finished:
            os.unlink(server_log.name)


def _point_variables(point) -> Dict[str, float]:
    return {"lat": point.latitude, "lng": point.longitude}


# Report ------------------------------------------------------------------------


def print_size_table(report: SizeReport) -> None:
    base = report.rows["sql"].p95
    print(
        f"\n  {report.plan.size:,} stores, nearest {FIRST} within {RADIUS_KM:g} km;"
        f" {report.found_mean:.1f} stores found on average"
    )
    print(
        f"  {'method':<48} {'runs':>5} {'p50 ms':>9} {'p95 ms':>9}  p95 vs locator SQL"
    )
    for key, row in report.rows.items():
        ratio = row.p95 / base
        if key == "sql":
            note = "baseline"
        elif ratio >= 1:
            note = f"{ratio:,.1f}x slower"
        else:
            note = f"{1 / ratio:,.1f}x faster"
        print(
            f"  {row.method:<48} {len(row.samples):>5} {row.p50:>9.3f}"
            f" {row.p95:>9.3f}  {note}"
        )
    planning, execution = report.server["planning"], report.server["execution"]
    print(
        f"  locator (SQL) inside the server, {len(planning)} points (EXPLAIN ANALYZE):"
        f" planning p50 {percentile(planning, 50) * 1000:.3f} ms, execution p50/p95"
        f" {percentile(execution, 50) * 1000:.3f} /"
        f" {percentile(execution, 95) * 1000:.3f} ms"
    )
    for check in report.checks:
        print(f"  check: {check}")
    if report.http:
        shop, stores = report.http["shop"], report.http["stores"]
        print(
            f"\n  HTTP at {report.plan.size:,} stores"
            " (runserver, a new connection a request)"
        )
        print(f"  {'query':<48} {'runs':>5} {'p50 ms':>9} {'p95 ms':>9}")
        for row in (shop, stores):
            print(
                f"  {row.method:<48} {len(row.samples):>5}"
                f" {row.p50:>9.3f} {row.p95:>9.3f}"
            )
        print(
            f"  stores / shop: p50 {stores.p50 / shop.p50:.2f}x,"
            f" p95 {stores.p95 / shop.p95:.2f}x"
        )
    sys.stdout.flush()


def ok(passed: bool) -> str:
    return "OK" if passed else "MISMATCH"


def times(ratio: float) -> str:
    return f"{ratio:.1f}x" if ratio < 10 else f"{ratio:,.0f}x"


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def print_summary(
    reports: List[SizeReport], facts: Dict[str, str], points: int
) -> None:
    print("\nSummary")
    print("-------")
    print(
        f"Nearest {FIRST} stores within {RADIUS_KM:g} km, {points} fixed query points"
        f" ({POINT_CLUSTER_SHARE:.0%} near {len(CITIES)} European cities, the rest"
        f" anywhere in Europe); {facts['postgres']},"
        f" {facts['python']}, {facts['cpu']}. Latencies in ms, p50 / p95; the SQL"
        " timings are round trips on a raw psycopg2 cursor over localhost TCP."
    )
    print()
    header = (
        f"| {'stores':>9} | {'locator SQL':>13} | {'locator ORM':>13} |"
        f" {'ORDER BY key, pk':>22} | {'SQL haversine scan':>22} |"
        f" {'Python geopy loop':>24} |"
    )
    print(header)
    print("|" + "|".join("-" * (len(cell)) for cell in header.split("|")[1:-1]) + "|")
    for report in reports:
        rows, base = report.rows, report.rows["sql"].p95

        def cell(key: str, with_ratio: bool = True) -> str:
            row = rows.get(key)
            if row is None:
                return "not run"
            text = f"{row.p50:.2f} / {row.p95:.2f}"
            if with_ratio:
                text += f" ({times(row.p95 / base)})"
            return text

        print(
            f"| {report.plan.size:>9,} | {cell('sql', False):>13} |"
            f" {cell('orm', False):>13} | {cell('two_key'):>22} |"
            f" {cell('scan'):>22} | {cell('great_circle'):>24} |"
        )
    print(
        "(x) = p95 against the locator's SQL p95. Locator: stores_near ordered by"
        " the index key alone (a KNN scan), LIMIT 11, as stores(near:, first: 10)"
        " runs it; ORDER BY key, pk: the same search with the pk tie-break in SQL,"
        " which rules the KNN scan out."
    )
    for report in reports:
        if "geodesic" in report.rows:
            row = report.rows["geodesic"]
            print(
                f"geopy geodesic loop at {report.plan.size:,} stores:"
                f" {row.p50:,.0f} / {row.p95:,.0f} ms ({len(row.samples)} runs)."
            )
    http_report = next((report for report in reports if report.http), None)
    if http_report:
        shop, stores = http_report.http["shop"], http_report.http["stores"]
        print(
            f"HTTP at {http_report.plan.size:,} stores (django runserver, DEBUG off, a"
            f" new connection a request, {len(shop.samples)} interleaved rounds):"
            f" {{ shop {{ name }} }} {shop.p50:.2f} / {shop.p95:.2f} ms,"
            f" stores(near:) {stores.p50:.2f} / {stores.p95:.2f} ms,"
            f" ratio {stores.p50 / shop.p50:.2f}x / {stores.p95 / shop.p95:.2f}x."
        )

    print("\nAims")
    by_size = {report.plan.size: report for report in reports}
    main = by_size.get(100_000)
    if main is None:
        main = max(
            (report for report in reports if report.plan.size < 1_000_000),
            key=lambda report: report.plan.size,
            default=None,
        )
        if main is not None:
            print(
                f"  (100,000 stores not measured; aims checked at {main.plan.size:,})"
            )
    if main is not None:
        p95 = main.rows["sql"].p95
        print(
            f"  locator p95 <= 1 ms at {main.plan.size:,} stores:"
            f" {verdict(p95 <= 1.0)} ({p95:.3f} ms)"
        )
        scan_ratio = main.rows["scan"].p95 / p95
        print(
            f"  >= 20x ahead of the full SQL scan at {main.plan.size:,}:"
            f" {verdict(scan_ratio >= 20)} ({scan_ratio:,.1f}x)"
        )
    million = by_size.get(1_000_000)
    if million is not None:
        p95 = million.rows["sql"].p95
        print(
            f"  locator p95 < 3 ms at 1,000,000 stores: {verdict(p95 < 3.0)}"
            f" ({p95:.3f} ms; {million.rows['scan'].p95 / p95:,.1f}x ahead of the scan)"
        )
    if http_report:
        shop, stores = http_report.http["shop"], http_report.http["stores"]
        ratio50, ratio95 = stores.p50 / shop.p50, stores.p95 / shop.p95
        print(
            "  stores(near:) within 1.3x of { shop { name } } (p50 and p95):"
            f" {verdict(ratio50 <= 1.3 and ratio95 <= 1.3)}"
            f" (p50 {ratio50:.2f}x, p95 {ratio95:.2f}x)"
        )
    failures = sum(report.failures for report in reports)
    print(
        "  correctness checks:",
        "all OK" if not failures else f"{failures} MISMATCHES",
    )


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    plans = make_plans(args)
    ensure_database(args.database_url)
    setup_django(args.database_url)
    migrate()
    refuse_foreign_data()
    activate_plugin()
    facts = server_facts()
    points = query_points(args.points or (50 if args.quick else 200))
    log(
        f"sizes {', '.join(f'{plan.size:,}' for plan in plans)};"
        f" {len(points)} query points; {facts['postgres']}"
    )

    reports = []
    for plan in plans:
        log(f"== {plan.size:,} stores ==")
        load_stores(plan.size)
        report = measure_size(plan, points, args)
        if plan.http_rounds:
            report.http, check, failures = measure_http(
                args.database_url, points, plan.http_rounds
            )
            report.checks.append(check)
            report.failures += failures
        print_size_table(report)
        reports.append(report)

    print_summary(reports, facts, len(points))
    return 1 if any(report.failures for report in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
