"""E-mails to shoppers, kept in an outbox and sent through Saleor's e-mail settings.

A concept records an e-mail as a row (``sent_at``, ``attempts``, ``last_error``,
``created_at``) in the transaction of the change that makes it due; after commit
the row's id goes to Celery, and a periodic sweep sends the rows whose hand-over was
lost (broker down) or whose sending failed (mail server down). `EmailOutbox` is that
machinery, shared by pickups and local deliveries.

Messages are rendered with django-templated-email, as Saleor's own e-mails are,
from templates under ``templates/templated_email/o2o/``; merchants override them by
putting files of the same name earlier in their template path. The sender is
Saleor's site setting ``default_from_email``; the transport is Saleor's ``EMAIL_URL``.
"""

import logging
from datetime import timedelta
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

from django.db import transaction
from django.utils import timezone
from saleor.core.emails import get_email_context
from templated_email import send_templated_mail

from saleor_o2o.core.tasks import enqueue

logger = logging.getLogger(__name__)

#: Tries per e-mail before the sweep stops; the last error stays on the row.
MAX_ATTEMPTS = 8
#: E-mails one sweep sends at most.
SWEEP_BATCH = 200


#: A file attached to an e-mail: (file name, content, MIME type).
Attachment = Tuple[str, bytes, str]


def templated_email_send(
    *,
    template: str,
    recipient: str,
    context: Dict[str, Any],
    zone: str,
    attachments: Sequence[Attachment] = (),
) -> None:
    """Render ``template`` with Saleor's e-mail context and send it to ``recipient``.

    Times read in ``zone``: the store's, where the shopper goes or is delivered from.
    ``attachments`` are ``(file name, content, MIME type)``, e.g. an .ics file.
    """
    send_kwargs, full_context = get_email_context()
    full_context.update(context)
    if attachments:
        send_kwargs = {**send_kwargs, "attachments": list(attachments)}
    with timezone.override(zone):
        send_templated_mail(
            template_name=template,
            recipient_list=[recipient],
            context=full_context,
            **send_kwargs,
        )


class EmailOutbox:
    """The outbox of one e-mail model: hand over after commit, send once, sweep.

    ``send(email)`` renders and sends one row's e-mail (raising on failure);
    ``task_name`` is the Celery task that calls `deliver` with a row's id.
    """

    def __init__(self, model, *, task_name: str, send: Callable[[Any], Any]):
        self.model = model
        self.task_name = task_name
        self.send = send

    def enqueue_on_commit(self, email) -> None:
        """Hand the e-mail to Celery once the caller's transaction commits."""
        email_id = email.pk
        transaction.on_commit(lambda: enqueue(self.task_name, email_id))

    def deliver(self, email_id: int) -> bool:
        """Send a recorded e-mail unless already sent; return whether it is sent now.

        The row is locked while sending, so two workers never send it twice; a
        failure is recorded on the row (the sweep retries it) and raised again.
        """
        failure: Optional[Exception] = None
        with transaction.atomic():
            email = (
                self.model.objects.select_for_update(skip_locked=True)
                .filter(pk=email_id, sent_at__isnull=True)
                .first()
            )
            if email is None:
                return False  # Sent already, or being sent by another worker.
            try:
                self.send(email)
            except Exception as error:  # The mail server's error, kept on the row.
                failure = error
                email.attempts += 1
                email.last_error = f"{type(error).__name__}: {error}"[:500]
                email.save(update_fields=["attempts", "last_error"])
            else:
                email.sent_at = timezone.now()
                email.save(update_fields=["sent_at"])
        if failure is not None:
            raise failure
        return True

    def send_pending(self, *, older_than: timedelta = timedelta(minutes=1)) -> int:
        """Send recorded e-mails whose hand-over to Celery was lost; return how many."""
        cutoff = timezone.now() - older_than
        ids = list(
            self.model.objects.filter(
                sent_at__isnull=True, created_at__lte=cutoff, attempts__lt=MAX_ATTEMPTS
            )
            .order_by("created_at")
            .values_list("pk", flat=True)[:SWEEP_BATCH]
        )
        sent = 0
        for email_id in ids:
            try:
                sent += self.deliver(email_id)
            except Exception:  # Kept on the row; the next sweep tries again.
                logger.warning(
                    "%s %s failed again", self.model.__name__, email_id, exc_info=True
                )
        return sent
