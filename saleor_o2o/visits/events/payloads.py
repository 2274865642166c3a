"""Webhook payloads of RSVPs, as Saleor's: JSON with global IDs."""

from typing import Any, Dict, Sequence

from saleor_o2o.core.ids import global_id
from saleor_o2o.visits.events.models import StoreEvent, StoreEventRsvp


def _iso(value):
    return value.isoformat() if value is not None else None


def rsvp_payload(
    rsvp: StoreEventRsvp, event: StoreEvent, store_ids: Sequence[int]
) -> Dict[str, Any]:
    """Return what a receiver learns of an RSVP and its event."""
    return {
        "rsvp_id": global_id("StoreEventRsvp", rsvp.pk),
        "status": rsvp.status,
        "email": rsvp.email,
        "user_id": global_id("User", rsvp.user_id) if rsvp.user_id else None,
        "created_at": _iso(rsvp.created_at),
        "cancelled_at": _iso(rsvp.cancelled_at),
        "event": {
            "id": global_id("StoreEvent", event.pk),
            "title": event.title,
            "slug": event.slug,
            "starts_at": _iso(event.starts_at),
            "ends_at": _iso(event.ends_at),
            "capacity": event.capacity,
            "store_ids": [global_id("Store", pk) for pk in sorted(store_ids)],
        },
    }
