"""Where an event is found: its public page, its .ics, an RSVP's cancel link."""

from typing import List, Sequence

from django.urls import reverse
from saleor.core.utils import build_absolute_uri

from saleor_o2o.core.ical import CalendarEvent, ics_bytes
from saleor_o2o.store.models import Store
from saleor_o2o.visits.events.models import StoreEvent, StoreEventStore

PAGE_URL_NAME = "o2o-store-event"
ICS_URL_NAME = "o2o-store-event-ics"
CANCEL_URL_NAME = "o2o-store-event-rsvp-cancel"


def event_url(event: StoreEvent) -> str:
    """Return the absolute URL of the event's public page."""
    return build_absolute_uri(reverse(PAGE_URL_NAME, kwargs={"slug": event.slug}))


def event_calendar_url(event: StoreEvent) -> str:
    """Return the absolute URL of the event's .ics file."""
    return build_absolute_uri(reverse(ICS_URL_NAME, kwargs={"slug": event.slug}))


def rsvp_cancel_url(token: str) -> str:
    """Return the absolute URL of the page giving an RSVP's place back."""
    return build_absolute_uri(reverse(CANCEL_URL_NAME, kwargs={"token": token}))


def event_stores(event: StoreEvent) -> List[Store]:
    """Return the stores the event is held at, with their addresses, by name."""
    store_ids = StoreEventStore.objects.filter(event=event).values("store_id")
    return list(
        Store.objects.filter(pk__in=store_ids)
        .select_related("warehouse__address")
        .order_by("name", "pk")
    )


def store_place(store: Store) -> str:
    """Return a store's name and address on one line."""
    address = store.warehouse.address
    parts = [
        store.name,
        address.street_address_1,
        address.street_address_2,
        f"{address.postal_code} {address.city}".strip(),
    ]
    return ", ".join(part for part in parts if part)


def event_location(stores: Sequence[Store]) -> str:
    """Return where the event is: one store's address, or the stores' names."""
    if len(stores) == 1:
        return store_place(stores[0])
    return "; ".join(store.name for store in stores)


def event_timezone(stores: Sequence[Store]) -> str:
    """Return the time zone the event's times read in: its first store's."""
    return stores[0].timezone if stores else "UTC"


def event_ics(event: StoreEvent, *, cancelled: bool = False) -> bytes:
    """Return the event's .ics file, its times in its store's time zone."""
    stores = event_stores(event)
    return ics_bytes(
        CalendarEvent(
            uid=f"store-event-{event.pk}@saleor-o2o",
            title=event.title,
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            timezone=event_timezone(stores),
            description=event.description,
            location=event_location(stores),
            url=event_url(event),
            sequence=int(event.updated_at.timestamp()) if event.updated_at else 0,
            cancelled=cancelled,
        )
    )
