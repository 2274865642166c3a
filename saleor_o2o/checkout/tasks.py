"""Celery tasks of checkout completion."""

from saleor.celeryconf import app


@app.task(name="saleor_o2o.tasks.refund_orphaned_payments_task")
def refund_orphaned_payments_task() -> int:
    """Refund payments captured by a checkout completion that placed no order."""
    from saleor_o2o.checkout.completion import payments_orphaned_refund

    return payments_orphaned_refund()
