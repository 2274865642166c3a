"""What O2O webhooks say about a local delivery."""

from typing import Any, Dict, Optional

from saleor_o2o.core.ids import global_id
from saleor_o2o.local_delivery.models import LocalDelivery, LocalDeliveryTransition
from saleor_o2o.local_delivery.rules import LocalDeliveryStatus
from saleor_o2o.webhook.events import O2OEventType

#: The event sent when a delivery reaches a status.
EVENT_FOR_STATUS = {
    LocalDeliveryStatus.RECEIVED: O2OEventType.LOCAL_DELIVERY_CREATED,
    LocalDeliveryStatus.PREPARING: O2OEventType.LOCAL_DELIVERY_PREPARING,
    LocalDeliveryStatus.OUT_FOR_DELIVERY: O2OEventType.LOCAL_DELIVERY_OUT_FOR_DELIVERY,
    LocalDeliveryStatus.DELIVERED: O2OEventType.LOCAL_DELIVERY_DELIVERED,
    LocalDeliveryStatus.FAILED_ATTEMPT: O2OEventType.LOCAL_DELIVERY_FAILED_ATTEMPT,
    LocalDeliveryStatus.RETURNED_TO_STORE: (
        O2OEventType.LOCAL_DELIVERY_RETURNED_TO_STORE
    ),
    LocalDeliveryStatus.CANCELLED: O2OEventType.LOCAL_DELIVERY_CANCELLED,
}


def _iso(value) -> Optional[str]:
    return value.isoformat() if value else None


def local_delivery_payload(
    delivery: LocalDelivery, transition: Optional[LocalDeliveryTransition] = None
) -> Dict[str, Any]:
    """Return a delivery's webhook payload, in Saleor's style (global IDs).

    What an app with MANAGE_ORDERS (a courier's dispatch, a notification app) needs
    to act: the window, the courier, the tracking reference, the attempts. Never the
    order's token, nor the handover code: it is the proof of delivery, and only the
    shopper may hold it (a courier app that had it could mark any delivery made).
    """
    order, store = delivery.order, delivery.store
    payload: Dict[str, Any] = {
        "type": "LocalDelivery",
        "id": global_id("LocalDelivery", delivery.pk),
        "status": delivery.status.upper(),
        "window": {
            "start": _iso(delivery.window_start),
            "end": _iso(delivery.window_end),
        },
        "distance_km": delivery.distance_km,
        "courier_name": delivery.courier_name,
        "tracking_reference": delivery.tracking_reference,
        "attempts": delivery.attempts,
        "delivered_at": _iso(delivery.delivered_at),
        "order": {
            "id": global_id("Order", order.pk),
            "number": str(order.pk),
            "user_email": order.get_customer_email(),
        },
        "store": {
            "id": global_id("Store", store.pk),
            "name": store.name,
            "slug": store.slug,
            "warehouse_id": global_id("Warehouse", store.warehouse_id),
        },
    }
    if transition is not None:
        payload["transition"] = {
            "from": transition.from_status.upper(),
            "to": transition.to_status.upper(),
            "actor_type": transition.actor_type.upper(),
            "user_id": (
                global_id("User", transition.user_id) if transition.user_id else None
            ),
            "app_id": (
                global_id("App", transition.app_id) if transition.app_id else None
            ),
            "note": transition.note,
        }
    return payload
