"""What O2O webhooks say about a try-on reservation."""

from typing import Any, Dict

from saleor_o2o.core.ids import global_id
from saleor_o2o.visits.try_on.models import TryOnReservation
from saleor_o2o.visits.try_on.rules import TryOnStatus
from saleor_o2o.webhook.events import O2OEventType

#: The event sent when a reservation reaches a status.
EVENT_FOR_STATUS = {
    TryOnStatus.HELD: O2OEventType.TRY_ON_RESERVED,
    TryOnStatus.RELEASED: O2OEventType.TRY_ON_RELEASED,
    TryOnStatus.EXPIRED: O2OEventType.TRY_ON_EXPIRED,
    TryOnStatus.CONVERTED: O2OEventType.TRY_ON_CONVERTED,
    TryOnStatus.CANCELLED: O2OEventType.TRY_ON_CANCELLED,
}


def _iso(value):
    return value.isoformat() if value else None


def try_on_payload(reservation: TryOnReservation) -> Dict[str, Any]:
    """Return a reservation's webhook payload, in Saleor's style (global IDs).

    What an app with MANAGE_ORDERS needs to prepare the items or tell the shopper.
    Never the manage token (its hash neither): whoever holds it cancels the
    reservation as its shopper.
    """
    store = reservation.store
    return {
        "type": "TryOnReservation",
        "id": global_id("TryOnReservation", reservation.pk),
        "status": reservation.status.upper(),
        "held_until": _iso(reservation.held_until),
        "created_at": _iso(reservation.created_at),
        "closed_at": _iso(reservation.closed_at),
        "closed_by": {
            "actor_type": (reservation.closed_by_type or "").upper() or None,
            "user_id": (
                global_id("User", reservation.closed_by_user_id)
                if reservation.closed_by_user_id
                else None
            ),
            "app_id": (
                global_id("App", reservation.closed_by_app_id)
                if reservation.closed_by_app_id
                else None
            ),
            "note": reservation.note,
        },
        "shopper": {
            "email": reservation.email,
            "user_id": (
                global_id("User", reservation.user_id) if reservation.user_id else None
            ),
        },
        "appointment_id": (
            global_id("Appointment", reservation.appointment_id)
            if reservation.appointment_id
            else None
        ),
        "order": (
            {"id": global_id("Order", reservation.order_id)}
            if reservation.order_id
            else None
        ),
        "store": {
            "id": global_id("Store", store.pk),
            "name": store.name,
            "slug": store.slug,
            "warehouse_id": global_id("Warehouse", store.warehouse_id),
        },
        "lines": [
            {
                "variant_id": (
                    global_id("ProductVariant", line.variant_id)
                    if line.variant_id
                    else None
                ),
                "sku": line.product_sku,
                "quantity": line.quantity,
            }
            for line in reservation.lines.order_by("pk")
        ],
    }
