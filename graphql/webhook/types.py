import json
from enum import Enum

import graphene
from saleor.graphql.core.connection import CountableDjangoObjectType
from saleor.graphql.core.types import Error
from saleor.graphql.webhook.types import Webhook

from ... import models, webhooks
from ...error_codes import O2O_WEBHOOK_ERROR_DESCRIPTIONS, O2OWebhookErrorCode
from ...events import O2OEventType
from ..core.extend import add_field
from .dataloaders import O2OEventsByWebhookIdLoader

_EVENT_DESCRIPTIONS = dict(O2OEventType.CHOICES)
O2OWebhookEventTypeEnum = graphene.Enum.from_enum(
    Enum(
        "O2OWebhookEventTypeEnum",
        [(value.upper(), value) for value, _ in O2OEventType.CHOICES],
    ),
    description=lambda value: (
        _EVENT_DESCRIPTIONS.get(value.value)
        if value
        else "O2O events a webhook can subscribe to (sent as X-Saleor-Event)."
    ),
)


class O2OWebhookDeliveryStatusEnum(graphene.Enum):
    PENDING = models.DeliveryStatus.PENDING
    DELIVERED = models.DeliveryStatus.DELIVERED
    DEAD = models.DeliveryStatus.DEAD

    class Meta:
        description = "Where an O2O webhook delivery stands."

    @property
    def description(self):
        return dict(models.DeliveryStatus.CHOICES).get(self.value)


O2OWebhookErrorCodeEnum = graphene.Enum.from_enum(
    O2OWebhookErrorCode,
    description=lambda value: (
        O2O_WEBHOOK_ERROR_DESCRIPTIONS.get(value.value)
        if value
        else "Why an O2O webhook operation failed."
    ),
)


class O2OWebhookError(Error):
    code = O2OWebhookErrorCodeEnum(description="The error code.", required=True)

    class Meta:
        description = "An error of an O2O webhook operation."


class O2OWebhookAttempt(graphene.ObjectType):
    created_at = graphene.DateTime(required=True, description="When it was made.")
    succeeded = graphene.Boolean(
        required=True, description="Whether the receiver answered with a 2xx status."
    )
    response_status_code = graphene.Int(
        description="The receiver's HTTP status; null if it could not be reached."
    )
    duration_ms = graphene.Int(
        required=True, description="How long the attempt took, in milliseconds."
    )
    error = graphene.String(
        required=True,
        description="The network error, or the start of the receiver's answer.",
    )

    class Meta:
        description = "One try at sending an O2O webhook delivery."


class O2OWebhookDelivery(CountableDjangoObjectType):
    key = graphene.UUID(
        required=True,
        description="Idempotency key, sent as X-O2O-Idempotency-Key on every try.",
    )
    event_type = O2OWebhookEventTypeEnum(required=True, description="The event.")
    payload = graphene.JSONString(
        required=True, description="The JSON body sent (a list of one object)."
    )
    webhook = graphene.Field(Webhook, required=True, description="The receiver.")
    status = O2OWebhookDeliveryStatusEnum(
        required=True, description="Where the delivery stands."
    )
    attempts = graphene.Int(
        required=True, description="Tries made in the current round."
    )
    next_attempt_at = graphene.DateTime(
        description="When it is next tried, while pending."
    )
    created_at = graphene.DateTime(required=True, description="When it was queued.")
    delivered_at = graphene.DateTime(description="When the receiver accepted it.")
    attempt_records = graphene.List(
        graphene.NonNull(O2OWebhookAttempt),
        required=True,
        description="Every try, oldest first.",
    )

    class Meta:
        description = "An O2O event sent, or to be sent, to one webhook."
        model = models.WebhookDelivery
        interfaces = [graphene.relay.Node]
        only_fields = ["id"]

    @staticmethod
    def resolve_event_type(root: models.WebhookDelivery, _info):
        return root.event.type

    @staticmethod
    def resolve_payload(root: models.WebhookDelivery, _info):
        return json.loads(webhooks.delivery_body(root.event))

    @staticmethod
    def resolve_webhook(root: models.WebhookDelivery, _info):
        return root.webhook

    @staticmethod
    def resolve_next_attempt_at(root: models.WebhookDelivery, _info):
        if root.status != models.DeliveryStatus.PENDING:
            return None
        return root.next_attempt_at

    @staticmethod
    def resolve_attempt_records(root: models.WebhookDelivery, _info):
        return root.attempt_records.all()


def _resolve_o2o_events(root, info):
    return O2OEventsByWebhookIdLoader(info.context).load(root.pk)


def extend_webhook_type():
    """Add `Webhook.o2oEvents` to Saleor's type."""
    add_field(
        Webhook,
        "o2o_events",
        graphene.Field(
            graphene.List(graphene.NonNull(O2OWebhookEventTypeEnum)),
            required=True,
            resolver=_resolve_o2o_events,
            description="O2O events the webhook receives (o2oWebhookEventsUpdate).",
        ),
    )
