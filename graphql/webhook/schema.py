import graphene
from saleor.core.permissions import WebhookPermissions
from saleor.graphql.core.fields import BaseConnectionField
from saleor.graphql.decorators import permission_required

from saleor_o2o.graphql.core.connection import queryset_page
from saleor_o2o.graphql.core.ids import pk_from_global_id
from saleor_o2o.graphql.webhook.mutations import (
    O2OWebhookDeliveryRetry,
    O2OWebhookEventsUpdate,
)
from saleor_o2o.graphql.webhook.types import (
    O2OWebhookDelivery,
    O2OWebhookDeliveryStatusEnum,
    requestor_of,
)
from saleor_o2o.webhook import selectors as webhook_selectors


class O2OWebhookQueries(graphene.ObjectType):
    o2o_webhook_deliveries = BaseConnectionField(
        O2OWebhookDelivery._meta.connection,
        status=graphene.Argument(
            O2OWebhookDeliveryStatusEnum, description="Only deliveries in this state."
        ),
        webhook_id=graphene.Argument(
            graphene.ID, description="Only deliveries to this webhook."
        ),
        description=(
            "O2O webhook deliveries, newest first: list the DEAD ones to retry them. "
            "Requires MANAGE_WEBHOOKS; an app sees its own webhooks' deliveries, "
            "staff see all of them."
        ),
    )

    @permission_required(WebhookPermissions.MANAGE_WEBHOOKS)
    def resolve_o2o_webhook_deliveries(
        self, info, status=None, webhook_id=None, **args
    ):
        if webhook_id is not None:
            webhook_id = pk_from_global_id(webhook_id, "Webhook", field="webhookId")
        qs = webhook_selectors.deliveries_newest_first(
            **requestor_of(info), status=status, webhook_id=webhook_id
        )
        return queryset_page(
            qs,
            args,
            sort_fields=["created_at", "pk"],
            direction="-",
            connection_type=O2OWebhookDelivery._meta.connection,
            name="o2oWebhookDeliveries",
        )


class O2OWebhookMutations(graphene.ObjectType):
    o2o_webhook_events_update = O2OWebhookEventsUpdate.Field()
    o2o_webhook_delivery_retry = O2OWebhookDeliveryRetry.Field()
