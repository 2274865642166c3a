"""Celery tasks of occupancy (thin: they call the occupancy services)."""

from saleor.celeryconf import app


@app.task(name="saleor_o2o.tasks.occupancy_departures_task")
def occupancy_departures_task() -> int:
    """Let checked-in people whose dwell time is over leave the figure."""
    from saleor_o2o.occupancy.services import occupancy_departures

    return occupancy_departures()


@app.task(name="saleor_o2o.tasks.occupancy_samples_task")
def occupancy_samples_task() -> int:
    """Sample every store's occupancy into its history and busy hours."""
    from saleor_o2o.occupancy.history import occupancy_samples_record

    return occupancy_samples_record()
