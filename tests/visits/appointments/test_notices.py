"""Appointment notices: a webhook event per move (never the code), heard only by
apps acting in the store, and the shopper's e-mails recorded with the move."""

import datetime as dt

import pytest
import pytz
from django.db import transaction

from saleor_o2o.core.actors import Actor
from saleor_o2o.core.ids import global_id
from saleor_o2o.store.models import AppStore
from saleor_o2o.visits.appointments import notices
from saleor_o2o.visits.appointments.notice_models import AppointmentEmail
from saleor_o2o.webhook.events import O2OEventType
from saleor_o2o.webhook.models import O2OEvent, WebhookDelivery

START = dt.datetime(2027, 3, 2, 9, 0, tzinfo=pytz.utc)


def notify(appointment, notice, actor=None):
    with transaction.atomic():
        notices.appointment_notify(appointment, notice, actor=actor)


def test_every_notice_has_its_own_event_type():
    assert set(notices.EVENT_FOR_NOTICE) == set(notices.NOTICES)
    assert set(notices.EVENT_FOR_NOTICE.values()) == {
        value for value, _ in O2OEventType.CHOICES if value.startswith("appointment_")
    }
    assert len(set(notices.EVENT_FOR_NOTICE.values())) == len(notices.NOTICES)


def test_an_unknown_notice_is_a_bug(appointment_desk_factory):
    with pytest.raises(ValueError):
        notify(appointment_desk_factory(START), "teleported")


def test_the_payload_says_when_what_who_and_where_never_the_code(
    appointment_desk_factory, staff_user, on_commit
):
    appointment = appointment_desk_factory(START, note="Size 42 please")
    with on_commit(execute=False):
        notify(appointment, notices.CHECKED_IN, Actor.of(staff_user))

    [event] = O2OEvent.objects.all()
    store, kind = appointment.store, appointment.appointment_type
    assert event.type == "appointment_checked_in"
    assert event.payload == {
        "type": "Appointment",
        "id": global_id("Appointment", appointment.pk),
        "status": "BOOKED",
        "starts_at": "2027-03-02T09:00:00+00:00",
        "ends_at": "2027-03-02T09:30:00+00:00",
        "timezone": "Europe/Paris",
        "checked_in_at": None,
        "cancelled_at": None,
        "appointment_type": {
            "id": global_id("AppointmentType", kind.pk),
            "name": "Fitting",
            "duration_minutes": 30,
        },
        "customer": {
            "user_id": None,
            "email": "shopper@example.com",
            "name": "Camille",
        },
        "note": "Size 42 please",
        "store": {
            "id": global_id("Store", store.pk),
            "name": store.name,
            "slug": store.slug,
            "warehouse_id": global_id("Warehouse", store.warehouse_id),
        },
        "actor": {
            "type": "STAFF",
            "user_id": global_id("User", staff_user.pk),
            "app_id": None,
        },
    }
    assert appointment.code not in str(event.payload)
    assert appointment.token_hash not in str(event.payload)


@pytest.mark.parametrize(
    "notice,email",
    [
        (notices.BOOKED, "confirmation"),
        (notices.RESCHEDULED, "confirmation"),
        (notices.CANCELLED, "cancelled"),
        (notices.CHECKED_IN, None),
        (notices.NO_SHOW, None),
    ],
)
def test_the_shopper_is_emailed_of_their_own_moves_only(
    appointment_desk_factory, on_commit, notice, email
):
    with on_commit(execute=False):
        notify(appointment_desk_factory(START), notice)

    assert list(AppointmentEmail.objects.values_list("kind", flat=True)) == (
        [email] if email else []
    )


def test_each_change_raises_the_calendar_sequence(appointment_desk_factory, on_commit):
    appointment = appointment_desk_factory(START)
    with on_commit(execute=False):
        notify(appointment, notices.BOOKED)
        appointment.starts_at = START + dt.timedelta(hours=2)
        appointment.ends_at = appointment.starts_at + dt.timedelta(minutes=30)
        appointment.save()
        notify(appointment, notices.RESCHEDULED)
        notify(appointment, notices.CANCELLED)

    rows = AppointmentEmail.objects.order_by("pk")
    assert [(e.kind, e.sequence, e.starts_at.hour) for e in rows] == [
        ("confirmation", 0, 9),
        ("confirmation", 1, 11),
        ("cancelled", 2, 11),
    ]


def test_a_move_to_another_time_makes_the_reminder_due_again(
    appointment_desk_factory, on_commit
):
    appointment = appointment_desk_factory(START, reminded_at=START)
    with on_commit(execute=False):
        notify(appointment, notices.RESCHEDULED)

    appointment.refresh_from_db()
    assert appointment.reminded_at is None


def test_notices_reach_a_subscriber_signed(
    appointment_desk_factory, o2o_webhook, webhook_receiver, on_commit, site_settings
):
    o2o_webhook(O2OEventType.APPOINTMENT_BOOKED, O2OEventType.APPOINTMENT_NO_SHOW)
    appointment = appointment_desk_factory(START)

    for notice in (notices.BOOKED, notices.CHECKED_IN, notices.NO_SHOW):
        with on_commit():
            notify(appointment, notice, Actor.system())

    received = webhook_receiver.requests
    assert [r["event"] for r in received] == [
        "appointment_booked",
        "appointment_no_show",
    ]
    assert all(r["verified"] for r in received)
    assert received[1]["data"]["id"] == global_id("Appointment", appointment.pk)
    assert received[1]["data"]["actor"] == {
        "type": "SYSTEM",
        "user_id": None,
        "app_id": None,
    }
    assert received[1]["data"]["event_type"] == "appointment_no_show"


@pytest.mark.parametrize(
    "narrowed_to,heard",
    [((), 1), (("own",), 1), (("other",), 0), (("own", "other"), 1)],
)
def test_an_app_narrowed_to_stores_hears_only_of_their_appointments(
    appointment_desk_factory,
    appointment_desk_other_store,
    o2o_webhook,
    app,
    on_commit,
    narrowed_to,
    heard,
):
    appointment = appointment_desk_factory(START)
    other = appointment_desk_other_store.store
    webhook = o2o_webhook(O2OEventType.APPOINTMENT_BOOKED)
    for name in narrowed_to:
        AppStore.objects.create(
            app=app, store=appointment.store if name == "own" else other
        )

    with on_commit(execute=False):
        notify(appointment, notices.BOOKED)

    assert WebhookDelivery.objects.filter(webhook=webhook).count() == heard
