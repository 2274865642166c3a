"""What O2O webhooks say about a pickup."""

from typing import Any, Dict, Optional

from saleor_o2o.core.ids import global_id
from saleor_o2o.pickup.models import Pickup, PickupStatus, PickupTransition
from saleor_o2o.webhook.events import O2OEventType

#: The event sent when a pickup reaches a status.
EVENT_FOR_STATUS = {
    PickupStatus.RECEIVED: O2OEventType.PICKUP_CREATED,
    PickupStatus.PREPARING: O2OEventType.PICKUP_PREPARING,
    PickupStatus.READY: O2OEventType.PICKUP_READY,
    PickupStatus.CUSTOMER_ARRIVED: O2OEventType.PICKUP_CUSTOMER_ARRIVED,
    PickupStatus.COLLECTED: O2OEventType.PICKUP_COLLECTED,
    PickupStatus.EXPIRED: O2OEventType.PICKUP_EXPIRED,
    PickupStatus.CANCELLED: O2OEventType.PICKUP_CANCELLED,
}


def pickup_payload(pickup: Pickup, transition: Optional[PickupTransition] = None):
    """Return a pickup's webhook payload, in Saleor's style (global IDs).

    It holds what an app with MANAGE_ORDERS (which pickup events require) needs to
    act or to notify the shopper. Never the order's token: whoever holds it opens
    the order as its shopper (orderByToken, pickupCheckIn); apps look orders up by
    ID. The handover code only while the pickup is READY (pickup_ready and
    pickup_expiry_reminder), the events that tell the shopper to come and collect.
    """
    order, store = pickup.order, pickup.store
    payload: Dict[str, Any] = {
        "type": "Pickup",
        "id": global_id("Pickup", pickup.pk),
        "status": pickup.status.upper(),
        "is_curbside": pickup.is_curbside,
        "slot_start": pickup.slot_start.isoformat() if pickup.slot_start else None,
        "ready_at": pickup.ready_at.isoformat() if pickup.ready_at else None,
        "arrival": {"bay": pickup.arrival_bay, "vehicle": pickup.arrival_vehicle},
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
            "collected_by": transition.collected_by,
        }
    if pickup.status == PickupStatus.READY:
        payload["code"] = pickup.code
    return payload
