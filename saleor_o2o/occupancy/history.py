"""Occupancy history: samples of every store's figure, and its busy hours kept up.

A beat task samples every store that counts occupancy every 15 minutes
(`occupancy_samples_record`). Each sample is added to the store's row of its UTC
hour (`OccupancySample`: sum, count, peak) and, in the same statement batch, to the
store's row of that hour of the week on its wall clock (`OccupancyHourOfWeek`, a
mean whose weeks weigh less with age, `rules.typical_after`). Busy hours read those
168 rows, never the samples; `busy_hours_rebuild` recomputes them from the samples
(after loading history, or a change of the decay) with the same formula.
"""

import datetime as dt
from typing import List, Optional, Sequence, Tuple

from django.db import connection, transaction
from django.utils import timezone
from psycopg2.extras import execute_values

from saleor_o2o.occupancy import rules
from saleor_o2o.occupancy.models import OccupancySample, StoreOccupancy

#: Samples older than this are deleted (busy hours no longer feel them anyway).
SAMPLE_RETENTION = dt.timedelta(days=400)

_SAMPLES_UPSERT = """
INSERT INTO saleor_o2o_occupancysample
    (store_id, hour, week, hour_of_week, total, samples, peak)
VALUES %s
ON CONFLICT (store_id, hour) DO UPDATE SET
    total = saleor_o2o_occupancysample.total + EXCLUDED.total,
    samples = saleor_o2o_occupancysample.samples + EXCLUDED.samples,
    peak = GREATEST(saleor_o2o_occupancysample.peak, EXCLUDED.peak)
"""

#: `rules.typical_after` in SQL: the row's weight decays by the weeks since it last
#: counted a sample, then the new sample joins the mean with weight 1.
_HOURS_UPSERT = """
INSERT INTO saleor_o2o_occupancyhourofweek AS h
    (store_id, hour_of_week, week, mean, weight)
VALUES %s
ON CONFLICT (store_id, hour_of_week) DO UPDATE SET
    mean = (
        h.mean * h.weight * power({decay}::float8, GREATEST(0, EXCLUDED.week - h.week))
        + EXCLUDED.mean
    ) / (h.weight * power({decay}::float8, GREATEST(0, EXCLUDED.week - h.week)) + 1),
    weight = h.weight * power({decay}::float8, GREATEST(0, EXCLUDED.week - h.week)) + 1,
    week = GREATEST(h.week, EXCLUDED.week)
"""

_REBUILD = """
WITH latest AS (
    SELECT store_id, max(week) AS week FROM saleor_o2o_occupancysample
    WHERE {where} GROUP BY store_id
)
INSERT INTO saleor_o2o_occupancyhourofweek
    (store_id, hour_of_week, week, mean, weight)
SELECT s.store_id, s.hour_of_week, latest.week,
    sum(s.total * power(%(decay)s::float8, latest.week - s.week))
        / sum(s.samples * power(%(decay)s::float8, latest.week - s.week)),
    sum(s.samples * power(%(decay)s::float8, latest.week - s.week))
FROM saleor_o2o_occupancysample s JOIN latest USING (store_id)
GROUP BY s.store_id, s.hour_of_week, latest.week
"""


#: The decay as an SQL literal (a constant float of the rules, never user input).
_DECAY = repr(float(rules.WEEKLY_DECAY))


def _hour(at: dt.datetime) -> dt.datetime:
    return at.astimezone(dt.timezone.utc).replace(minute=0, second=0, microsecond=0)


def samples_add(rows: Sequence[Tuple[int, str, int]], *, at: dt.datetime) -> int:
    """Add one sample `(store_id, timezone, figure)` per store, taken at `at`."""
    if not rows:
        return 0
    hour = _hour(at)
    samples: List[tuple] = []
    hours: List[tuple] = []
    for store_id, zone, figure in sorted(rows):
        week, how = rules.week_hour(at, zone)
        samples.append((store_id, hour, week, how, figure, 1, figure))
        hours.append((store_id, how, week, float(figure), 1.0))
    with transaction.atomic(), connection.cursor() as cursor:
        execute_values(cursor, _SAMPLES_UPSERT, samples)
        execute_values(cursor, _HOURS_UPSERT.format(decay=_DECAY), hours)
    return len(rows)


def occupancy_samples_record(*, now: Optional[dt.datetime] = None) -> int:
    """Sample the figure of every active store that counts occupancy; prune old
    samples. Return how many stores were sampled."""
    now = now or timezone.now()
    rows = list(
        StoreOccupancy.objects.filter(store__is_active=True).values_list(
            "store_id", "store__timezone", "current"
        )
    )
    sampled = samples_add(rows, at=now)
    OccupancySample.objects.filter(hour__lt=now - SAMPLE_RETENTION).delete()
    return sampled


def busy_hours_rebuild(*, store_ids: Optional[Sequence[int]] = None) -> int:
    """Recompute the busy hours of these stores (all: None) from their samples."""
    where, params = "true", {"decay": rules.WEEKLY_DECAY}
    if store_ids is not None:
        where, params["ids"] = "store_id = ANY(%(ids)s)", list(store_ids)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM saleor_o2o_occupancyhourofweek WHERE {where}", params
        )
        cursor.execute(_REBUILD.format(where=where), params)
        return cursor.rowcount
