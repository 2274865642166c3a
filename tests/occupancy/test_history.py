"""Occupancy history: samples, busy hours kept up as they come, across DST."""

import datetime as dt

import pytest
import pytz

from saleor_o2o.occupancy import history, rules, selectors, services
from saleor_o2o.occupancy.models import OccupancyHourOfWeek, OccupancySample
from saleor_o2o.store.reach import EVERYWHERE, NOWHERE

UTC = pytz.utc
SATURDAY_11 = 5 * 24 + 11


def sample(store, figure, at):
    history.samples_add([(store.pk, store.timezone, figure)], at=at)


def means(store):
    return selectors.busy_hours_means([store.pk])[store.pk]


def test_an_hour_of_the_week_follows_the_stores_clock_across_dst(store):
    # Saturday 11:00 in Paris, before and after the clocks went forward (29 March).
    sample(store, 10, dt.datetime(2026, 3, 28, 10, 0, tzinfo=UTC))
    sample(store, 20, dt.datetime(2026, 3, 28, 10, 15, tzinfo=UTC))
    sample(store, 30, dt.datetime(2026, 4, 4, 9, 0, tzinfo=UTC))

    found = means(store)
    assert set(found) == {SATURDAY_11}
    weight = 2 * rules.WEEKLY_DECAY + 1
    assert found[SATURDAY_11] == pytest.approx(
        (15 * 2 * rules.WEEKLY_DECAY + 30) / weight
    )
    hour = OccupancySample.objects.get(store=store, hour__day=28)
    assert (hour.total, hour.samples, hour.peak) == (30, 2, 20)


def test_a_new_york_store_keeps_its_hours_through_its_own_change(store_factory):
    store = store_factory(
        "Union Square",
        40.7359,
        -73.9911,
        city="New York",
        country="US",
        timezone="America/New_York",
        postal_code="10003",
        country_area="NY",
    )
    # Sunday 1 November 2026, 01:30 happens twice in New York: both are hour 1.
    sample(store, 4, dt.datetime(2026, 11, 1, 5, 30, tzinfo=UTC))
    sample(store, 8, dt.datetime(2026, 11, 1, 6, 30, tzinfo=UTC))
    assert means(store) == {6 * 24 + 1: 6.0}


def test_busy_hours_kept_up_equal_a_rebuild_from_the_samples(store, store_factory):
    other = store_factory("Paris Bastille", 48.8532, 2.3692, timezone="Asia/Tokyo")
    start = dt.datetime(2026, 1, 5, tzinfo=UTC)
    for quarter in range(0, 10 * 7 * 24 * 4, 37):  # Ten weeks, every 37th quarter.
        at = start + dt.timedelta(minutes=15 * quarter)
        for n, target in enumerate((store, other)):
            sample(target, (quarter * (n + 3)) % 23, at)
    kept = {
        (row.store_id, row.hour_of_week): (row.mean, row.weight, row.week)
        for row in OccupancyHourOfWeek.objects.all()
    }

    history.busy_hours_rebuild()

    rebuilt = {
        (row.store_id, row.hour_of_week): (row.mean, row.weight, row.week)
        for row in OccupancyHourOfWeek.objects.all()
    }
    assert set(rebuilt) == set(kept) and len(kept) > 150
    for key, (mean, weight, week) in kept.items():
        # Rows last fed before the latest week are rebuilt at the latest week:
        # the mean is the same, the weight decayed further.
        assert rebuilt[key][0] == pytest.approx(mean)
        assert rebuilt[key][1] == pytest.approx(
            weight * rules.WEEKLY_DECAY ** (rebuilt[key][2] - week)
        )


def test_the_beat_samples_counting_stores_and_prunes_old_samples(store, store_factory):
    quiet = store_factory("Paris Bastille", 48.8532, 2.3692)
    services.store_occupancy_update(store_id=store.pk, count=6)
    now = dt.datetime(2026, 6, 6, 9, 5, tzinfo=UTC)
    sample(quiet, 1, now - history.SAMPLE_RETENTION - dt.timedelta(hours=2))

    assert history.occupancy_samples_record(now=now) == 1

    assert list(OccupancySample.objects.values_list("store_id", "total")) == [
        (store.pk, 6)
    ]


def test_shoppers_see_levels_only_where_the_store_hides_its_figures(store):
    services.occupancy_settings_update(
        store_id=store.pk, data={"capacity": 20, "show_numbers": False}
    )
    sample(store, 12, dt.datetime(2026, 3, 28, 10, tzinfo=UTC))
    occupancy = store.occupancy
    found = selectors.store_busy_hours(occupancy, means(store), reach=NOWHERE)
    assert (found[SATURDAY_11].typical, found[SATURDAY_11].level) == (None, "moderate")
    staff = selectors.store_busy_hours(occupancy, means(store), reach=EVERYWHERE)
    assert staff[SATURDAY_11].typical == 12.0
    assert selectors.typical_levels(
        store_id=store.pk,
        timezone=store.timezone,
        starts=[
            dt.datetime(2026, 5, 2, 9, 30, tzinfo=UTC),  # Saturday 11:30 in Paris.
            dt.datetime(2026, 5, 2, 10, 0, tzinfo=UTC),
        ],
    ) == ["moderate", None]
