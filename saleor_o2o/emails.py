"""E-mails to shoppers about their pickups, sent through Saleor's e-mail settings.

Rendered with django-templated-email, as Saleor's own e-mails are, from the templates
the extension ships under ``templates/templated_email/o2o/``; merchants override them
by putting files of the same name earlier in their template path. The sender is
Saleor's site setting ``default_from_email``; the transport is Saleor's ``EMAIL_URL``.
"""

from typing import Optional

from saleor.core.emails import get_email_context
from templated_email import send_templated_mail

from .models import Pickup

#: Template per kind of e-mail.
TEMPLATES = {
    "ready": "o2o/pickup_ready",
    "expiry_reminder": "o2o/pickup_expiry_reminder",
    "expired": "o2o/pickup_expired",
}


def pickup_email_send(*, pickup_id: int, kind: str) -> Optional[str]:
    """Send the shopper the ``kind`` e-mail for a pickup; return the address used.

    Nothing is sent when the order has no e-mail address.
    """
    from .conf import get_o2o_settings

    pickup = (
        Pickup.objects.select_related("order", "store__warehouse__address")
        .filter(pk=pickup_id)
        .first()
    )
    if pickup is None:
        return None
    recipient = pickup.order.get_customer_email()
    if not recipient:
        return None
    send_kwargs, context = get_email_context()
    settings = get_o2o_settings()
    expires_at = (
        settings.hold_policy.expires_at(pickup.ready_at) if pickup.ready_at else None
    )
    context.update(
        pickup=pickup,
        order=pickup.order,
        store=pickup.store,
        address=pickup.store.warehouse.address,
        expires_at=expires_at,
        hold_hours=f"{settings.pickup_hold_hours:g}",
    )
    send_templated_mail(
        template_name=TEMPLATES[kind],
        recipient_list=[recipient],
        context=context,
        **send_kwargs,
    )
    return recipient
