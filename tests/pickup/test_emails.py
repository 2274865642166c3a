"""Pickup e-mails: recorded with their change, sent once, never lost to a broker or
mail server that is down."""

from datetime import timedelta

import pytest
from django.core import mail

from saleor_o2o.pickup import emails
from saleor_o2o.pickup import services as pickup_services
from saleor_o2o.pickup.models import PickupEmail

from helpers.servers import free_port


@pytest.fixture
def make_ready(pickup_factory, staff_user, site_settings):
    def ready():
        return pickup_services.pickup_status_update(
            pickup=pickup_factory(),
            status="ready",
            actor=pickup_services.Actor.of(staff_user),
        )

    return ready


def test_ready_records_its_email_in_the_same_transaction(make_ready, on_commit):
    with on_commit(execute=False):  # The broker never hears of it.
        pickup = make_ready()

    [email] = PickupEmail.objects.all()
    assert (email.pickup, email.kind, email.sent_at) == (pickup, "ready", None)
    assert mail.outbox == []


def test_an_email_whose_task_was_lost_is_sent_by_the_sweep(make_ready, on_commit):
    with on_commit(execute=False):
        pickup = make_ready()

    assert emails.pickup_emails_send_pending(older_than=timedelta(0)) == 1

    [message] = mail.outbox
    assert pickup.code in message.body
    assert PickupEmail.objects.get().sent_at is not None
    # Sent once: neither the sweep nor a late task sends it again.
    assert emails.pickup_emails_send_pending(older_than=timedelta(0)) == 0
    assert emails.pickup_email_deliver(email_id=PickupEmail.objects.get().pk) is False
    assert len(mail.outbox) == 1


def test_the_sweep_leaves_fresh_emails_to_their_task(make_ready, on_commit):
    with on_commit(execute=False):
        make_ready()

    assert emails.pickup_emails_send_pending() == 0  # Younger than a minute.


def test_a_mail_server_down_is_recorded_and_the_email_sent_when_it_is_back(
    make_ready, on_commit, settings
):
    with on_commit(execute=False):
        make_ready()
    email = PickupEmail.objects.get()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    settings.EMAIL_TIMEOUT = 2

    with pytest.raises(OSError):
        emails.pickup_email_deliver(email_id=email.pk)

    email.refresh_from_db()
    assert email.sent_at is None and email.attempts == 1
    assert "ConnectionRefusedError" in email.last_error

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert emails.pickup_emails_send_pending(older_than=timedelta(0)) == 1
    assert len(mail.outbox) == 1


def test_the_sweep_gives_up_after_the_last_attempt(make_ready, on_commit):
    with on_commit(execute=False):
        make_ready()
    PickupEmail.objects.update(attempts=emails.MAX_ATTEMPTS)

    assert emails.pickup_emails_send_pending(older_than=timedelta(0)) == 0
    assert mail.outbox == []


def test_one_email_per_pickup_and_kind(make_ready, on_commit):
    with on_commit():
        pickup = make_ready()
        emails.pickup_email_record(pickup=pickup, kind="ready")

    assert PickupEmail.objects.count() == 1
    assert len(mail.outbox) == 1
