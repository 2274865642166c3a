"""Delivery e-mails: one per move that calls for one, recorded with the move, sent
once by the task or the sweep, to a real SMTP server."""

from datetime import datetime, timedelta

import pytest
import pytz
from django.core import mail
from django.utils import timezone

from saleor_o2o.local_delivery import emails
from saleor_o2o.local_delivery import rules as lc
from saleor_o2o.local_delivery.models import LocalDeliveryEmail

from helpers.deliveries import move
from helpers.servers import free_port
from helpers.smtp import SmtpReceiver, text_of


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


@pytest.fixture
def placed(local_delivery_factory, site_settings):
    return local_delivery_factory


def kinds():
    return list(
        LocalDeliveryEmail.objects.order_by("pk").values_list("kind", "sent_at")
    )


def test_each_move_records_its_email_with_the_move(placed, clerk, on_commit):
    with on_commit(execute=False):  # The broker never hears of them.
        delivery = move(placed(), lc.PREPARING, actor=clerk)
        assert kinds() == []
        move(delivery, lc.OUT_FOR_DELIVERY, lc.FAILED_ATTEMPT, actor=clerk)
        move(delivery, lc.OUT_FOR_DELIVERY, lc.DELIVERED, actor=clerk)

    assert [kind for kind, _ in kinds()] == [
        "on_its_way",
        "failed_attempt",
        "on_its_way",
        "delivered",
    ]
    assert all(sent_at is None for _, sent_at in kinds())
    # Each belongs to the transition that made it due.
    transitions = [email.transition.to_status for email in delivery.emails.all()]
    assert transitions == [
        lc.OUT_FOR_DELIVERY,
        lc.FAILED_ATTEMPT,
        lc.OUT_FOR_DELIVERY,
        lc.DELIVERED,
    ]
    assert mail.outbox == []


@pytest.mark.parametrize(
    "path",
    [
        (lc.PREPARING, lc.CANCELLED),
        (lc.PREPARING, lc.OUT_FOR_DELIVERY, lc.FAILED_ATTEMPT, lc.RETURNED_TO_STORE),
    ],
)
def test_cancelling_and_returning_send_nothing_more(placed, clerk, on_commit, path):
    with on_commit(execute=False):
        move(placed(), *path, actor=clerk)

    assert [kind for kind, _ in kinds()] == (
        ["on_its_way", "failed_attempt"] if lc.FAILED_ATTEMPT in path else []
    )


def test_on_its_way_is_sent_by_the_sweep_with_window_courier_and_code(
    placed, clerk, on_commit, smtp
):
    # 18:00-20:00 UTC in July is 20:00-22:00 in Paris, the store's zone.
    start = datetime(timezone.now().year + 1, 7, 15, 18, tzinfo=pytz.utc)
    with on_commit(execute=False):
        delivery = move(
            placed(window_start=start), lc.PREPARING, lc.OUT_FOR_DELIVERY, actor=clerk
        )

    assert emails.local_delivery_emails_send_pending(older_than=timedelta(0)) == 1

    [message] = smtp.messages
    assert message["X-Rcpt-To"] == "shopper@example.com"
    assert message["From"] == "Example shop <shop@example.com>"
    assert delivery.store.name in message["Subject"]
    body = text_of(message)
    assert delivery.code in body and "Sam (bike)" in body
    paris = timezone.localtime(start, pytz.timezone("Europe/Paris"))
    assert paris.hour == 20
    assert f"{paris:%H:%M}" in body and "22:00 CEST" in body
    assert LocalDeliveryEmail.objects.get().sent_at is not None
    # Sent once: neither the sweep nor a late task sends it again.
    assert emails.local_delivery_emails_send_pending(older_than=timedelta(0)) == 0
    email_id = LocalDeliveryEmail.objects.get().pk
    assert emails.local_delivery_email_deliver(email_id=email_id) is False
    assert len(smtp.messages) == 1


def test_the_task_sends_each_email_after_commit(placed, clerk, on_commit, smtp):
    with on_commit():
        delivery = move(
            placed(), lc.PREPARING, lc.OUT_FOR_DELIVERY, lc.FAILED_ATTEMPT, actor=clerk
        )
    with on_commit():
        move(delivery, lc.OUT_FOR_DELIVERY, lc.DELIVERED, actor=clerk)

    subjects = [message["Subject"] for message in smtp.messages]
    assert len(subjects) == 4
    assert "on its way" in subjects[0] and "could not deliver" in subjects[1]
    assert "has been delivered" in subjects[3]
    assert all(sent_at for _, sent_at in kinds())


def test_the_sweep_leaves_fresh_emails_to_their_task(placed, clerk, on_commit):
    with on_commit(execute=False):
        move(placed(), lc.PREPARING, lc.OUT_FOR_DELIVERY, actor=clerk)

    assert emails.local_delivery_emails_send_pending() == 0  # Younger than a minute.


def test_a_mail_server_down_is_recorded_and_the_email_sent_when_it_is_back(
    placed, clerk, on_commit, settings, smtp
):
    with on_commit(execute=False):
        move(placed(), lc.PREPARING, lc.OUT_FOR_DELIVERY, actor=clerk)
    email = LocalDeliveryEmail.objects.get()
    settings.EMAIL_PORT = free_port()  # Nothing listens there.

    with pytest.raises(OSError):
        emails.local_delivery_email_deliver(email_id=email.pk)

    email.refresh_from_db()
    assert email.sent_at is None and email.attempts == 1
    assert "ConnectionRefusedError" in email.last_error

    settings.EMAIL_PORT = smtp.port
    assert emails.local_delivery_emails_send_pending(older_than=timedelta(0)) == 1
    assert len(smtp.messages) == 1


def test_one_email_per_transition(placed, clerk, on_commit):
    with on_commit(execute=False):
        delivery = move(placed(), lc.PREPARING, lc.OUT_FOR_DELIVERY, actor=clerk)
        transition = delivery.transitions.last()
        again = emails.local_delivery_email_record(
            delivery=delivery, transition=transition
        )

    assert LocalDeliveryEmail.objects.get() == again
