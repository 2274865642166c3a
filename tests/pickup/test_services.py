"""The pickup lifecycle applied to the database: audit, events, Saleor's order."""

import threading
from datetime import timedelta

import pytest
import pytz
from django.contrib.auth.models import Permission
from django.core import mail
from django.db import connection
from django.utils import timezone
from saleor.order import OrderStatus
from saleor.webhook.event_types import WebhookEventType
from saleor.webhook.models import Webhook

from saleor_o2o.core.errors import InvalidInput
from saleor_o2o.core.ids import global_id
from saleor_o2o.pickup import handover
from saleor_o2o.pickup import rules as lifecycle
from saleor_o2o.pickup import services as pickup_services
from saleor_o2o.pickup.models import Pickup, PickupStatus
from saleor_o2o.webhook.events import O2OEventType
from saleor_o2o.webhook.models import O2OEvent

from helpers.pickups import allocated, move

Actor = pickup_services.Actor


def events_of(type_name):
    return list(O2OEvent.objects.filter(type=type_name).order_by("pk"))


def test_a_new_pickup_has_its_first_audit_entry_and_event(pickup_factory):
    pickup = pickup_factory()

    [entry] = pickup.transitions.all()
    assert (entry.from_status, entry.to_status, entry.actor_type) == (
        "received",
        "received",
        "shopper",
    )
    [event] = events_of(O2OEventType.PICKUP_CREATED)
    assert event.payload["id"] == global_id("Pickup", pickup.pk)
    assert event.payload["status"] == "RECEIVED"
    assert event.payload["store"]["slug"] == pickup.store.slug


def test_each_transition_is_audited_with_its_actor_and_note(
    pickup_factory, clerk, staff_user
):
    pickup = pickup_factory()

    pickup = pickup_services.pickup_status_update(
        pickup=pickup, status="preparing", actor=clerk, note="Picking now"
    )
    pickup = pickup_services.pickup_status_update(
        pickup=pickup, status="ready", actor=clerk
    )

    assert Pickup.objects.get().status == PickupStatus.READY
    entries = list(pickup.transitions.all())
    assert [(e.from_status, e.to_status) for e in entries] == [
        ("received", "received"),
        ("received", "preparing"),
        ("preparing", "ready"),
    ]
    assert entries[1].user == staff_user and entries[1].actor_type == "staff"
    assert entries[1].note == "Picking now"
    assert pickup.ready_at is not None
    [ready] = events_of(O2OEventType.PICKUP_READY)
    assert ready.payload["transition"]["from"] == "PREPARING"
    assert ready.payload["transition"]["user_id"] == global_id("User", staff_user.pk)


def test_a_refused_transition_names_the_current_status_and_changes_nothing(
    pickup_factory, clerk
):
    pickup = pickup_factory()

    with pytest.raises(lifecycle.InvalidTransition) as refused:
        pickup_services.pickup_status_update(
            pickup=pickup, status="customer_arrived", actor=clerk
        )

    assert "RECEIVED" in str(refused.value)
    assert Pickup.objects.get().status == PickupStatus.RECEIVED
    assert pickup.transitions.count() == 1
    assert not events_of(O2OEventType.PICKUP_CUSTOMER_ARRIVED)


def test_collecting_through_the_status_update_needs_the_code(pickup_factory, clerk):
    pickup = move(pickup_factory(), "ready", actor=clerk)

    with pytest.raises(InvalidInput) as refused:
        pickup_services.pickup_status_update(
            pickup=pickup, status="collected", actor=clerk
        )
    assert refused.value.code == "CODE_REQUIRED"


def test_curbside_check_in_records_bay_and_vehicle(pickup_factory, clerk):
    pickup = move(pickup_factory(curbside=True), "ready", actor=clerk)

    with pytest.raises(InvalidInput) as refused:
        pickup_services.pickup_check_in(order=pickup.order)
    assert refused.value.code == "REQUIRED"

    pickup_services.pickup_check_in(
        order=pickup.order, bay="4", vehicle="Blue Clio AB-123-CD"
    )

    pickup.refresh_from_db()
    assert pickup.status == PickupStatus.CUSTOMER_ARRIVED
    assert (pickup.arrival_bay, pickup.arrival_vehicle) == ("4", "Blue Clio AB-123-CD")
    entry = pickup.transitions.last()
    assert entry.actor_type == "shopper" and entry.note == "bay 4, Blue Clio AB-123-CD"
    [event] = events_of(O2OEventType.PICKUP_CUSTOMER_ARRIVED)
    assert event.payload["arrival"] == {"bay": "4", "vehicle": "Blue Clio AB-123-CD"}


def test_check_in_before_the_order_is_ready_is_refused(pickup_factory):
    pickup = pickup_factory()

    with pytest.raises(lifecycle.InvalidTransition) as refused:
        pickup_services.pickup_check_in(order=pickup.order)
    assert "RECEIVED" in str(refused.value)


def test_staff_cancelling_cancels_the_saleor_order_and_releases_stock(
    pickup_factory, clerk
):
    pickup = pickup_factory()

    pickup_services.pickup_status_update(
        pickup=pickup, status="cancelled", actor=clerk, note="Out of stock in store"
    )

    pickup.refresh_from_db()
    assert pickup.status == PickupStatus.CANCELLED
    assert pickup.order.status == OrderStatus.CANCELED
    assert allocated(pickup.order) == 0
    # Saleor's order_cancelled hook found the pickup already cancelled: one entry.
    assert [e.to_status for e in pickup.transitions.all()] == ["received", "cancelled"]
    assert len(events_of(O2OEventType.PICKUP_CANCELLED)) == 1


def test_ready_sends_the_shopper_an_email_with_the_code(
    pickup_factory, clerk, on_commit, site_settings
):
    with on_commit():
        pickup = move(pickup_factory(), "preparing", actor=clerk)
    assert mail.outbox == []

    with on_commit():
        pickup = move(pickup, "ready", actor=clerk)

    [message] = mail.outbox
    assert message.to == ["shopper@example.com"]
    assert message.from_email == "Example shop <shop@example.com>"
    assert pickup.store.name in message.subject
    assert pickup.code in message.body
    html = message.alternatives[0][0]
    assert pickup.code in html and pickup.store.name in html
    # The hold period's end, in the store's time zone (Europe/Paris here).
    held_until = timezone.localtime(
        pickup.ready_at + timedelta(hours=72), pytz.timezone("Europe/Paris")
    )
    assert f"{held_until:%H:%M} CE" in message.body


def test_notes_are_limited(pickup_factory, clerk):
    with pytest.raises(InvalidInput) as refused:
        pickup_services.pickup_status_update(
            pickup=pickup_factory(), status="preparing", actor=clerk, note="x" * 501
        )
    assert refused.value.field == "note"


@pytest.mark.django_db(transaction=True)
def test_concurrent_updates_cannot_both_win(pickup_factory, staff_user, site_settings):
    """A clerk hands over a pickup while another cancels it: exactly one wins."""
    pickup = move(pickup_factory(), "ready", actor=Actor.of(staff_user))
    barrier = threading.Barrier(2)
    outcomes = []

    def act(name, change):
        try:
            barrier.wait()
            change()
            outcomes.append(("ok", name))
        except lifecycle.InvalidTransition as error:
            outcomes.append(("refused", error.current))
        finally:
            connection.close()

    clerk = Actor.of(staff_user)
    threads = [
        threading.Thread(
            target=act,
            args=(
                "collected",
                lambda: handover.pickup_collect(
                    pickup=pickup, code=pickup.code, actor=clerk
                ),
            ),
        ),
        threading.Thread(
            target=act,
            args=(
                "cancelled",
                lambda: pickup_services.pickup_status_update(
                    pickup=pickup, status="cancelled", actor=clerk
                ),
            ),
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"], outcomes
    [(_, winner)] = [o for o in outcomes if o[0] == "ok"]
    [(_, seen)] = [o for o in outcomes if o[0] == "refused"]
    assert seen == winner  # The loser saw the winner's status, under the lock.
    final = Pickup.objects.get()
    assert final.status == winner
    assert [t.to_status for t in final.transitions.all()] == [
        "received",
        "ready",
        winner,
    ]


def test_status_changes_tell_saleors_order_updated_subscribers(
    pickup_factory, clerk, app, webhook_receiver, on_commit
):
    app.permissions.add(
        Permission.objects.get(
            codename="manage_orders", content_type__app_label="order"
        )
    )
    saleor_hook = Webhook.objects.create(
        app=app, target_url=webhook_receiver.url, secret_key=webhook_receiver.secret
    )
    saleor_hook.events.create(event_type=WebhookEventType.ORDER_UPDATED)
    pickup = pickup_factory()

    with on_commit():
        move(pickup, "preparing", actor=clerk)

    [received] = webhook_receiver.requests
    assert received["headers"]["X-Saleor-Event"] == "order_updated"
    assert received["verified"]
    assert received["body"][0]["id"] == global_id("Order", pickup.order_id)
