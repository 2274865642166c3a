"""Reads of store events: near a shopper (the stores' shared search), by ID or
slug, per store, the staff list, and a shopper's own RSVPs."""

from dataclasses import dataclass
from datetime import datetime
from typing import Dict, List, Optional, Sequence, Tuple

from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet

from saleor_o2o.core.errors import NotFound
from saleor_o2o.core.geo import Point
from saleor_o2o.store.models import Store
from saleor_o2o.store.reach import Reach
from saleor_o2o.store.selectors import (
    STORES_NEAR_SQL,
    km_sql,
    search_params,
    stores_with_related,
)
from saleor_o2o.visits.events.models import StoreEvent, StoreEventRsvp, StoreEventStore
from saleor_o2o.visits.events.rules import EventSort, RsvpStatus

#: The order of each ranking, as columns of `_EVENTS_NEAR_SQL`'s rows.
_ORDER = {
    EventSort.DISTANCE: ("chord", "starts_at", "event_id"),
    EventSort.STARTS_AT: ("starts_at", "chord", "event_id"),
}

#: Published events not yet over at the active stores within the radius
#: (`store.selectors.STORES_NEAR_SQL`, the search offers run), read from the
#: (store, end) index of `StoreEventStore`; each event once, at its nearest store.
_EVENTS_NEAR_SQL = f"""
WITH near AS MATERIALIZED ({STORES_NEAR_SQL}), held AS (
    SELECT DISTINCT ON (es.event_id)
        es.event_id, near.id AS store_id, near.chord, es.starts_at
    FROM near JOIN saleor_o2o_storeeventstore es ON es.store_id = near.id
    WHERE es.is_published AND es.ends_at > %(now)s
    ORDER BY es.event_id, near.chord, near.id
)
SELECT event_id, store_id, chord, starts_at, {km_sql("chord")} AS distance_km
FROM held {{after}} ORDER BY {{order}} LIMIT %(limit)s
"""


def sort_columns(sort: str) -> Tuple[str, ...]:
    """Return the columns a ranking orders by, which its page keys hold."""
    return _ORDER[sort]


@dataclass(frozen=True)
class NearbyEvent:
    event_id: int
    #: The nearest store holding it.
    store_id: int
    distance_km: float
    #: Where the next page starts: the ranking's sort key.
    key: Tuple


def events_near(
    *,
    point: Point,
    radius_km: float,
    now: datetime,
    sort: str = EventSort.DISTANCE,
    first: int = 10,
    after: Optional[Tuple] = None,
) -> List[NearbyEvent]:
    """Return up to `first` published events not yet over at stores within
    `radius_km` of `point`, each at its nearest store, ranked by `sort`, after
    the `key` of the previous page's last event."""
    columns = _ORDER[sort]
    params = {**search_params(point, radius_km), "now": now, "limit": first}
    where = ""
    if after is not None:
        where = "WHERE ({}) > (%(k0)s, %(k1)s, %(k2)s)".format(", ".join(columns))
        params.update(k0=after[0], k1=after[1], k2=after[2])
    sql = _EVENTS_NEAR_SQL.format(after=where, order=", ".join(columns))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found = []
    for event_id, store_id, chord, starts_at, km in rows:
        values = {"chord": chord, "starts_at": starts_at, "event_id": event_id}
        found.append(
            NearbyEvent(
                event_id=event_id,
                store_id=store_id,
                distance_km=float(km),
                key=tuple(values[column] for column in columns),
            )
        )
    return found


def events_with_related(queryset: QuerySet) -> QuerySet:
    """Return `queryset` with what event fields read, in a fixed number of queries:
    the places taken (``places_taken``) and the active stores (``active_stores``)
    with their addresses."""
    return queryset.annotate(
        places_taken=Count(
            "rsvps", filter=Q(rsvps__status=RsvpStatus.CONFIRMED), distinct=True
        )
    ).prefetch_related(
        Prefetch(
            "stores",
            queryset=stores_with_related(Store.objects.active()).order_by("name"),
            to_attr="active_stores",
        )
    )


def events_by_id(ids: Sequence[int]) -> Dict[int, StoreEvent]:
    """Return the events with these IDs by ID, with their places and stores."""
    return events_with_related(StoreEvent.objects.all()).in_bulk(list(ids))


def _reached(reach: Reach) -> QuerySet:
    store_ids = reach.store_ids()
    qs = StoreEvent.objects.all()
    if store_ids is None:
        return qs
    held = StoreEventStore.objects.filter(store_id__in=store_ids).values("event_id")
    return qs.filter(pk__in=held)


def events_visible_to(*, can_manage: bool, reach: Reach) -> QuerySet:
    """Return the events a requestor may see: published ones, and those held at a
    store they work in when they manage events."""
    published = StoreEvent.objects.filter(is_published=True)
    if not can_manage:
        return published
    return StoreEvent.objects.filter(
        Q(pk__in=published.values("pk")) | Q(pk__in=_reached(reach).values("pk"))
    )


def event_visible_to(
    *, can_manage: bool, reach: Reach, pk=None, slug=None
) -> Optional[StoreEvent]:
    """Return the event with this slug (else pk) if the requestor may see it."""
    qs = events_with_related(events_visible_to(can_manage=can_manage, reach=reach))
    return qs.filter(slug=slug).first() if slug else qs.filter(pk=pk).first()


def events_staff_list(*, reach: Reach, search: str = "") -> QuerySet:
    """Return the events held at stores `reach` works in, soonest first."""
    qs = _reached(reach)
    if search:
        qs = qs.filter(Q(title__icontains=search) | Q(description__icontains=search))
    return events_with_related(qs).order_by("starts_at", "pk")


def published_event(*, slug: str) -> Optional[StoreEvent]:
    """Return the published event with this slug (the public page), or None."""
    return StoreEvent.objects.filter(slug=slug, is_published=True).first()


def stores_upcoming_events(
    *, store_ids: Sequence[int], now: datetime, limit: int
) -> Dict[int, List[StoreEvent]]:
    """Return, per store, up to `limit` published events not yet over, soonest
    first: two queries and a prefetch for a whole list of stores."""
    links = list(
        StoreEventStore.objects.filter(
            store_id__in=store_ids, is_published=True, ends_at__gt=now
        )
        .order_by("store_id", "starts_at", "event_id")
        .values_list("store_id", "event_id")
    )
    per_store: Dict[int, List[int]] = {pk: [] for pk in store_ids}
    for store_id, event_id in links:
        if len(per_store[store_id]) < limit:
            per_store[store_id].append(event_id)
    events = events_by_id({pk for ids in per_store.values() for pk in ids})
    return {
        pk: [events[e] for e in ids if e in events] for pk, ids in per_store.items()
    }


def shopper_rsvps(*, user, limit: int = 100) -> QuerySet:
    """Return a logged-in shopper's RSVPs, newest first; none for anyone else."""
    if user is None or not getattr(user, "is_authenticated", False):
        return StoreEventRsvp.objects.none()
    return (
        StoreEventRsvp.objects.filter(user=user)
        .prefetch_related(
            Prefetch("event", queryset=events_with_related(StoreEvent.objects.all()))
        )
        .order_by("-created_at", "-pk")[:limit]
    )


def event_for_id(*, pk, field: str) -> StoreEvent:
    """Return the event with this pk, or raise NotFound on `field` (the writes
    check the requestor's reach)."""
    event = StoreEvent.objects.filter(pk=pk).first()
    if event is None:
        raise NotFound("No such event.", field=field)
    return event
