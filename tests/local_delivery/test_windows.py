"""Delivery windows: cut from opening hours, with places taken by bookings."""

import datetime as dt

import pytest
import pytz

from saleor_o2o.core.errors import InvalidInput
from saleor_o2o.local_delivery import selectors
from saleor_o2o.local_delivery.models import CheckoutLocalDelivery

from helpers.slots import NOW, local, new_checkout

PARIS = pytz.timezone("Europe/Paris")


def test_windows_cover_the_next_days_from_the_lead_time(store, delivery_area_factory):
    area = delivery_area_factory(store, window_minutes=180, lead_time_minutes=60)

    windows = selectors.store_delivery_windows(store=store, area=area, days=7, now=NOW)

    starts = [w.start.astimezone(PARIS) for w in windows]
    # Tuesday from 09:00 (08:00 + 1 h lead time) in 3 h windows to 18:00 closing:
    # 09:00, 12:00, 15:00; Sunday closed; next Tuesday excluded (7 days).
    assert [s.strftime("%H:%M") for s in starts[:3]] == ["09:00", "12:00", "15:00"]
    assert {s.date() for s in starts} == {
        dt.date(2026, 11, day) for day in (24, 25, 26, 27, 28, 30)
    }
    assert all(w.capacity == area.window_capacity for w in windows)


def test_a_booked_window_shows_what_remains(
    store, variant, delivery_area_factory, local_delivery_factory
):
    area = delivery_area_factory(store, window_capacity=2)
    local_delivery_factory(window_start=local(11))

    windows = selectors.store_delivery_windows(store=store, area=area, days=1, now=NOW)

    assert [(w.start, w.remaining) for w in windows] == [
        (local(11), 1),
        (local(13), 2),
        (local(15), 2),
        (local(17), 2),
    ]


def test_bookings_count_open_deliveries_and_live_holds(
    store, variant, local_delivery_factory
):
    from saleor_o2o.local_delivery.rules import LocalDeliveryStatus

    open_delivery = local_delivery_factory(window_start=local(11))
    closed = local_delivery_factory(window_start=local(11))
    closed.status = LocalDeliveryStatus.DELIVERED
    closed.save()
    for held_until in (NOW + dt.timedelta(minutes=1), NOW - dt.timedelta(minutes=1)):
        CheckoutLocalDelivery.objects.create(
            checkout=new_checkout(variant),
            store=store,
            window_start=local(13),
            window_end=local(15),
            held_until=held_until,
        )

    booked = selectors.window_bookings(
        store_ids=[store.pk], since=local(0), until=local(23), now=NOW
    )

    assert booked == {(store.pk, local(11)): 1, (store.pk, local(13)): 1}
    assert open_delivery.window_start == local(11)
    assert (
        selectors.window_bookings(
            store_ids=[store.pk], since=local(12), until=local(13), now=NOW
        )
        == {}
    )


@pytest.mark.parametrize("days", [0, selectors.MAX_WINDOW_DAYS + 1])
def test_days_are_bounded(store, delivery_area_factory, days):
    area = delivery_area_factory(store)
    with pytest.raises(InvalidInput) as error:
        selectors.store_delivery_windows(store=store, area=area, days=days, now=NOW)
    assert (error.value.field, error.value.code) == ("days", "OUT_OF_RANGE")


def test_windows_cut_once_serve_every_request_with_its_own_bookings():
    from saleor_o2o.local_delivery import windows
    from saleor_o2o.store import hours

    schedule = hours.Schedule(
        timezone="Europe/Paris",
        weekly=(
            hours.WeeklyInterval(1, hours.Interval(dt.time(9), dt.time(13))),
        ),  # Tuesdays
    )

    def cut(booked, minutes_after=0):
        return windows.delivery_windows(
            schedule,
            now=NOW + dt.timedelta(minutes=minutes_after),
            days=1,
            lead_time_minutes=60,
            window_minutes=60,
            capacity=2,
            booked=booked,
        )

    booked = cut({local(10): 2, local(12): 1})
    free = cut({})
    later = cut({}, minutes_after=61)

    assert [(w.start, w.remaining) for w in booked] == [
        (local(9), 2),
        (local(10), 0),
        (local(11), 2),
        (local(12), 1),
    ]
    assert {w.remaining for w in free} == {2}
    assert [w.start for w in later] == [local(11), local(12)]
