"""What O2O webhooks say about an appointment."""

from typing import Any, Dict, Optional

from saleor_o2o.core.actors import Actor
from saleor_o2o.core.ids import global_id
from saleor_o2o.visits.appointments.models import Appointment


def _iso(value) -> Optional[str]:
    return value.isoformat() if value else None


def appointment_payload(
    appointment: Appointment, *, actor: Optional[Actor] = None
) -> Dict[str, Any]:
    """Return an appointment's webhook payload, in Saleor's style (global IDs).

    What an app with MANAGE_ORDERS (a staff planner, a CRM, a notification app)
    needs: when, what, who and where. Never the manage token (only its hash is
    stored anyway) nor the check-in code: whoever holds them moves or checks in the
    booking as its shopper.
    """
    kind, store = appointment.appointment_type, appointment.store
    payload: Dict[str, Any] = {
        "type": "Appointment",
        "id": global_id("Appointment", appointment.pk),
        "status": appointment.status.upper(),
        "starts_at": _iso(appointment.starts_at),
        "ends_at": _iso(appointment.ends_at),
        "timezone": store.timezone,
        "checked_in_at": _iso(appointment.checked_in_at),
        "cancelled_at": _iso(appointment.cancelled_at),
        "appointment_type": {
            "id": global_id("AppointmentType", kind.pk),
            "name": kind.name,
            "duration_minutes": kind.duration_minutes,
        },
        "customer": {
            "user_id": (
                global_id("User", appointment.user_id) if appointment.user_id else None
            ),
            "email": appointment.email,
            "name": appointment.name,
        },
        "note": appointment.note,
        "store": {
            "id": global_id("Store", store.pk),
            "name": store.name,
            "slug": store.slug,
            "warehouse_id": global_id("Warehouse", store.warehouse_id),
        },
    }
    if actor is not None:
        payload["actor"] = {
            "type": actor.kind.upper(),
            "user_id": global_id("User", actor.user.pk) if actor.user else None,
            "app_id": global_id("App", actor.app.pk) if actor.app else None,
        }
    return payload
