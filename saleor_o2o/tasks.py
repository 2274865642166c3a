"""Every Celery task of the extension, under the names the beat schedule uses.

Saleor's Celery app discovers ``saleor_o2o.tasks``; each task lives with its concept
(``store/tasks.py``, ``pickup/tasks.py``, ...) and is pinned to its name here with
``name="saleor_o2o.tasks.<function>"``, so schedules written before the move still work.
"""

from saleor_o2o.checkout.tasks import refund_orphaned_payments_task
from saleor_o2o.local_delivery.tasks import (
    send_local_delivery_email_task,
    send_pending_local_delivery_emails_task,
)
from saleor_o2o.occupancy.tasks import occupancy_departures_task, occupancy_samples_task
from saleor_o2o.offer.tasks import purge_shopper_signals_task
from saleor_o2o.pickup.tasks import (
    expire_pickups_task,
    send_pending_pickup_emails_task,
    send_pickup_email_task,
)
from saleor_o2o.routing.tasks import geocode_warehouse_task
from saleor_o2o.store.tasks import (
    geocode_pending_stores_task,
    geocode_store_task,
    purge_pickup_reservations_task,
)
from saleor_o2o.visits.appointments.tasks import (
    send_appointment_email_task,
    send_pending_appointment_emails_task,
    sweep_appointments_task,
)
from saleor_o2o.visits.events.tasks import (
    send_pending_store_event_emails_task,
    send_store_event_email_task,
)
from saleor_o2o.visits.try_on.tasks import (
    expire_try_ons_task,
    send_pending_try_on_emails_task,
    send_try_on_email_task,
)
from saleor_o2o.webhook.tasks import (
    deliver_webhooks_task,
    purge_webhook_deliveries_task,
)

__all__ = [
    "deliver_webhooks_task",
    "expire_pickups_task",
    "expire_try_ons_task",
    "geocode_pending_stores_task",
    "geocode_store_task",
    "geocode_warehouse_task",
    "occupancy_departures_task",
    "occupancy_samples_task",
    "purge_pickup_reservations_task",
    "purge_shopper_signals_task",
    "purge_webhook_deliveries_task",
    "refund_orphaned_payments_task",
    "send_appointment_email_task",
    "send_local_delivery_email_task",
    "send_pending_appointment_emails_task",
    "send_pending_local_delivery_emails_task",
    "send_pending_pickup_emails_task",
    "send_pending_try_on_emails_task",
    "send_pickup_email_task",
    "send_try_on_email_task",
    "send_pending_store_event_emails_task",
    "send_store_event_email_task",
    "sweep_appointments_task",
]
