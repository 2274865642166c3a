"""Occupancy rules: levels, crowding with hysteresis, counting, slot caps, weeks."""

import datetime as dt

import pytest
import pytz

from saleor_o2o.core.errors import InvalidInput
from saleor_o2o.occupancy import rules
from saleor_o2o.occupancy.rules import OccupancyLevel, Policy, SlotCap

POLICY = Policy(capacity=50, crowded_percent=90, crowded_slot_capacity=2)
UTC = pytz.utc


@pytest.mark.parametrize(
    "figure, level",
    [
        (0, OccupancyLevel.QUIET),
        (19, OccupancyLevel.QUIET),
        (20, OccupancyLevel.MODERATE),
        (34, OccupancyLevel.MODERATE),
        (35, OccupancyLevel.BUSY),
        (44, OccupancyLevel.BUSY),
        (45, OccupancyLevel.CROWDED),
        (80, OccupancyLevel.CROWDED),
    ],
)
def test_the_level_follows_the_share_of_the_capacity(figure, level):
    assert rules.level_of(figure, POLICY) == level


def test_no_capacity_means_no_level_and_never_crowded():
    assert rules.level_of(500, Policy()) is None
    assert rules.live_level(500, Policy(), crowded=False) is None
    assert not rules.is_crowded(500, Policy(), was_crowded=False)


def test_crowding_has_hysteresis_so_a_figure_at_the_threshold_does_not_flap():
    # Crowded from 45 (90%); eases only below 40 (80%).
    assert not rules.is_crowded(44, POLICY, was_crowded=False)
    assert rules.is_crowded(45, POLICY, was_crowded=False)
    assert rules.is_crowded(44, POLICY, was_crowded=True)
    assert rules.is_crowded(40, POLICY, was_crowded=True)
    assert not rules.is_crowded(39, POLICY, was_crowded=True)


def test_the_live_level_says_crowded_exactly_while_the_store_is_crowded():
    assert rules.live_level(42, POLICY, crowded=True) == OccupancyLevel.CROWDED
    assert rules.live_level(46, POLICY, crowded=False) == OccupancyLevel.BUSY


@pytest.mark.parametrize(
    "current, delta, count, after",
    [(3, 2, None, 5), (3, -2, None, 1), (3, -9, None, 0), (3, None, 12, 12)],
)
def test_the_counter_never_goes_below_zero(current, delta, count, after):
    assert rules.counted(current, delta=delta, count=count) == after


@pytest.mark.parametrize(
    "delta, count, field, code",
    [
        (None, None, "delta", "REQUIRED"),
        (1, 3, "count", "INVALID"),
        (0, None, "delta", "OUT_OF_RANGE"),
        (rules.MAX_DELTA + 1, None, "delta", "OUT_OF_RANGE"),
        (None, -1, "count", "OUT_OF_RANGE"),
    ],
)
def test_exactly_one_sensible_change(delta, count, field, code):
    with pytest.raises(InvalidInput) as error:
        rules.change_check(delta=delta, count=count)
    assert (error.value.field, error.value.code) == (field, code)


def test_crowding_caps_only_the_slots_of_the_next_hour():
    now = dt.datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    cap = rules.slot_cap_of(POLICY, crowded=True, now=now)
    assert cap == SlotCap(until=now + dt.timedelta(hours=1), capacity=2)
    assert rules.capped_capacity(5, starts_at=now, cap=cap) == 2
    assert rules.capped_capacity(1, starts_at=now, cap=cap) == 1
    assert rules.capped_capacity(5, starts_at=cap.until, cap=cap) == 5
    assert rules.slot_cap_of(POLICY, crowded=False, now=now) is None
    assert rules.slot_cap_of(Policy(capacity=50), crowded=True, now=now) is None


def test_the_hour_of_the_week_is_on_the_stores_clock_across_dst():
    # 11:00 on a Saturday in Paris: 10:00 UTC in winter, 09:00 UTC in summer.
    winter = rules.week_hour(dt.datetime(2026, 3, 28, 10, tzinfo=UTC), "Europe/Paris")
    summer = rules.week_hour(dt.datetime(2026, 4, 4, 9, tzinfo=UTC), "Europe/Paris")
    assert winter[1] == summer[1] == 5 * 24 + 11
    assert summer[0] == winter[0] + 1
    # Monday 0:00 local is hour 0; Sunday 23:00 is the last.
    assert rules.week_hour(dt.datetime(2026, 3, 29, 22, tzinfo=UTC), "Europe/Paris")[
        1
    ] == (0)
    assert rules.week_hour(
        dt.datetime(2026, 3, 29, 21, 30, tzinfo=UTC), "Europe/Paris"
    )[1] == (rules.HOURS_PER_WEEK - 1)


def test_old_weeks_weigh_less_in_the_typical_figure():
    mean, weight = rules.typical_after(0.0, 0.0, 0, value=10, at_week=0)
    assert (mean, weight) == (10.0, 1.0)
    same_week = rules.typical_after(mean, weight, 0, value=20, at_week=0)
    assert same_week == (15.0, 2.0)
    # Four weeks later the old sample counts half as much as the new one.
    later = rules.typical_after(mean, weight, 0, value=40, at_week=4)
    assert later[1] == pytest.approx(1.5)
    assert later[0] == pytest.approx((10 * 0.5 + 40) / 1.5)


def test_busy_hours_are_the_168_hours_with_levels_where_known():
    found = rules.busy_hours({0: 10.0, 167: 48.0}, POLICY)
    assert len(found) == 168
    assert (found[0].weekday, found[0].hour, found[0].level) == (0, 0, "quiet")
    assert (found[167].weekday, found[167].hour, found[167].level) == (
        6,
        23,
        "crowded",
    )
    assert found[1].typical is None and found[1].level is None


@pytest.mark.parametrize(
    "values, field, code",
    [
        ({"capacity": -1}, "capacity", "OUT_OF_RANGE"),
        ({"capacity": None}, "capacity", "REQUIRED"),
        ({"crowded_percent": 0}, "crowded_percent", "OUT_OF_RANGE"),
        ({"crowded_slot_capacity": -1}, "crowded_slot_capacity", "OUT_OF_RANGE"),
        ({"dwell_minutes": 0}, "dwell_minutes", "OUT_OF_RANGE"),
        ({"show_numbers": None}, "show_numbers", "REQUIRED"),
    ],
)
def test_settings_out_of_bounds_are_refused(values, field, code):
    with pytest.raises(InvalidInput) as error:
        rules.settings_check(values)
    assert (error.value.field, error.value.code) == (field, code)
    rules.settings_check({"crowded_slot_capacity": None, "capacity": 0})
