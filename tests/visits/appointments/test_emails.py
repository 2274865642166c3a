"""Appointment e-mails: sent through a real SMTP server, each with an .ics file
that icalendar reads back with the visit's times in the store's time zone."""

import datetime as dt
from datetime import timedelta

import pytest
import pytz
from django.contrib.sites.models import Site
from django.db import transaction
from icalendar import Calendar

from saleor_o2o.visits.appointments import emails, notices
from saleor_o2o.visits.appointments.notice_models import AppointmentEmail

from helpers.servers import free_port
from helpers.smtp import SmtpReceiver, text_of

#: 09:00 UTC on 2 March 2027 is 10:00 in Paris (CET), the store's zone.
START = dt.datetime(2027, 3, 2, 9, 0, tzinfo=pytz.utc)
PARIS = pytz.timezone("Europe/Paris")


@pytest.fixture
def smtp(settings):
    """A real mail server, used through Django's SMTP backend."""
    receiver = SmtpReceiver()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", receiver.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    yield receiver
    receiver.close()


def notify(appointment, notice):
    with transaction.atomic():
        notices.appointment_notify(appointment, notice)


def calendar_of(message) -> Calendar:
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert part.get_filename() == "appointment.ics"
    return Calendar.from_ical(part.get_payload(decode=True))


def event_of(calendar: Calendar):
    [event] = calendar.walk("VEVENT")
    return event


def test_the_confirmation_tells_the_visit_in_the_stores_time_with_its_ics(
    appointment_desk_factory, on_commit, smtp, site_settings
):
    appointment = appointment_desk_factory(START)
    with on_commit():  # The task sends it after commit (Celery runs eagerly here).
        notify(appointment, notices.BOOKED)

    [message] = smtp.messages
    assert message["X-Rcpt-To"] == "shopper@example.com"
    assert message["Subject"] == (
        f"Your Fitting at {appointment.store.name} on Tuesday 2 March, 10:00"
    )
    body = text_of(message)
    assert "Tuesday 2 March 2027, 10:00–10:30 CET" in body
    assert appointment.code in body
    calendar = calendar_of(message)
    assert str(calendar["METHOD"]) == "PUBLISH"
    event = event_of(calendar)
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start == START and end == START + timedelta(minutes=30)
    assert str(start.tzinfo) == "Europe/Paris" and start.hour == 10
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/Paris"
    assert event["SEQUENCE"] == 0 and str(event["STATUS"]) == "CONFIRMED"
    host = Site.objects.get_current().domain.split(":")[0]
    assert str(event["UID"]) == f"o2o-appointment-{appointment.pk}@{host}"
    assert appointment.code in str(event["DESCRIPTION"])
    assert "1 Rue de Test" in str(event["LOCATION"])
    assert AppointmentEmail.objects.get().sent_at is not None


def test_a_move_then_a_cancellation_replace_the_calendars_copy(
    appointment_desk_factory, on_commit, smtp, site_settings
):
    appointment = appointment_desk_factory(START)
    with on_commit():
        notify(appointment, notices.BOOKED)
        appointment.starts_at = START + timedelta(days=1, hours=6)  # Wed, 16:00.
        appointment.ends_at = appointment.starts_at + timedelta(minutes=30)
        appointment.save()
        notify(appointment, notices.RESCHEDULED)
        notify(appointment, notices.CANCELLED)

    booked, moved, cancelled = smtp.messages
    assert moved["Subject"].startswith("Moved: your Fitting")
    assert "Wednesday 3 March 2027, 16:00–16:30 CET" in text_of(moved)
    events = [event_of(calendar_of(m)) for m in (booked, moved, cancelled)]
    assert len({str(e["UID"]) for e in events}) == 1
    assert [e["SEQUENCE"] for e in events] == [0, 1, 2]
    assert events[1].decoded("DTSTART").astimezone(PARIS).hour == 16
    cancel = calendar_of(cancelled)
    assert str(cancel["METHOD"]) == "CANCEL"
    assert str(events[2]["STATUS"]) == "CANCELLED"
    assert cancelled["Subject"].startswith("Cancelled: your Fitting")
    assert appointment.code not in text_of(cancelled)


def test_an_email_told_late_keeps_the_times_it_was_due_with(
    appointment_desk_factory, on_commit, smtp, site_settings
):
    appointment = appointment_desk_factory(START)
    with on_commit(execute=False):  # The broker never hears of it.
        notify(appointment, notices.BOOKED)
    appointment.starts_at = START + timedelta(hours=2)
    appointment.save()

    assert emails.appointment_emails_send_pending(older_than=timedelta(0)) == 1

    [message] = smtp.messages
    assert event_of(calendar_of(message)).decoded("DTSTART") == START
    # Sent once: neither the sweep nor a late task sends it again.
    assert emails.appointment_emails_send_pending(older_than=timedelta(0)) == 0
    email_id = AppointmentEmail.objects.get().pk
    assert emails.appointment_email_deliver(email_id=email_id) is False


def test_a_mail_server_down_is_recorded_and_the_email_sent_when_it_is_back(
    appointment_desk_factory, on_commit, settings, smtp, site_settings
):
    with on_commit(execute=False):
        notify(appointment_desk_factory(START), notices.BOOKED)
    email = AppointmentEmail.objects.get()
    settings.EMAIL_PORT = free_port()

    with pytest.raises(OSError):
        emails.appointment_email_deliver(email_id=email.pk)

    email.refresh_from_db()
    assert email.sent_at is None and email.attempts == 1
    settings.EMAIL_PORT = smtp.port
    assert emails.appointment_emails_send_pending(older_than=timedelta(0)) == 1
    assert len(smtp.messages) == 1
