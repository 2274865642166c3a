import graphene
from saleor.core.permissions import WebhookPermissions
from saleor.graphql.webhook.types import Webhook

from saleor_o2o.graphql.core.mutations import O2OMutation
from saleor_o2o.graphql.webhook.types import (
    O2OWebhookDelivery,
    O2OWebhookError,
    O2OWebhookEventTypeEnum,
    requestor_of,
)
from saleor_o2o.webhook import selectors as webhook_selectors
from saleor_o2o.webhook import services as webhook_services


class O2OWebhookEventsUpdate(O2OMutation):
    webhook = graphene.Field(Webhook, description="The webhook updated.")
    events = graphene.List(
        graphene.NonNull(O2OWebhookEventTypeEnum),
        description="The O2O events it now receives.",
    )

    class Arguments:
        webhook_id = graphene.ID(
            required=True,
            description=(
                "ID of a webhook made with webhookCreate (an app: one of its own)."
            ),
        )
        events = graphene.List(
            graphene.NonNull(O2OWebhookEventTypeEnum),
            required=True,
            description=(
                "Every O2O event it should receive; [] for none. The webhook's app "
                "must hold each event's permission."
            ),
        )

    class Meta:
        description = (
            "Choose the O2O events a Saleor webhook receives, signed and retried "
            "like Saleor's own. Replaces its previous O2O events. Apps change their "
            "own webhooks; staff with MANAGE_WEBHOOKS any webhook. The target must "
            "be on a public address unless the shop allows private ones."
        )
        permissions = (WebhookPermissions.MANAGE_WEBHOOKS,)
        error_type_class = O2OWebhookError
        error_type_field = "o2o_webhook_errors"

    @classmethod
    def perform_mutation(cls, _root, info, webhook_id, events):
        webhook = cls.get_node_or_error(
            info,
            webhook_id,
            field="webhookId",
            only_type=Webhook,
            qs=webhook_selectors.webhooks_visible_to(**requestor_of(info)),
        )
        values = [getattr(event, "value", event) for event in events]
        subscribed = webhook_services.webhook_subscriptions_set(
            webhook=webhook, event_types=values
        )
        return cls(webhook=webhook, events=subscribed)


class O2OWebhookDeliveryRetry(O2OMutation):
    delivery = graphene.Field(O2OWebhookDelivery, description="The delivery.")

    class Arguments:
        id = graphene.ID(required=True, description="ID of a dead delivery.")

    class Meta:
        description = (
            "Send a dead O2O webhook delivery again, with a new round of attempts "
            "(an app: one of its own webhooks' deliveries)."
        )
        permissions = (WebhookPermissions.MANAGE_WEBHOOKS,)
        error_type_class = O2OWebhookError
        error_type_field = "o2o_webhook_errors"

    @classmethod
    def perform_mutation(cls, _root, info, id):
        delivery = cls.get_node_or_error(
            info,
            id,
            field="id",
            only_type=O2OWebhookDelivery,
            qs=webhook_selectors.deliveries_visible_to(**requestor_of(info)),
        )
        return cls(delivery=webhook_services.delivery_retry(delivery=delivery))
