#!/usr/bin/env python
"""Offers-near benchmark: the indexed search against a full scan, in one process.

Fills a database of its own with 10,000 stores (as bench/locator.py does) and 100,000
offers (most valid in one to three stores, a few in every store, some inactive,
expired or not started; geofences of 1 to 10 km), then times "the offers usable
within 25 km of a shopper" for fixed query points:

* the search `offers(near:)` runs (``offers.OFFERS_NEAR_SQL``: nearby stores on the
  store location index, then their offers on the (store, offer) index), as a raw
  statement (round trip) and inside the server (EXPLAIN ANALYZE execution time);
* the same answer computed by a full scan: the haversine distance of every
  (offer, store) pair, filtered and sorted (no index can help it);
* the whole service call (`offer.selectors.offers_ranked`: search, targeting, signals,
  ranking, impressions) for an anonymous shopper with a storefront token (its
  impressions are counted once a day per offer: a new mark per offer shown);

checks that the search and the scan find the same offers, and prints p50/p95 with
ratios. Run it from outside the checkout (its graphql/ folder shadows graphql-core)::

    cd /tmp && /work/offers/.venv/bin/python /work/offers/bench/offers.py [--quick]
"""

import argparse
import gc
import os
import sys
import time
import uuid
from typing import Dict, Optional, Sequence

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH_DIR)

import locator  # noqa: E402  (strips the checkout root from sys.path)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/saleor_o2o_offers_bench"
STORES = 10_000
OFFERS = 100_000
RADIUS_KM = 25.0
TITLE_PREFIX = "Bench offer "
#: The lines with the ratios the benchmark is for, as regular expressions: every
#: run prints them, quick or full (tests/test_benchmarks.py runs it with --quick
#: and looks for each).
RATIO_LINES = (
    r"^  full scan / indexed, p95: \S+x round trip, \S+x in the server$",
    r"^  >= 10x ahead of the full scan: (met|NOT met) \(\S+x in the server, \S+x",
)

_HAVERSINE = """2 * %(earth_radius)s * asin(least(1.0, sqrt(
    power(sin(radians(s.latitude - %(lat)s) / 2), 2)
    + cos(radians(%(lat)s)) * cos(radians(s.latitude))
    * power(sin(radians(s.longitude - %(lng)s) / 2), 2))))"""

#: The same answer as OFFERS_NEAR_SQL, from every (offer, store) pair.
FULL_SCAN_SQL = f"""
WITH pairs AS (
    SELECT os.offer_id, s.id AS store_id, {_HAVERSINE} AS km
    FROM saleor_o2o_offerstore os JOIN saleor_o2o_store s ON s.id = os.store_id
    WHERE s.is_active
    UNION ALL
    SELECT o.id, n.id, n.km
    FROM (SELECT s.id, {_HAVERSINE} AS km FROM saleor_o2o_store s
          WHERE s.is_active ORDER BY km LIMIT 1) AS n,
         saleor_o2o_offer o
    WHERE o.all_stores AND o.is_active
), usable AS (
    SELECT DISTINCT ON (o.id) o.id AS offer_id, pairs.store_id, pairs.km
    FROM pairs JOIN saleor_o2o_offer o ON o.id = pairs.offer_id
    WHERE o.is_active AND o.starts_at <= %(now)s
      AND (o.ends_at IS NULL OR o.ends_at > %(now)s)
      AND pairs.km <= o.geofence_radius_km AND pairs.km <= %(radius)s
    ORDER BY o.id, pairs.km, pairs.store_id
)
SELECT offer_id, store_id, km FROM usable ORDER BY km, offer_id LIMIT %(limit)s
"""


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument(
        "--quick", action="store_true", help="2,000 stores, 20,000 offers, few runs"
    )
    parser.add_argument("--points", type=int, help="query points (default 200)")
    parser.add_argument(
        "--explain", action="store_true", help="print both plans for a city point"
    )
    return parser.parse_args(argv)


def load_offers(count: int) -> None:
    """Replace the benchmark's offers with `count` new ones, spread over the stores."""
    from django.apps import apps
    from django.db import connection, transaction

    Offer = apps.get_model("saleor_o2o", "Offer")
    OfferStore = apps.get_model("saleor_o2o", "OfferStore")

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE title LIKE %s),"
            " (SELECT count(*) FROM saleor_o2o_offerstore)"
            " FROM saleor_o2o_offer",
            [TITLE_PREFIX + "%"],
        )
        total, ours, links = cursor.fetchone()
    if total == ours == count and links:
        locator.log(f"  reusing the {count:,} offers a previous run loaded")
        return
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE saleor_o2o_offer, saleor_o2o_offerclaim,"
            " saleor_o2o_offerimpression RESTART IDENTITY CASCADE"
        )
        # Every 20th offer inactive, every 10th expired, every 25th not started,
        # every 5,000th valid in every store; geofences of 1 to 10 km.
        locator.insert_select(
            cursor,
            Offer,
            {
                "title": "%(prefix)s || n",
                "all_stores": "n %% 5000 = 0",
                "geofence_radius_km": "1 + n %% 10",
                "starts_at": "CASE WHEN n %% 25 = 0 THEN now() + interval '3 days'"
                " ELSE now() - (n %% 30) * interval '1 day' END",
                "ends_at": "CASE WHEN n %% 10 = 0 THEN now() - interval '1 hour'"
                " ELSE now() + interval '30 days' END",
                "reward_type": "'percentage'",
                "reward_value": "10 + n %% 30",
                "per_shopper_limit": "1",
                "total_limit": "NULL",
                "customer_segment": "'all'",
                "is_active": "n %% 20 <> 0",
            },
            "FROM generate_series(1, %(count)s) AS n",
            {"prefix": TITLE_PREFIX, "count": count},
        )
        # One to three stores an offer (fewer where two picks fall on the same
        # store), with the offer's search fields copied.
        locator.insert_select(
            cursor,
            OfferStore,
            {
                "offer": "o.id",
                "store": "pair.store_id",
                **{field: f"o.{field}" for field in OfferStore.COPIED},
            },
            "FROM (SELECT DISTINCT o.id AS offer_id,"
            "  s.ids[1 + (o.id::bigint * k.mult) %% s.n] AS store_id"
            "  FROM saleor_o2o_offer o,"
            "  (SELECT array_agg(id ORDER BY id) AS ids, count(*) AS n"
            "   FROM saleor_o2o_store) AS s,"
            "  (VALUES (7919, 1), (104729, 2), (1299709, 3)) AS k(mult, rank)"
            "  WHERE NOT o.all_stores AND k.rank <= 1 + o.id %% 3) AS pair"
            " JOIN saleor_o2o_offer o ON o.id = pair.offer_id",
            {},
        )
    for table in ("saleor_o2o_offer", "saleor_o2o_offerstore"):
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {table}")
    locator.log(f"  loaded {count:,} offers ({time.perf_counter() - started:.1f}s)")


def execution_seconds(cursor, sql: str, params) -> float:
    """Return the statement's execution time inside the server (EXPLAIN ANALYZE)."""
    cursor.execute("EXPLAIN (ANALYZE, TIMING OFF, SUMMARY, FORMAT JSON) " + sql, params)
    (summary,) = cursor.fetchone()[0]
    return summary["Execution Time"] / 1000.0


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    stores, offer_count = (2_000, 20_000) if args.quick else (STORES, OFFERS)
    locator.ensure_database(args.database_url)
    locator.setup_django(args.database_url)
    locator.migrate()
    locator.refuse_foreign_data()
    locator.activate_plugin()

    from django.utils import timezone

    from saleor_o2o.core.geo import EARTH_RADIUS_KM
    from saleor_o2o.offer import selectors as offer_selectors
    from saleor_o2o.offer import shoppers

    facts = locator.server_facts()
    points = locator.query_points(args.points or (40 if args.quick else 200))
    locator.log(f"{stores:,} stores, {offer_count:,} offers; {facts['postgres']}")
    locator.load_stores(stores)
    load_offers(offer_count)

    now = timezone.now()
    cursor = locator.raw_cursor()
    indexed = [
        offer_selectors.near_params(
            point, RADIUS_KM, now, offer_selectors.MAX_CANDIDATES
        )
        for point in points
    ]
    scans = [
        {
            "earth_radius": EARTH_RADIUS_KM,
            "lat": point.latitude,
            "lng": point.longitude,
            "radius": RADIUS_KM,
            "now": now,
            "limit": offer_selectors.MAX_CANDIDATES,
        }
        for point in points
    ]
    if args.explain:
        dense = locator.explain_points(points)[0]
        index = points.index(dense)
        for label, sql, params in (
            ("offers near (indexed)", offer_selectors.OFFERS_NEAR_SQL, indexed[index]),
            ("full scan", FULL_SCAN_SQL, scans[index]),
        ):
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            print(f"  EXPLAIN ANALYZE, {label}, near {dense}:")
            for (line,) in cursor.fetchall():
                print("    " + line)

    rows: Dict[str, locator.Row] = {
        "sql": locator.Row("offers near, indexed SQL (round trip)", []),
        "sql_server": locator.Row("offers near, indexed SQL (in the server)", []),
        "scan": locator.Row("full scan of (offer, store) pairs (round trip)", []),
        "scan_server": locator.Row("full scan (in the server)", []),
        "service": locator.Row("offers_ranked() service, anonymous shopper", []),
    }
    agree, found = 0, []
    scan_points = points[: max(10, len(points) // 2)]
    gc.collect()
    gc.disable()
    try:
        for params in indexed[:10]:
            cursor.execute(offer_selectors.OFFERS_NEAR_SQL, params)  # warm-up
            cursor.fetchall()
        for params in indexed:
            started = time.perf_counter()
            cursor.execute(offer_selectors.OFFERS_NEAR_SQL, params)
            result = cursor.fetchall()
            rows["sql"].samples.append(time.perf_counter() - started)
            found.append(result)
            rows["sql_server"].samples.append(
                execution_seconds(cursor, offer_selectors.OFFERS_NEAR_SQL, params)
            )
        locator.log(f"  indexed search: {len(indexed)} points")
        shopper = shoppers.Shopper(token=uuid.uuid4())
        for point in points:
            started = time.perf_counter()
            offer_selectors.offers_ranked(
                point=point, radius_km=RADIUS_KM, shopper=shopper, now=now
            )
            rows["service"].samples.append(time.perf_counter() - started)
        locator.log(f"  service: {len(points)} points")
        for index, params in enumerate(scans[: len(scan_points)]):
            started = time.perf_counter()
            cursor.execute(FULL_SCAN_SQL, params)
            result = cursor.fetchall()
            rows["scan"].samples.append(time.perf_counter() - started)
            rows["scan_server"].samples.append(
                execution_seconds(cursor, FULL_SCAN_SQL, params)
            )
            agree += {o for o, _, _ in result} == {o for o, _, _ in found[index]}
        locator.log(f"  full scan: {len(scan_points)} points")
    finally:
        gc.enable()
    cursor.close()

    mean_found = sum(len(result) for result in found) / len(found)
    print(
        f"\n{stores:,} stores, {offer_count:,} offers, offers usable within"
        f" {RADIUS_KM:g} km (at most {offer_selectors.MAX_CANDIDATES});"
        f" {mean_found:.1f} found on average; {facts['postgres']}, {facts['python']},"
        f" {facts['cpu']}"
    )
    print(f"  {'method':<50} {'runs':>5} {'p50 ms':>9} {'p95 ms':>9}")
    for row in rows.values():
        print(
            f"  {row.method:<50} {len(row.samples):>5} {row.p50:>9.3f} {row.p95:>9.3f}"
        )
    ratio_trip = rows["scan"].p95 / rows["sql"].p95
    ratio_server = rows["scan_server"].p95 / rows["sql_server"].p95
    print(
        f"  full scan / indexed, p95: {ratio_trip:,.1f}x round trip,"
        f" {ratio_server:,.1f}x in the server"
    )
    print(
        f"  check: indexed search = full scan on {agree}/{len(scan_points)} points:"
        f" {locator.ok(agree == len(scan_points))}"
    )
    print("\nAims")
    p95 = rows["sql_server"].p95
    print(f"  p95 < 10 ms in the database: {locator.verdict(p95 < 10)} ({p95:.3f} ms)")
    print(
        f"  >= 10x ahead of the full scan: {locator.verdict(ratio_server >= 10)}"
        f" ({ratio_server:,.1f}x in the server, {ratio_trip:,.1f}x round trip)"
    )
    return 0 if agree == len(scan_points) else 1


if __name__ == "__main__":
    sys.exit(main())
