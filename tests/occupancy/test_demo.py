"""The demo's occupancy history: busy hours shoppers can pick a quiet time from."""

from io import StringIO

from django.core.management import call_command

from saleor_o2o.occupancy import rules, selectors
from saleor_o2o.occupancy.models import OccupancySample, StoreOccupancy
from saleor_o2o.store.models import Store
from saleor_o2o.store.reach import NOWHERE


def test_demo_stores_get_weeks_of_history_and_busy_hours(variant):
    call_command("o2o_populatedb", stdout=StringIO())
    call_command("o2o_populatedb", stdout=StringIO())  # Safe to load twice.

    store = Store.objects.get(name="Paris Rivoli")
    occupancy = StoreOccupancy.objects.get(store=store)
    assert occupancy.capacity == 40 and occupancy.crowded_slot_capacity == 1
    samples = OccupancySample.objects.filter(store=store)
    assert 8 * 5 * 8 <= samples.count() <= 8 * 7 * 24  # Opening hours of 8 weeks.
    means = selectors.busy_hours_means([store.pk])[store.pk]
    hours = selectors.store_busy_hours(occupancy, means, reach=NOWHERE)
    levels = {hour.level for hour in hours if hour.level}
    assert rules.OccupancyLevel.QUIET in levels and len(levels) >= 2
    assert StoreOccupancy.objects.count() == Store.objects.count()
