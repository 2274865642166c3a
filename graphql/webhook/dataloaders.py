from saleor.graphql.core.dataloaders import DataLoader

from saleor_o2o import webhooks


class O2OEventsByWebhookIdLoader(DataLoader):
    """O2O event types of many webhooks in one query."""

    context_key = "o2o_events_by_webhook_id"

    def batch_load(self, keys):
        found = webhooks.webhook_event_types(keys)
        return [found[key] for key in keys]
