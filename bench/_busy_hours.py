"""Busy hours at scale: a helper of bench/visits.py (the ``_`` keeps the benchmark
test from running it on its own).

Interface (Django set up, the database migrated, by the caller):

* ``setup(cursor, quick)`` loads a year of hourly occupancy samples (each the sum of
  four quarter-hour samples, as the beat records them) at 1,000 stores of its own
  (``quick``: 40 stores, 8 weeks), in six time zones, then rebuilds the busy hours
  from them (`occupancy.history.busy_hours_rebuild`). A second call with the same
  data loaded does nothing.
* ``measure(quick)`` returns two groups of ``(label, samples in seconds)``, each
  led by its baseline: the busy hours of one store as ``Store.busyHours`` computes
  them (the occupancy row and the 168 kept hours, two queries, then
  `rules.busy_hours`) against a straightforward per-hour aggregate over the
  store's raw samples (the same weighted mean in one GROUP BY); then both
  statements' execution times inside the server (EXPLAIN ANALYZE). It checks both
  ways give the same figures.

Run alone for a quick look (its own database, ``saleor_o2o_bench_busy``)::

    cd /tmp && /work/main/.venv/bin/python /work/main/bench/_busy_hours.py [--quick]
"""

import random
import sys
import time
from typing import List, Sequence, Tuple

import locator

SLUG_PREFIX = "busy-bench-"
ADDRESS_MARK = "busy-hours bench"
ZONES = (
    "Europe/Paris",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Australia/Sydney",
)
#: The year of samples ends here (a fixed date, so reruns reuse the data).
END = "2026-11-30 00:00:00+00"
#: Each store is timed this many times, both ways in turn.
PASSES = 3


def plan(quick: bool) -> Tuple[int, int, int]:
    """Return (stores, weeks of samples, stores timed)."""
    return (40, 8, 40) if quick else (1_000, 52, 300)


def _stores_loaded(cursor) -> List[int]:
    cursor.execute(
        "SELECT id FROM saleor_o2o_store WHERE slug LIKE %s ORDER BY id",
        [SLUG_PREFIX + "%"],
    )
    return [row[0] for row in cursor.fetchall()]


def _insert_stores(cursor, count: int) -> None:
    from django.apps import apps

    address = apps.get_model("account", "Address")
    warehouse = apps.get_model("warehouse", "Warehouse")
    store = apps.get_model("saleor_o2o", "Store")
    cursor.execute("SELECT COALESCE(max(id), 0) FROM account_address")
    (base,) = cursor.fetchone()
    source = f"FROM generate_series(1, {int(count)}) AS n"
    params = {"base": base, "mark": ADDRESS_MARK, "prefix": SLUG_PREFIX}
    names = ", ".join(f"'{zone}'" for zone in ZONES)
    zones = f"(ARRAY[{names}])[1 + n %% {len(ZONES)}]"
    locator.insert_select(
        cursor,
        address,
        {
            "id": "%(base)s + n",
            "company_name": "%(mark)s",
            "street_address_1": "n || ' Busy Street'",
            "city": "'Busy city'",
            "postal_code": "'75001'",
            "country": "'FR'",
        },
        source,
        params,
    )
    cursor.execute(
        "SELECT setval(pg_get_serial_sequence('account_address', 'id'), %s)",
        [base + count],
    )
    locator.insert_select(
        cursor,
        warehouse,
        {
            "id": "md5(%(prefix)s || n)::uuid",
            "name": "'Busy store ' || n",
            "slug": "%(prefix)s || n",
            "address": "%(base)s + n",
        },
        source,
        params,
    )
    locator.insert_select(
        cursor,
        store,
        {
            "warehouse": "md5(%(prefix)s || n)::uuid",
            "name": "'Busy store ' || n",
            "slug": "%(prefix)s || n",
            "timezone": zones,
            "opening_hours": "'[]'::jsonb",
        },
        source,
        params,
    )


#: A figure per hour: quiet at night, a lunch peak and a Saturday rush, with noise.
_FIGURE = """
GREATEST(0, (CASE WHEN extract(hour FROM l) BETWEEN 9 AND 18 THEN 6 ELSE 0 END)
  + (CASE WHEN extract(hour FROM l) IN (12, 13) THEN 10 ELSE 0 END)
  + (CASE WHEN extract(isodow FROM l) = 6 AND extract(hour FROM l) > 10
     THEN 12 ELSE 0 END)
  + ((s.id * 7919 + extract(epoch FROM h)::bigint / 3600) %% 5) - 2)::int
"""


def setup(cursor, quick: bool) -> None:
    """Load the stores, their samples and busy hours, unless already loaded."""
    from saleor_o2o.occupancy.history import busy_hours_rebuild

    stores, weeks, _timed = plan(quick)
    ids = _stores_loaded(cursor)
    hours = weeks * 7 * 24
    if len(ids) == stores:
        cursor.execute(
            "SELECT count(*) FROM saleor_o2o_occupancysample WHERE store_id = %s",
            [ids[0]],
        )
        if cursor.fetchone()[0] == hours:
            return
    started = time.perf_counter()
    if len(ids) != stores:
        cursor.execute(
            "DELETE FROM saleor_o2o_store WHERE slug LIKE %s", [SLUG_PREFIX + "%"]
        )
        cursor.execute(
            "DELETE FROM warehouse_warehouse WHERE slug LIKE %s", [SLUG_PREFIX + "%"]
        )
        cursor.execute(
            "DELETE FROM account_address WHERE company_name = %s", [ADDRESS_MARK]
        )
        _insert_stores(cursor, stores)
        ids = _stores_loaded(cursor)
    cursor.execute(
        "DELETE FROM saleor_o2o_occupancysample WHERE store_id = ANY(%s)", [ids]
    )
    cursor.execute(
        "INSERT INTO saleor_o2o_storeoccupancy (store_id, current, capacity,"
        " show_numbers, crowded_percent, dwell_minutes, is_crowded, updated_at)"
        " SELECT id, 0, 30, true, 90, 20, false, now() FROM saleor_o2o_store"
        " WHERE id = ANY(%s) ON CONFLICT (store_id) DO NOTHING",
        [ids],
    )
    cursor.execute(
        "INSERT INTO saleor_o2o_occupancysample"
        " (store_id, hour, week, hour_of_week, total, samples, peak)"
        " SELECT s.id, h, (l::date - DATE '2000-01-03') / 7,"
        " (extract(isodow FROM l)::int - 1) * 24 + extract(hour FROM l)::int,"
        f" 4 * v.figure, 4, v.figure"
        " FROM saleor_o2o_store s"
        " CROSS JOIN generate_series(%(end)s::timestamptz - %(hours)s * interval"
        " '1 hour', %(end)s::timestamptz - interval '1 hour', interval '1 hour') h"
        " CROSS JOIN LATERAL (SELECT h AT TIME ZONE s.timezone AS l) local"
        f" CROSS JOIN LATERAL (SELECT {_FIGURE} AS figure) v"
        " WHERE s.id = ANY(%(ids)s)",
        {"end": END, "hours": hours, "ids": ids},
    )
    loaded = cursor.rowcount
    cursor.execute("ANALYZE saleor_o2o_occupancysample")
    busy_hours_rebuild(store_ids=ids)
    cursor.execute("ANALYZE saleor_o2o_occupancyhourofweek")
    print(
        f"  busy hours: {loaded:,} hourly samples at {stores:,} stores loaded in"
        f" {time.perf_counter() - started:.1f}s",
        flush=True,
    )


_NAIVE = """
SELECT hour_of_week,
       sum(total * power(%(decay)s::float8, w.latest - week))
         / sum(samples * power(%(decay)s::float8, w.latest - week))
FROM saleor_o2o_occupancysample,
     (SELECT max(week) AS latest FROM saleor_o2o_occupancysample
      WHERE store_id = %(store)s) w
WHERE store_id = %(store)s
GROUP BY hour_of_week
"""


def _selector(store_id: int):
    from saleor_o2o.occupancy import rules, selectors

    occupancy = selectors.occupancies_by_store([store_id]).get(store_id)
    means = selectors.busy_hours_means([store_id])[store_id]
    return rules.busy_hours(means, occupancy.policy())


def _naive(cursor, store_id: int):
    from saleor_o2o.occupancy import rules, selectors

    occupancy = selectors.occupancies_by_store([store_id]).get(store_id)
    cursor.execute(_NAIVE, {"decay": rules.WEEKLY_DECAY, "store": store_id})
    return rules.busy_hours(dict(cursor.fetchall()), occupancy.policy())


def measure(quick: bool) -> List[List[Tuple[str, List[float]]]]:
    """Time busy hours both ways on the same stores.

    Returns two groups of ``(label, samples in seconds)``, each led by its
    baseline: end to end, then inside the server. Exits when both ways disagree.
    """
    from django.db import connection

    _stores, _weeks, timed = plan(quick)
    with connection.cursor() as cursor:
        ids = _stores_loaded(cursor)
        chosen = random.Random(13).sample(ids, min(timed, len(ids)))
        for store_id in chosen[:20]:
            kept, scanned = _selector(store_id), _naive(cursor, store_id)
            if [(h.level, round(h.typical or 0, 6)) for h in kept] != [
                (h.level, round(h.typical or 0, 6)) for h in scanned
            ]:
                raise SystemExit(f"busy hours differ at store {store_id}")
        kept_s: List[float] = []
        naive_s: List[float] = []
        for store_id in chosen * PASSES:
            started = time.perf_counter()
            _selector(store_id)
            kept_s.append(time.perf_counter() - started)
            started = time.perf_counter()
            _naive(cursor, store_id)
            naive_s.append(time.perf_counter() - started)
        kept_server = [_server_s(cursor, _KEPT, store_id) for store_id in chosen]
        naive_server = [_server_s(cursor, _NAIVE, store_id) for store_id in chosen]
    return [
        [
            ("busy hours, kept per hour of the week (selector)", kept_s),
            ("busy hours, per-hour aggregate over raw samples", naive_s),
        ],
        [
            ("busy hours in the server: the 168 kept hours", kept_server),
            ("busy hours in the server: aggregate over raw samples", naive_server),
        ],
    ]


_KEPT = (
    "SELECT store_id, hour_of_week, mean FROM saleor_o2o_occupancyhourofweek"
    " WHERE store_id = ANY(ARRAY[%(store)s])"
)


def _server_s(cursor, statement: str, store_id: int) -> float:
    """Return the statement's execution time inside the server (EXPLAIN ANALYZE),
    in seconds."""
    from saleor_o2o.occupancy import rules

    cursor.execute(
        "EXPLAIN (ANALYZE, FORMAT JSON) " + statement,
        {"decay": rules.WEEKLY_DECAY, "store": store_id},
    )
    return float(cursor.fetchone()[0][0]["Execution Time"]) / 1000.0


def main(argv: Sequence[str]) -> int:
    quick = "--quick" in argv
    url = "postgres://postgres@127.0.0.1:5432/saleor_o2o_bench_busy" + (
        "_quick" if quick else ""
    )
    locator.ensure_database(url)
    locator.setup_django(url)
    locator.migrate()
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        setup(cursor, quick)
    for group in measure(quick):
        for label, samples in group:
            p95 = locator.percentile(samples, 95) * 1000.0
            print(f"  {label:<52} p95 {p95:7.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
