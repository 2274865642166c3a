"""The demo's store event (``o2o_populatedb``)."""

import datetime as dt
from typing import Sequence

import pytz
from django.utils import timezone

from saleor_o2o.store.models import Store
from saleor_o2o.store.reach import EVERYWHERE
from saleor_o2o.visits.events import services
from saleor_o2o.visits.events.models import StoreEvent

DEMO_EVENT_SLUG = "autumn-tasting-evening"


def demo_event_ensure(stores: Sequence[Store]) -> StoreEvent:
    """Create or refresh the demo event: next Saturday, 18:00-20:00 in the first
    store's time zone, at `stores`."""
    zone = pytz.timezone(stores[0].timezone)
    today = timezone.now().astimezone(zone).date()
    saturday = today + dt.timedelta(days=(5 - today.weekday()) % 7 or 7)
    starts = zone.localize(dt.datetime.combine(saturday, dt.time(18)))
    data = {
        "title": "Autumn tasting evening",
        "description": (
            "Meet our baristas, taste the season's coffees and take home a bag "
            "of your favourite. Free; places are limited, so RSVP."
        ),
        "image_url": "https://images.example.com/o2o/tasting.jpg",
        "starts_at": starts,
        "ends_at": starts + dt.timedelta(hours=2),
        "capacity": 30,
        "is_published": True,
        "store_ids": [store.pk for store in stores],
    }
    event = StoreEvent.objects.filter(slug=DEMO_EVENT_SLUG).first()
    if event is None:
        return services.store_event_create(
            data={**data, "slug": DEMO_EVENT_SLUG}, by=EVERYWHERE
        )
    return services.store_event_update(event=event, data=data, by=EVERYWHERE)
