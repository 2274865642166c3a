"""Occupancy history for the demo stores: weeks of plausible samples, busy hours."""

import datetime as dt
import random
from typing import Optional

import pytz
from django.db import transaction
from django.utils import timezone

from saleor_o2o.occupancy import rules, services
from saleor_o2o.occupancy.history import busy_hours_rebuild
from saleor_o2o.occupancy.models import OccupancySample
from saleor_o2o.store import opening
from saleor_o2o.store.models import Store

#: The demo's settings: 40 people, crowded at 90%, one booking a slot then.
DEMO_SETTINGS = {"capacity": 40, "crowded_slot_capacity": 1, "show_numbers": True}


def _figure(local: dt.datetime, capacity: int, rng: random.Random) -> int:
    """A plausible figure: a lunch peak, an after-work peak, a Saturday rush."""
    base = 0.25
    if local.hour in (12, 13):
        base += 0.3
    if local.hour in (17, 18):
        base += 0.35
    if local.weekday() == 5 and 11 <= local.hour <= 17:
        base += 0.3
    return max(0, int(capacity * base + rng.gauss(0, capacity * 0.06)))


def occupancy_demo_history(
    *, store: Store, weeks: int = 8, now: Optional[dt.datetime] = None, seed: int = 0
) -> int:
    """Replace the store's history with `weeks` of hourly samples in its opening
    hours, set the demo settings and rebuild its busy hours; return the samples."""
    now = (now or timezone.now()).replace(minute=0, second=0, microsecond=0)
    services.occupancy_settings_update(store_id=store.pk, data=DEMO_SETTINGS)
    schedule = store.schedule()
    rng = random.Random(seed or store.pk)
    rows = []
    for back in range(weeks * 7 * 24, 0, -1):
        hour = now - dt.timedelta(hours=back)
        if not opening.is_open_at(schedule, hour):
            continue
        week, how = rules.week_hour(hour, store.timezone)
        local = hour.astimezone(pytz.timezone(store.timezone))
        figures = [_figure(local, DEMO_SETTINGS["capacity"], rng) for _ in range(4)]
        rows.append(
            OccupancySample(
                store=store,
                hour=hour,
                week=week,
                hour_of_week=how,
                total=sum(figures),
                samples=4,
                peak=max(figures),
            )
        )
    with transaction.atomic():
        OccupancySample.objects.filter(store=store).delete()
        OccupancySample.objects.bulk_create(rows, batch_size=1000)
        busy_hours_rebuild(store_ids=[store.pk])
    return len(rows)
