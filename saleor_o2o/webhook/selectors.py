"""Webhooks and deliveries a requestor may see."""

from typing import Optional, Sequence

from django.db.models import QuerySet
from saleor.app.models import App
from saleor.core.permissions import WebhookPermissions
from saleor.webhook.models import Webhook

from saleor_o2o.webhook.events import O2OEventType
from saleor_o2o.webhook.models import WebhookDelivery, WebhookSubscription


def webhook_event_types(webhook_ids: Sequence[int]) -> dict:
    """Return ``{webhook_id: [event types]}`` for these webhooks."""
    result: dict = {pk: [] for pk in webhook_ids}
    rows = WebhookSubscription.objects.filter(webhook_id__in=webhook_ids).order_by(
        "event_type"
    )
    for webhook_id, event_type in rows.values_list("webhook_id", "event_type"):
        result[webhook_id].append(event_type)
    return result


def _staff_sees_all(app: Optional[App], user) -> bool:
    return (
        app is None
        and user is not None
        and user.has_perm(WebhookPermissions.MANAGE_WEBHOOKS)
    )


def webhooks_visible_to(*, app: Optional[App], user) -> QuerySet:
    """Return the webhooks whose O2O subscriptions the requestor may see and change,
    each with its app."""
    if app is not None:
        qs = Webhook.objects.filter(app=app)
    elif _staff_sees_all(app, user):
        qs = Webhook.objects.all()
    else:
        qs = Webhook.objects.none()
    return qs.select_related("app")


def webhook_visible_to(webhook: Webhook, *, app: Optional[App], user) -> bool:
    """Return whether the requestor may see this webhook's O2O subscriptions."""
    if app is not None:
        return webhook.app_id == app.pk
    return _staff_sees_all(app, user)


def deliveries_visible_to(*, app: Optional[App], user) -> QuerySet:
    """Return the deliveries the requestor may list and retry."""
    if app is not None:
        return WebhookDelivery.objects.filter(webhook__app=app)
    if _staff_sees_all(app, user):
        return WebhookDelivery.objects.all()
    return WebhookDelivery.objects.none()


def deliveries_newest_first(
    *,
    app: Optional[App],
    user,
    status: Optional[str] = None,
    webhook_id: Optional[int] = None,
) -> QuerySet:
    """Return the deliveries the requestor may list, newest first, with what a list
    of them shows (event, webhook and app, attempts)."""
    qs = (
        deliveries_visible_to(app=app, user=user)
        .select_related("event", "webhook", "webhook__app")
        .prefetch_related("attempt_records")
    )
    if status is not None:
        qs = qs.filter(status=status)
    if webhook_id is not None:
        qs = qs.filter(webhook_id=webhook_id)
    return qs.order_by("-created_at", "-pk")


def delivery_payload_visible_to(event_type: str, *, requestor) -> bool:
    """Return whether the requestor may read a payload of this event type.

    The payload is what the event's permission lets one read (see
    `O2OEventType.PERMISSIONS`): only holders of that permission see it, as Saleor
    shows its own sample payloads.
    """
    return bool(requestor) and requestor.has_perm(O2OEventType.PERMISSIONS[event_type])
