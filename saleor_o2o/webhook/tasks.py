"""Celery tasks of O2O webhooks (thin: they call the delivery services)."""

from saleor.celeryconf import app

from saleor_o2o.core.tasks import DELIVER_WEBHOOKS


@app.task(name=DELIVER_WEBHOOKS, acks_late=True)
def deliver_webhooks_task() -> int:
    """Send the O2O webhook deliveries that are due; return how many attempts."""
    from saleor_o2o.webhook.sender import deliveries_send_due

    return deliveries_send_due()


@app.task(name="saleor_o2o.tasks.purge_webhook_deliveries_task")
def purge_webhook_deliveries_task() -> int:
    """Delete delivered O2O webhook deliveries and events past their retention."""
    from saleor_o2o.webhook.delivery import deliveries_purge

    return deliveries_purge()
