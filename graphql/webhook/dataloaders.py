from saleor.graphql.core.dataloaders import DataLoader

from saleor_o2o.webhook import selectors as webhook_selectors


class O2OEventsByWebhookIdLoader(DataLoader):
    """O2O event types of many webhooks in one query."""

    context_key = "o2o_events_by_webhook_id"

    def batch_load(self, keys):
        found = webhook_selectors.webhook_event_types(keys)
        return [found[key] for key in keys]
