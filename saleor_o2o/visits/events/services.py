"""Store events: staff writes (create, update, delete), scoped to store managers.

An event is written by managers of every store it is held at (`store.access`): a
manager of one store cannot put an event at, or take it from, another store. Staff
acting in every store, and apps not narrowed to stores, write any event.

Lock order: the event row (``FOR UPDATE``), then its RSVP rows (see `rsvp`).
"""

from typing import Any, Dict, Iterable, List, Optional

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from saleor_o2o.core.errors import InvalidInput, NotFound, O2OError
from saleor_o2o.core.validation import datetime_check, model_text_check, text_check
from saleor_o2o.store.access import PERMISSION_DENIED, store_check
from saleor_o2o.store.models import Store
from saleor_o2o.store.reach import MANAGER, Reach
from saleor_o2o.visits.events import rules
from saleor_o2o.visits.events.models import StoreEvent, StoreEventRsvp, StoreEventStore

#: Fields set from input as they are.
PLAIN_FIELDS = (
    "title",
    "slug",
    "description",
    "image_url",
    "starts_at",
    "ends_at",
    "capacity",
    "is_published",
)
#: Text fields of an event, by their input names.
TEXT_FIELDS = {"title": "title", "slug": "slug", "image_url": "imageUrl"}
DESCRIPTION_MAX_LENGTH = 10_000


def stores_reach_check(reach: Reach, store_ids: Iterable[int]) -> None:
    """Refuse unless `reach` manages every one of the stores."""
    for store_id in store_ids:
        store_check(reach, store_id, role=MANAGER, field="storeIds")


def event_reach_check(reach: Reach, store_ids: Iterable[int]) -> None:
    """Refuse unless `reach` manages every store an existing event is held at.

    An event at none of the requestor's stores does not exist for them (NOT_FOUND);
    one also held at stores they do not manage is PERMISSION_DENIED.
    """
    store_ids = list(store_ids)
    if not any(reach.sees(store_id) for store_id in store_ids):
        raise NotFound("No such event.", field="id")
    if not all(reach.can(store_id, MANAGER) for store_id in store_ids):
        raise O2OError(
            "The event is held at stores you do not manage.",
            field="id",
            code=PERMISSION_DENIED,
        )


def _store_ids(data: Dict[str, Any]) -> Optional[List[int]]:
    if data.get("store_ids") is None:
        return None
    store_ids = list(dict.fromkeys(data["store_ids"]))
    if not store_ids:
        raise InvalidInput(
            "An event is held at one store at least.", field="storeIds", code="REQUIRED"
        )
    found = set(Store.objects.filter(pk__in=store_ids).values_list("pk", flat=True))
    missing = [pk for pk in store_ids if pk not in found]
    if missing:
        raise NotFound("No such store.", field="storeIds")
    return store_ids


def _slug_free(event: StoreEvent, slug: str) -> bool:
    return not StoreEvent.objects.filter(slug=slug).exclude(pk=event.pk).exists()


def _slug_for(event: StoreEvent, wanted: Optional[str]) -> str:
    if wanted is not None:
        slug = slugify(wanted)
        if not slug or slug != wanted:
            raise InvalidInput(
                "A slug is lower-case letters, digits and dashes.", field="slug"
            )
        if not _slug_free(event, slug):
            raise O2OError("Another event has this slug.", field="slug", code="UNIQUE")
        return slug
    if event.slug:
        return event.slug
    base = (slugify(event.title) or "event")[:100]
    slug, number = base, 1
    while not _slug_free(event, slug):
        number += 1
        slug = f"{base}-{number}"
    return slug


def _clean(event: StoreEvent, data: Dict[str, Any], *, taken: int) -> None:
    model_text_check(StoreEvent, data, TEXT_FIELDS)
    text_check(
        data.get("description"), max_length=DESCRIPTION_MAX_LENGTH, field="description"
    )
    for name, field in (("starts_at", "startsAt"), ("ends_at", "endsAt")):
        if data.get(name) is not None:
            data[name] = datetime_check(data[name], field=field)
    for name in PLAIN_FIELDS:
        if name == "slug":
            continue
        if name in data and (data[name] is not None or name == "capacity"):
            setattr(event, name, data[name])
    event.title = (event.title or "").strip()
    if not event.title:
        raise InvalidInput("An event needs a title.", field="title", code="REQUIRED")
    event.description = (event.description or "").strip()
    event.image_url = (event.image_url or "").strip()
    for name, field in (("starts_at", "startsAt"), ("ends_at", "endsAt")):
        if getattr(event, name) is None:
            raise InvalidInput(
                "Give when the event starts and ends.", field=field, code="REQUIRED"
            )
    rules.schedule_check(starts_at=event.starts_at, ends_at=event.ends_at)
    rules.capacity_check(event.capacity, taken=taken)
    rules.image_url_check(event.image_url)
    event.slug = _slug_for(event, data.get("slug"))


def _sync_stores(event: StoreEvent, store_ids: Optional[List[int]]) -> None:
    """Hold the event at `store_ids` (None: keep its stores), fields copied."""
    copied = {name: getattr(event, name) for name in StoreEventStore.COPIED}
    links = StoreEventStore.objects.filter(event=event)
    if store_ids is not None:
        links.exclude(store_id__in=store_ids).delete()
        held = set(links.values_list("store_id", flat=True))
        StoreEventStore.objects.bulk_create(
            StoreEventStore(event=event, store_id=pk, **copied)
            for pk in store_ids
            if pk not in held
        )
    links.update(**copied)


def event_store_ids(event: StoreEvent) -> List[int]:
    """Return the IDs of the stores the event is held at."""
    return list(
        StoreEventStore.objects.filter(event=event).values_list("store_id", flat=True)
    )


def _save(event: StoreEvent, data: Dict[str, Any], *, by: Reach, taken: int):
    store_ids = _store_ids(data)
    if store_ids is None and event.pk is None:
        raise InvalidInput(
            "Give the stores the event is held at.", field="storeIds", code="REQUIRED"
        )
    if store_ids is not None:
        stores_reach_check(by, store_ids)
    _clean(event, data, taken=taken)
    try:
        with transaction.atomic():  # A savepoint: a slug taken meanwhile.
            event.save()
    except IntegrityError:
        raise O2OError("Another event has this slug.", field="slug", code="UNIQUE")
    _sync_stores(event, store_ids)
    return event


def store_event_create(*, data: Dict[str, Any], by: Reach) -> StoreEvent:
    """Create an event at stores `by` manages; `data` holds model field names and
    ``store_ids``. Events start unpublished unless ``is_published`` says otherwise."""
    with transaction.atomic():
        return _save(StoreEvent(), dict(data), by=by, taken=0)


def store_event_update(*, event: StoreEvent, data: Dict[str, Any], by: Reach):
    """Change an event held at stores `by` manages; ``store_ids`` replaces its
    stores. The capacity may not fall below the places taken."""
    with transaction.atomic():
        locked = StoreEvent.objects.select_for_update().get(pk=event.pk)
        event_reach_check(by, event_store_ids(locked))
        taken = StoreEventRsvp.objects.filter(
            event=locked, status=rules.RsvpStatus.CONFIRMED
        ).count()
        return _save(locked, dict(data), by=by, taken=taken)


def store_event_delete(*, event: StoreEvent, by: Reach) -> StoreEvent:
    """Delete an event held at stores `by` manages, with its RSVPs. To stop showing
    an event but keep its RSVPs, unpublish it instead."""
    with transaction.atomic():
        locked = StoreEvent.objects.select_for_update().filter(pk=event.pk).first()
        if locked is None:
            raise NotFound("No such event.", field="id")
        event_reach_check(by, event_store_ids(locked))
        pk = locked.pk
        locked.delete()
    locked.pk = locked.id = pk
    return locked
