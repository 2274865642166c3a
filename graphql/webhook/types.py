import json
from enum import Enum

import graphene
from graphql_jwt.exceptions import PermissionDenied
from saleor.graphql.core.connection import CountableDjangoObjectType
from saleor.graphql.core.types import Error
from saleor.graphql.utils import get_user_or_app_from_context
from saleor.graphql.webhook.types import Webhook

from saleor_o2o.core.ids import global_id
from saleor_o2o.graphql.core.enums import choices_enum
from saleor_o2o.graphql.core.extend import add_field
from saleor_o2o.graphql.webhook.dataloaders import O2OEventsByWebhookIdLoader
from saleor_o2o.webhook import delivery as webhook_delivery
from saleor_o2o.webhook import models as webhook_models
from saleor_o2o.webhook import selectors as webhook_selectors
from saleor_o2o.webhook.error_codes import (
    O2O_WEBHOOK_ERROR_DESCRIPTIONS,
    O2OWebhookErrorCode,
)
from saleor_o2o.webhook.events import O2OEventType
from saleor_o2o.webhook.policy import AttemptError
from saleor_o2o.webhook.targets import without_credentials


def requestor_of(info) -> dict:
    """The app or user asking, as the webhook selectors take them."""
    return {
        "app": getattr(info.context, "app", None),
        "user": getattr(info.context, "user", None),
    }


_EVENT_DESCRIPTIONS = {
    value: f"{label}. Requires {O2OEventType.PERMISSIONS[value].name}."
    for value, label in O2OEventType.CHOICES
}
O2OWebhookEventTypeEnum = graphene.Enum.from_enum(
    Enum(
        "O2OWebhookEventTypeEnum",
        [(value.upper(), value) for value, _ in O2OEventType.CHOICES],
    ),
    description=lambda value: (
        _EVENT_DESCRIPTIONS.get(value.value)
        if value
        else (
            "O2O events a webhook can subscribe to (sent as X-Saleor-Event); its app "
            "must hold the permission each one names."
        )
    ),
)


O2OWebhookDeliveryStatusEnum = choices_enum(
    webhook_models.DeliveryStatus,
    type_name="O2OWebhookDeliveryStatusEnum",
    description="Where an O2O webhook delivery stands.",
)


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
        description=(
            'Why it failed, as a class of error: "HTTP <status>" for an answer '
            'other than 2xx (e.g. "HTTP 503"), else one of '
            + ", ".join(f'"{name}"' for name in AttemptError.ALL)
            + "; empty if it succeeded. Never what the receiver answered."
        ),
    )

    class Meta:
        description = "One try at sending an O2O webhook delivery."


class O2OWebhookSubscriber(graphene.ObjectType):
    id = graphene.ID(
        required=True,
        description="The webhook's ID (a Saleor Webhook ID, as webhookId takes it).",
    )
    name = graphene.String(required=True, description="The webhook's name.")
    target_url = graphene.String(
        required=True,
        description="Where its events are sent, without any user:password@ part.",
    )
    is_active = graphene.Boolean(
        required=True, description="Whether the webhook receives events."
    )
    app_id = graphene.ID(
        required=True, description="ID of the app that owns the webhook."
    )
    app_name = graphene.String(
        required=True, description="Name of the app that owns the webhook."
    )

    class Meta:
        description = "The webhook an O2O delivery goes to, without its secret."

    @staticmethod
    def resolve_id(root: Webhook, _info):
        return global_id("Webhook", root.pk)

    @staticmethod
    def resolve_name(root: Webhook, _info):
        return root.name or ""

    @staticmethod
    def resolve_target_url(root: Webhook, _info):
        return without_credentials(root.target_url)

    @staticmethod
    def resolve_app_id(root: Webhook, _info):
        return global_id("App", root.app_id)

    @staticmethod
    def resolve_app_name(root: Webhook, _info):
        return root.app.name


class O2OWebhookDelivery(CountableDjangoObjectType):
    key = graphene.UUID(
        required=True,
        description="Idempotency key, sent as X-O2O-Idempotency-Key on every try.",
    )
    event_type = O2OWebhookEventTypeEnum(required=True, description="The event.")
    payload = graphene.JSONString(
        description=(
            "The JSON body sent (a list of one object); null unless you hold the "
            "permission the event requires."
        )
    )
    subscriber = graphene.Field(
        O2OWebhookSubscriber,
        required=True,
        description="The webhook it goes to, without its secret.",
    )
    webhook = graphene.Field(
        Webhook,
        description=(
            "The receiver, as Saleor's Webhook; null unless you ask as the app "
            "that owns it."
        ),
        deprecation_reason=(
            "Use the `subscriber` field instead, which never holds the webhook's "
            "secret. This field will be removed in a future release."
        ),
    )
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
        description = (
            "An O2O event sent, or to be sent, to one webhook. Apps see their own "
            "webhooks' deliveries; staff with MANAGE_WEBHOOKS see all of them."
        )
        model = webhook_models.WebhookDelivery
        interfaces = [graphene.relay.Node]
        only_fields = ["id"]

    @classmethod
    def get_queryset(cls, queryset, info):
        """Answer only deliveries the requestor may see, whatever path asks."""
        return queryset & webhook_selectors.deliveries_visible_to(**requestor_of(info))

    @staticmethod
    def resolve_event_type(root: webhook_models.WebhookDelivery, _info):
        return root.event.type

    @staticmethod
    def resolve_payload(root: webhook_models.WebhookDelivery, info):
        requestor = get_user_or_app_from_context(info.context)
        if not webhook_selectors.delivery_payload_visible_to(
            root.event.type, requestor=requestor
        ):
            return None
        return json.loads(webhook_delivery.delivery_body(root.event))

    @staticmethod
    def resolve_subscriber(root: webhook_models.WebhookDelivery, _info):
        return root.webhook

    @staticmethod
    def resolve_webhook(root: webhook_models.WebhookDelivery, info):
        app = requestor_of(info)["app"]
        if app is None or root.webhook.app_id != app.pk:
            return None
        return root.webhook

    @staticmethod
    def resolve_next_attempt_at(root: webhook_models.WebhookDelivery, _info):
        if root.status != webhook_models.DeliveryStatus.PENDING:
            return None
        return root.next_attempt_at

    @staticmethod
    def resolve_attempt_records(root: webhook_models.WebhookDelivery, _info):
        return root.attempt_records.all()


def _resolve_o2o_events(root, info):
    if not webhook_selectors.webhook_visible_to(root, **requestor_of(info)):
        raise PermissionDenied()
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
            description=(
                "O2O events the webhook receives (o2oWebhookEventsUpdate); for the "
                "app that owns it and staff with MANAGE_WEBHOOKS."
            ),
        ),
    )
