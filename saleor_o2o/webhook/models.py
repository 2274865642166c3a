"""The O2O event outbox, webhook subscriptions and deliveries."""

import uuid

from django.contrib.postgres.fields import JSONField
from django.db import models
from django.db.models import Q
from django.utils.timezone import now
from saleor.webhook.models import Webhook

from saleor_o2o.webhook.policy import DeliveryStatus


class O2OEvent(models.Model):
    """Something that happened, recorded in the transaction that caused it.

    Webhook delivery reads these rows (an outbox), so no event is lost when the
    broker or a receiver is down.
    """

    type = models.CharField(max_length=64, db_index=True)
    payload = JSONField(default=dict)
    created_at = models.DateTimeField(default=now, editable=False, db_index=True)

    class Meta:
        ordering = ("created_at", "pk")

    def __str__(self) -> str:
        return f"{self.type} at {self.created_at:%Y-%m-%d %H:%M:%S}"


class WebhookSubscription(models.Model):
    """A Saleor webhook's subscription to an O2O event type.

    Saleor's `WebhookEvent` rows are read through its fixed GraphQL enum, so O2O
    event types are kept here, next to them.
    """

    webhook = models.ForeignKey(
        Webhook, on_delete=models.CASCADE, related_name="o2o_subscriptions"
    )
    event_type = models.CharField(max_length=64, db_index=True)

    class Meta:
        unique_together = (("webhook", "event_type"),)


class WebhookDelivery(models.Model):
    """An event to send to one webhook, created in the event's transaction."""

    #: Sent as the idempotency key: the same on every attempt.
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.ForeignKey(
        O2OEvent, on_delete=models.CASCADE, related_name="deliveries"
    )
    webhook = models.ForeignKey(
        Webhook, on_delete=models.CASCADE, related_name="o2o_deliveries"
    )
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.CHOICES, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=now)
    #: A worker sending it owns it until then.
    leased_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=now, editable=False)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("created_at", "pk")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="o2o_delivery_due_idx",
                condition=Q(status=DeliveryStatus.PENDING),
            ),
            models.Index(fields=["status", "created_at"], name="o2o_delivery_status"),
        ]


class WebhookAttempt(models.Model):
    """One try at sending a delivery: what the receiver answered, and how fast."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_records"
    )
    created_at = models.DateTimeField(default=now, editable=False)
    succeeded = models.BooleanField()
    response_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField()
    #: Why it failed, as a class of error (`webhook.policy.AttemptError`, or
    #: "HTTP <status>"); never the receiver's answer. Empty if it succeeded.
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ("created_at", "pk")
