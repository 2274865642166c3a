"""The occupancy counter, check-ins leaving after the dwell time, crowding events."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from saleor.app.models import App

from saleor_o2o.occupancy import rules, services
from saleor_o2o.occupancy.models import OccupancyDeparture, StoreOccupancy
from saleor_o2o.store.models import AppStore
from saleor_o2o.webhook.events import O2OEventType
from saleor_o2o.webhook.models import O2OEvent, WebhookSubscription

from helpers.api import code_of, event_permissions, gid
from helpers.webhooks import webhook_of

CROWDED, EASED = O2OEventType.STORE_CROWDED, O2OEventType.STORE_EASED


def figure(store) -> int:
    return StoreOccupancy.objects.get(store=store).current


def crowding_events():
    return list(
        O2OEvent.objects.filter(type__in=[CROWDED, EASED])
        .order_by("pk")
        .values_list("type", "payload__current")
    )


def arrive(store, source=rules.ArrivalSource.PICKUP, at=None):
    with transaction.atomic():
        services.occupancy_arrival(store_id=store.pk, source=source, at=at)


def test_the_counter_adds_removes_and_never_goes_below_zero(store):
    services.store_occupancy_update(store_id=store.pk, delta=3)
    services.store_occupancy_update(store_id=store.pk, delta=-1)
    assert figure(store) == 2

    services.store_occupancy_update(store_id=store.pk, delta=-5)
    assert figure(store) == 0

    services.store_occupancy_update(store_id=store.pk, count=7)
    assert figure(store) == 7


def test_bad_changes_are_refused_and_change_nothing(store):
    services.store_occupancy_update(store_id=store.pk, delta=2)

    assert code_of(lambda: services.store_occupancy_update(store_id=store.pk)) == (
        "REQUIRED"
    )
    assert (
        code_of(
            lambda: services.store_occupancy_update(store_id=store.pk, delta=1, count=1)
        )
        == "INVALID"
    )
    assert figure(store) == 2


def test_check_ins_count_until_the_dwell_time_is_over(store):
    at = timezone.now()
    services.occupancy_settings_update(store_id=store.pk, data={"dwell_minutes": 15})
    arrive(store, at=at)
    arrive(
        store, source=rules.ArrivalSource.APPOINTMENT, at=at + dt.timedelta(minutes=5)
    )
    services.store_occupancy_update(store_id=store.pk, delta=1)  # A walk-in.
    assert figure(store) == 3

    assert services.occupancy_departures(now=at + dt.timedelta(minutes=14)) == 0
    assert services.occupancy_departures(now=at + dt.timedelta(minutes=15)) == 1
    assert figure(store) == 2
    assert services.occupancy_departures(now=at + dt.timedelta(minutes=30)) == 1
    assert figure(store) == 1  # The walk-in is the desk's to count out.
    assert not OccupancyDeparture.objects.exists()


def test_a_head_count_takes_over_the_pending_departures(store):
    at = timezone.now()
    arrive(store, at=at)
    arrive(store, at=at)
    services.store_occupancy_update(store_id=store.pk, count=5)

    assert services.occupancy_departures(now=at + dt.timedelta(hours=1)) == 0
    assert figure(store) == 5


def test_departures_never_take_the_figure_below_zero(store):
    at = timezone.now()
    arrive(store, at=at)
    arrive(store, at=at)
    services.store_occupancy_update(store_id=store.pk, delta=-2)  # Desk counted out.

    services.occupancy_departures(now=at + dt.timedelta(hours=1))

    assert figure(store) == 0


def test_a_pickup_check_in_counts_in_its_store(pickup_factory, store, clerk):
    from helpers.pickups import move

    curbside = pickup_factory(curbside=True)
    move(curbside, "preparing", "ready", actor=clerk)
    from saleor_o2o.pickup.services import pickup_check_in

    pickup_check_in(order=curbside.order, bay="4")

    assert figure(store) == 1
    assert list(OccupancyDeparture.objects.values_list("source", flat=True)) == [
        rules.ArrivalSource.CURBSIDE
    ]


def test_crowding_is_recorded_once_per_crossing_with_hysteresis(store):
    services.occupancy_settings_update(
        store_id=store.pk, data={"capacity": 10, "crowded_percent": 90}
    )
    for count in (8, 9, 10, 9, 8, 9, 7, 6, 9):
        services.store_occupancy_update(store_id=store.pk, count=count)

    # Crowded at 9; still crowded at 8 (eases below 80%); eased at 7; again at 9.
    assert crowding_events() == [(CROWDED, 9), (EASED, 7), (CROWDED, 9)]
    assert StoreOccupancy.objects.get(store=store).is_crowded


def test_a_new_capacity_can_ease_a_crowded_store(store):
    services.occupancy_settings_update(store_id=store.pk, data={"capacity": 10})
    services.store_occupancy_update(store_id=store.pk, count=10)

    services.occupancy_settings_update(store_id=store.pk, data={"capacity": 40})

    assert crowding_events() == [(CROWDED, 10), (EASED, 10)]


@pytest.mark.parametrize("narrowed_elsewhere", [False, True])
def test_crowding_webhooks_reach_a_real_receiver_of_apps_acting_in_the_store(
    store,
    store_factory,
    webhook_receiver,
    more_webhook_receivers,
    on_commit,
    site_settings,
    narrowed_elsewhere,
):
    from saleor_o2o.webhook import services as webhook_services

    other_store = store_factory("Paris Bastille", 48.8532, 2.3692)
    everywhere = App.objects.create(name="Everywhere", is_active=True)
    narrowed = App.objects.create(name="Narrowed", is_active=True)
    AppStore.objects.create(
        app=narrowed, store=other_store if narrowed_elsewhere else store
    )
    narrowed_receiver = more_webhook_receivers()
    for app, receiver in (
        (everywhere, webhook_receiver),
        (narrowed, narrowed_receiver),
    ):
        app.permissions.add(*event_permissions(CROWDED, EASED))
        webhook = webhook_of(app, receiver.url)
        webhook.secret_key = receiver.secret
        webhook.save()
        webhook_services.webhook_subscriptions_set(
            webhook=webhook, event_types=[CROWDED, EASED]
        )
    services.occupancy_settings_update(store_id=store.pk, data={"capacity": 4})

    with on_commit():
        services.store_occupancy_update(store_id=store.pk, count=4)
    with on_commit():
        services.store_occupancy_update(store_id=store.pk, delta=1)  # Still crowded.
    with on_commit():
        services.store_occupancy_update(store_id=store.pk, count=1)

    received = [(r["event"], r["data"]["current"]) for r in webhook_receiver.requests]
    assert received == [(CROWDED, 4), (EASED, 1)]
    assert all(r["verified"] for r in webhook_receiver.requests)
    first = webhook_receiver.requests[0]["data"]
    assert first["store"]["id"] == gid("Store", store.pk)
    assert (first["is_crowded"], first["capacity"]) == (True, 4)
    narrowed_got = [r["event"] for r in narrowed_receiver.requests]
    assert narrowed_got == ([] if narrowed_elsewhere else [CROWDED, EASED])
    assert WebhookSubscription.objects.count() == 4


def test_new_settings_leave_the_time_the_figure_last_changed(store):
    """``updatedAt`` says when the figure last changed, not the settings."""
    counted_at = timezone.now() - dt.timedelta(minutes=30)
    services.store_occupancy_update(store_id=store.pk, count=4, now=counted_at)

    services.occupancy_settings_update(store_id=store.pk, data={"capacity": 50})

    occupancy = StoreOccupancy.objects.get(store=store)
    assert (occupancy.current, occupancy.capacity) == (4, 50)
    assert occupancy.updated_at == counted_at
