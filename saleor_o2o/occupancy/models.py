"""A store's live occupancy, the check-ins due to leave, and its history."""

from django.db import models
from django.db.models import Q
from django.utils.timezone import now

from saleor_o2o.occupancy.rules import (
    DEFAULT_CROWDED_PERCENT,
    DEFAULT_DWELL_MINUTES,
    ArrivalSource,
    Policy,
)
from saleor_o2o.store.models import Store


class StoreOccupancy(models.Model):
    """The people in a store now, and the store's occupancy settings (one row each).

    Written only through `occupancy.services`, which locks the row (the last lock
    of any transaction that takes it) and changes ``current`` with
    ``GREATEST(0, ...)``, so concurrent updates never lose one another.
    """

    store = models.OneToOneField(
        Store, on_delete=models.CASCADE, primary_key=True, related_name="occupancy"
    )
    current = models.PositiveIntegerField(default=0)
    #: People the store holds; 0: not set (no level, never crowded).
    capacity = models.PositiveIntegerField(default=0)
    #: Whether shoppers see the figures, or only the level.
    show_numbers = models.BooleanField(default=True)
    #: Percentage of the capacity at which the store is crowded.
    crowded_percent = models.PositiveSmallIntegerField(default=DEFAULT_CROWDED_PERCENT)
    #: Capacity of pickup and appointment slots in the next hour while crowded;
    #: null: slots are not capped.
    crowded_slot_capacity = models.PositiveIntegerField(null=True, blank=True)
    #: Minutes a checked-in shopper counts as in the store.
    dwell_minutes = models.PositiveSmallIntegerField(default=DEFAULT_DWELL_MINUTES)
    #: Whether the store is crowded now (with hysteresis; see `rules.is_crowded`).
    is_crowded = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                check=Q(current__gte=0), name="o2o_occupancy_current_not_negative"
            )
        ]

    def policy(self) -> Policy:
        return Policy(
            capacity=self.capacity,
            crowded_percent=self.crowded_percent,
            crowded_slot_capacity=self.crowded_slot_capacity,
        )


class OccupancyDeparture(models.Model):
    """A checked-in person, counted in the store until ``leaves_at``."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=16, choices=ArrivalSource.CHOICES)
    arrived_at = models.DateTimeField()
    leaves_at = models.DateTimeField(db_index=True)


class OccupancySample(models.Model):
    """The samples of a store's occupancy in one hour (UTC), summed.

    ``week`` and ``hour_of_week`` place the hour on the store's wall clock
    (`rules.week_hour`), so busy hours follow daylight-saving time.
    """

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField(db_index=True)
    week = models.IntegerField()
    hour_of_week = models.PositiveSmallIntegerField()
    #: Sum of the figures sampled in the hour, and how many there were.
    total = models.PositiveIntegerField()
    samples = models.PositiveSmallIntegerField()
    peak = models.PositiveIntegerField()

    class Meta:
        unique_together = (("store", "hour"),)


class OccupancyHourOfWeek(models.Model):
    """A store's typical occupancy in one hour of the week, kept up to date as
    samples are recorded: a mean whose weeks weigh less with age
    (`rules.typical_after`), so busy hours read 168 rows, never the samples."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    hour_of_week = models.PositiveSmallIntegerField()
    #: The latest local week counted.
    week = models.IntegerField()
    mean = models.FloatField()
    weight = models.FloatField()

    class Meta:
        unique_together = (("store", "hour_of_week"),)
