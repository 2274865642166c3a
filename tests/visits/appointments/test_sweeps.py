"""The beat's appointment sweep: reminders once before, no-shows after the grace
period, run as Celery runs it (eagerly here, as the pickup expiry is tested)."""

import datetime as dt
from datetime import timedelta

import pytest
import pytz
from django.core import mail
from freezegun import freeze_time

from saleor_o2o.visits.appointments.models import Appointment
from saleor_o2o.visits.appointments.notice_models import AppointmentEmail
from saleor_o2o.visits.appointments.tasks import sweep_appointments_task
from saleor_o2o.webhook.events import O2OEventType
from saleor_o2o.webhook.models import O2OEvent

START = dt.datetime(2027, 3, 2, 9, 0, tzinfo=pytz.utc)


@pytest.fixture
def sweep_at(on_commit, site_settings, o2o_active):
    """Run the beat task at a moment, with what it sends after commit."""

    def sweep(moment):
        with freeze_time(moment), on_commit():
            return sweep_appointments_task.delay().get()

    return sweep


@pytest.fixture
def booked(appointment_desk_factory):
    """An appointment booked two days ahead of START."""
    return appointment_desk_factory(START, created_at=START - timedelta(days=2))


def status_of(appointment):
    appointment.refresh_from_db()
    return appointment.status


def test_the_reminder_goes_once_24_hours_before(booked, sweep_at):
    assert sweep_at(START - timedelta(hours=24, seconds=1)) == {
        "reminded": 0,
        "no_shows": 0,
    }
    assert sweep_at(START - timedelta(hours=24)) == {"reminded": 1, "no_shows": 0}
    [email] = mail.outbox
    assert email.subject.startswith("Reminder: your Fitting")
    assert booked.code in email.body
    [(name, ics, mime)] = email.attachments
    assert name == "appointment.ics" and mime == "text/calendar"
    assert "BEGIN:VEVENT" in ics
    booked.refresh_from_db()
    assert booked.reminded_at == START - timedelta(hours=24)

    assert sweep_at(START - timedelta(hours=2)) == {"reminded": 0, "no_shows": 0}
    assert AppointmentEmail.objects.filter(kind="reminder").count() == 1


def test_no_reminder_after_a_confirmation_within_the_day(
    appointment_desk_factory, sweep_at, on_commit
):
    from django.db import transaction

    from saleor_o2o.visits.appointments import notices

    with freeze_time(START - timedelta(hours=5)), on_commit(execute=False):
        appointment = appointment_desk_factory(START)
        with transaction.atomic():
            notices.appointment_notify(appointment, notices.BOOKED)

    assert sweep_at(START - timedelta(hours=2)) == {"reminded": 0, "no_shows": 0}


def test_a_booked_appointment_becomes_a_no_show_after_15_minutes(booked, sweep_at):
    assert sweep_at(START + timedelta(minutes=14, seconds=59))["no_shows"] == 0
    assert status_of(booked) == "booked"

    assert sweep_at(START + timedelta(minutes=15))["no_shows"] == 1
    assert status_of(booked) == "no_show"
    [event] = O2OEvent.objects.filter(type=O2OEventType.APPOINTMENT_NO_SHOW)
    assert event.payload["status"] == "NO_SHOW"
    assert event.payload["actor"]["type"] == "SYSTEM"

    # Run again: nothing more.
    assert sweep_at(START + timedelta(hours=1))["no_shows"] == 0
    assert O2OEvent.objects.filter(type=O2OEventType.APPOINTMENT_NO_SHOW).count() == 1


@pytest.mark.parametrize("status", ["checked_in", "cancelled", "no_show"])
def test_only_booked_appointments_become_no_shows(
    appointment_desk_factory, sweep_at, status
):
    appointment = appointment_desk_factory(START, status=status)

    assert sweep_at(START + timedelta(hours=1)) == {"reminded": 0, "no_shows": 0}
    assert status_of(appointment) == status


def test_the_grace_period_is_a_setting(booked, sweep_at, settings):
    settings.O2O_APPOINTMENT_NO_SHOW_GRACE_MINUTES = 45

    assert sweep_at(START + timedelta(minutes=30))["no_shows"] == 0
    assert sweep_at(START + timedelta(minutes=45))["no_shows"] == 1


def test_the_task_does_nothing_while_the_plugin_is_inactive(
    booked, configure_o2o, on_commit
):
    configure_o2o(active=False)
    with freeze_time(START + timedelta(days=1)), on_commit():
        assert sweep_appointments_task.delay().get() == {
            "reminded": 0,
            "no_shows": 0,
        }
    assert Appointment.objects.get().status == "booked"


def test_the_sweeps_are_scheduled_on_celery_beat(settings):
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "saleor_o2o.tasks.sweep_appointments_task" in scheduled
    assert "saleor_o2o.tasks.send_pending_appointment_emails_task" in scheduled
