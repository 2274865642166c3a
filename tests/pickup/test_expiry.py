"""Expiry of uncollected pickups, run by Celery beat, driven here on a frozen clock."""

from datetime import datetime, timedelta

import pytest
import pytz
from django.core import mail
from freezegun import freeze_time
from saleor.order import OrderStatus
from saleor.warehouse.models import Allocation

from saleor_o2o.core import settings as conf
from saleor_o2o.pickup import handover
from saleor_o2o.pickup import selectors as pickup_selectors
from saleor_o2o.pickup import services as pickup_services
from saleor_o2o.pickup.models import Pickup, PickupStatus
from saleor_o2o.pickup.tasks import expire_pickups_task
from saleor_o2o.webhook.events import O2OEventType
from saleor_o2o.webhook.models import O2OEvent

READY_AT = datetime(2027, 3, 2, 10, 0, tzinfo=pytz.utc)


@pytest.fixture
def hold_48h_remind_6h(configure_o2o):
    return configure_o2o(
        active=True,
        **{
            conf.GEOCODER_PROVIDER: "none",
            conf.PICKUP_HOLD_HOURS: "48",
            conf.PICKUP_REMINDER_HOURS: "6",
        },
    )


@pytest.fixture
def ready_pickup(pickup_factory, staff_user):
    def make(**kwargs):
        pickup = pickup_factory(**kwargs)
        with freeze_time(READY_AT):
            return pickup_services.pickup_status_update(
                pickup=pickup,
                status="ready",
                actor=pickup_services.Actor.of(staff_user),
            )

    return make


@pytest.fixture
def sweep_at(on_commit, site_settings):
    """Run the beat task at a moment, with what it sends after commit."""

    def sweep(moment):
        with freeze_time(moment), on_commit():
            return expire_pickups_task.delay().get()

    return sweep


def test_nothing_happens_before_the_reminder_is_due(
    hold_48h_remind_6h, ready_pickup, sweep_at
):
    ready_pickup()
    mail.outbox.clear()

    assert sweep_at(READY_AT + timedelta(hours=41, minutes=59)) == {
        "reminded": 0,
        "expired": 0,
    }
    assert mail.outbox == []


def test_reminder_then_expiry(hold_48h_remind_6h, ready_pickup, sweep_at):
    pickup = ready_pickup()
    mail.outbox.clear()

    assert sweep_at(READY_AT + timedelta(hours=42)) == {"reminded": 1, "expired": 0}
    [reminder] = O2OEvent.objects.filter(type=O2OEventType.PICKUP_EXPIRY_REMINDER)
    assert (
        reminder.payload["expires_at"] == (READY_AT + timedelta(hours=48)).isoformat()
    )
    [email] = mail.outbox
    assert "Reminder" in email.subject and pickup.code in email.body
    # Safe to run twice: no second reminder.
    assert sweep_at(READY_AT + timedelta(hours=43)) == {"reminded": 0, "expired": 0}

    assert sweep_at(READY_AT + timedelta(hours=48)) == {"reminded": 0, "expired": 1}
    pickup.refresh_from_db()
    assert pickup.status == PickupStatus.EXPIRED
    assert pickup.order.status == OrderStatus.CANCELED
    allocations = Allocation.objects.filter(order_line__order=pickup.order)
    assert set(allocations.values_list("quantity_allocated", flat=True)) == {0}
    entry = pickup.transitions.last()
    assert (entry.from_status, entry.to_status, entry.actor_type) == (
        "ready",
        "expired",
        "system",
    )
    assert O2OEvent.objects.filter(type=O2OEventType.PICKUP_EXPIRED).count() == 1
    assert not O2OEvent.objects.filter(type=O2OEventType.PICKUP_CANCELLED).exists()
    assert "cancelled" in mail.outbox[-1].subject

    # And again: nothing more.
    assert sweep_at(READY_AT + timedelta(hours=49)) == {"reminded": 0, "expired": 0}
    assert pickup.transitions.count() == 3


def test_a_sweep_long_overdue_expires_without_a_late_reminder(
    hold_48h_remind_6h, ready_pickup, sweep_at
):
    ready_pickup()

    assert sweep_at(READY_AT + timedelta(days=5)) == {"reminded": 0, "expired": 1}
    assert not O2OEvent.objects.filter(
        type=O2OEventType.PICKUP_EXPIRY_REMINDER
    ).exists()


def test_arrived_and_collected_pickups_do_not_expire(
    hold_48h_remind_6h, ready_pickup, staff_user, sweep_at
):
    arrived = ready_pickup()
    pickup_services.pickup_check_in(order=arrived.order)
    collected = ready_pickup()
    handover.pickup_collect(
        pickup=collected,
        code=collected.code,
        actor=pickup_services.Actor.of(staff_user),
    )

    assert sweep_at(READY_AT + timedelta(days=3)) == {"reminded": 0, "expired": 0}
    statuses = set(Pickup.objects.values_list("status", flat=True))
    assert statuses == {PickupStatus.CUSTOMER_ARRIVED, PickupStatus.COLLECTED}


def test_expiry_frees_the_pickup_slot(
    hold_48h_remind_6h, ready_pickup, store, sweep_at
):
    slot = datetime(2027, 3, 2, 9, 0, tzinfo=pytz.utc)
    pickup = ready_pickup()
    Pickup.objects.filter(pk=pickup.pk).update(slot_start=slot)

    def booked():
        window = dict(start=slot, end=slot + timedelta(hours=1))
        return pickup_selectors.slot_bookings(store=store, **window).get(slot, 0)

    assert booked() == 1

    sweep_at(READY_AT + timedelta(days=3))

    assert booked() == 0


def test_the_task_does_nothing_while_the_plugin_is_inactive(
    ready_pickup, configure_o2o, sweep_at
):
    configure_o2o(active=False)
    ready_pickup()

    assert sweep_at(READY_AT + timedelta(days=30)) == {"reminded": 0, "expired": 0}
    assert Pickup.objects.get().status == PickupStatus.READY


def test_the_sweep_is_scheduled_on_celery_beat(settings):
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "saleor_o2o.tasks.expire_pickups_task" in scheduled
    assert "saleor_o2o.tasks.deliver_webhooks_task" in scheduled
    assert "saleor_o2o.tasks.send_pending_pickup_emails_task" in scheduled
