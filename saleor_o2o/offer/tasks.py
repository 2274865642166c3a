"""Celery tasks of offers."""

from saleor.celeryconf import app


@app.task(name="saleor_o2o.tasks.purge_shopper_signals_task")
def purge_shopper_signals_task() -> dict:
    """Delete product views past their retention and past days' impression marks."""
    from saleor_o2o.offer.shoppers import shopper_signals_purge

    purged = shopper_signals_purge()
    return {"views": purged.views, "impression_marks": purged.impression_marks}
