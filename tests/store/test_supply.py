import datetime as dt

import pytest
import pytz

from saleor_o2o.core.errors import InvalidInput
from saleor_o2o.store import hours, supply
from saleor_o2o.store.supply import Line, LineSupply, StoreSupply

UTC = pytz.utc


@pytest.mark.parametrize(
    "quantity, allocated, safety, expected",
    [(10, 0, 0, 10), (10, 3, 2, 5), (10, 8, 5, 0), (0, 0, 0, 0), (3, 5, 0, 0)],
)
def test_available_for_pickup_is_never_negative(quantity, allocated, safety, expected):
    assert (
        supply.available_for_pickup(
            quantity=quantity, allocated=allocated, safety_stock=safety
        )
        == expected
    )


@pytest.mark.parametrize(
    "before, after, threshold, crossed",
    [(5, 3, 3, True), (5, 4, 3, False), (3, 2, 3, False), (5, 0, None, False)],
)
def test_crossed_low_stock(before, after, threshold, crossed):
    assert (
        supply.crossed_low_stock(before=before, after=after, threshold=threshold)
        is crossed
    )


def test_merge_lines_adds_repeated_variants():
    merged = supply.merge_lines([Line(1, 2), Line(2, 1), Line(1, 3)])
    assert merged == (Line(1, 5), Line(2, 1))


@pytest.mark.parametrize(
    "lines, field, code",
    [
        ([], "lines", "REQUIRED"),
        ([Line(1, 1), Line(2, 0)], "lines.1.quantity", "OUT_OF_RANGE"),
        ([Line(i, 1) for i in range(101)], "lines", "OUT_OF_RANGE"),
    ],
)
def test_merge_lines_refuses_bad_carts(lines, field, code):
    with pytest.raises(InvalidInput) as raised:
        supply.merge_lines(lines)
    assert (raised.value.field, raised.value.code) == (field, code)


def test_store_supply_reports_short_lines():
    result = supply.store_supply(
        store_id=1,
        distance_km=2.0,
        lines=[Line(10, 2), Line(11, 3), Line(12, 1)],
        available={10: 5, 11: 1},
    )
    assert not result.is_complete
    assert result.short_lines == (LineSupply(11, 3, 1), LineSupply(12, 1, 0))
    assert result.units_short == 3


def make(store_id, distance, shorts):
    lines = tuple(LineSupply(i, 2, 2 - short) for i, short in enumerate(shorts))
    return StoreSupply(store_id=store_id, distance_km=distance, lines=lines)


def test_rank_puts_whole_carts_first_then_least_missing_then_nearest():
    near_missing_two_lines = make(1, 0.5, [1, 1, 0])
    far_complete = make(2, 9.0, [0, 0, 0])
    mid_missing_one_unit = make(3, 3.0, [1, 0, 0])
    near_complete = make(4, 1.0, [0, 0, 0])
    mid_missing_one_line_two_units = make(5, 2.0, [2, 0, 0])
    ranked = supply.rank_supplies(
        [
            near_missing_two_lines,
            far_complete,
            mid_missing_one_unit,
            near_complete,
            mid_missing_one_line_two_units,
        ]
    )
    assert [s.store_id for s in ranked] == [4, 2, 3, 5, 1]


def test_rank_breaks_exact_ties_by_store_id():
    ranked = supply.rank_supplies([make(9, 1.0, [0]), make(3, 1.0, [0])])
    assert [s.store_id for s in ranked] == [3, 9]


WEEKDAYS = hours.Schedule(
    timezone="Europe/Paris",
    weekly=tuple(
        hours.WeeklyInterval(day, hours.Interval(dt.time(9), dt.time(19)))
        for day in range(5)
    ),
)


def paris(*args):
    return pytz.timezone("Europe/Paris").localize(dt.datetime(*args))


def test_ready_by_while_open():
    # Tuesday 10:00, 60 minutes lead: 11:00 the same day.
    ready = supply.ready_by(
        WEEKDAYS, now=paris(2026, 11, 24, 10), lead_time=dt.timedelta(hours=1)
    )
    assert ready == paris(2026, 11, 24, 11)


def test_ready_by_counts_only_opening_hours():
    # Tuesday 18:30 with a two-hour lead: 30 minutes tonight, 90 tomorrow morning.
    ready = supply.ready_by(
        WEEKDAYS, now=paris(2026, 11, 24, 18, 30), lead_time=dt.timedelta(hours=2)
    )
    assert ready == paris(2026, 11, 25, 10, 30)


def test_ready_by_skips_the_weekend():
    ready = supply.ready_by(
        WEEKDAYS, now=paris(2026, 11, 28, 12), lead_time=dt.timedelta(minutes=30)
    )
    assert ready == paris(2026, 11, 30, 9, 30)


def test_ready_by_with_no_lead_time_is_the_next_opening_when_closed():
    ready = supply.ready_by(
        WEEKDAYS, now=paris(2026, 11, 24, 20), lead_time=dt.timedelta(0)
    )
    assert ready == paris(2026, 11, 25, 9)


def test_ready_by_is_none_for_a_store_that_never_opens():
    closed = hours.Schedule(timezone="Europe/Paris")
    assert (
        supply.ready_by(closed, now=paris(2026, 11, 24, 10), lead_time=dt.timedelta(1))
        is None
    )


def units(*rows):
    return [
        supply.StockUnits(stock, variant, available)
        for stock, variant, available in rows
    ]


def test_allocation_plan_fills_lines_from_the_first_stock_rows():
    plan = supply.allocation_plan(
        [Line(7, 5), Line(8, 1)],
        units((1, 7, 2), (2, 8, 4), (3, 7, 10), (4, 7, 10)),
    )
    assert plan.is_complete
    assert plan.takes == (
        supply.Take(1, 7, 2),
        supply.Take(3, 7, 3),
        supply.Take(2, 8, 1),
    )


def test_allocation_plan_says_what_is_short():
    plan = supply.allocation_plan(
        [Line(7, 5), Line(8, 1), Line(9, 2)], units((1, 7, 3), (2, 9, 0))
    )
    assert not plan.is_complete
    assert plan.short == (Line(7, 2), Line(8, 1), Line(9, 2))
    assert plan.takes == (supply.Take(1, 7, 3),)
