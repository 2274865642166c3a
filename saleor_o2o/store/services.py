"""Writes: stores created, changed, deleted and geocoded, each inside a transaction."""

import logging
from typing import Any, Dict, Optional, Sequence

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from saleor.account.models import Address
from saleor.account.validators import validate_possible_number
from saleor.warehouse.models import Allocation, Warehouse

from saleor_o2o.core import geo, geocoding
from saleor_o2o.core.db import rows_lock
from saleor_o2o.core.errors import GeocodingUnavailable, InvalidInput, O2OError
from saleor_o2o.core.settings import GeocoderSettings, get_o2o_settings
from saleor_o2o.core.tasks import GEOCODE_STORE, task_named
from saleor_o2o.core.validation import model_text_check
from saleor_o2o.store import hours, pickup_zone, slots
from saleor_o2o.store.address import address_clean, geocoding_query
from saleor_o2o.store.models import GeocodingStatus, Store, StoreHoursException

logger = logging.getLogger(__name__)

#: A week: longer lead times are almost certainly a typo for hours or days.
MAX_PICKUP_LEAD_TIME_MINUTES = 7 * 24 * 60
#: The store fields a caller may set directly (everything but address and hours).
PLAIN_FIELDS = (
    "name",
    "phone",
    "email",
    "timezone",
    "is_click_and_collect",
    "is_curbside",
    "pickup_lead_time_minutes",
    "pickup_slot_minutes",
    "pickup_slot_capacity",
    "is_active",
)


def _unique_slug(base: str) -> str:
    slug = base
    suffix = 2
    while (
        Store.objects.filter(slug=slug).exists()
        or Warehouse.objects.filter(slug=slug).exists()
    ):
        slug = f"{base}-{suffix}"
        suffix += 1
    return slug


def _clean_slug(slug: Optional[str], *, name: str, store: Optional[Store]) -> str:
    if not slug:
        if store is not None:
            return store.slug
        base = slugify(name)[:240] or "store"
        return _unique_slug(base)
    if slug != slugify(slug) or len(slug) > 255:
        raise InvalidInput(
            "A slug may hold only lowercase letters, digits and hyphens.", field="slug"
        )
    taken = Store.objects.filter(slug=slug)
    warehouse_taken = Warehouse.objects.filter(slug=slug)
    if store is not None:
        taken = taken.exclude(pk=store.pk)
        warehouse_taken = warehouse_taken.exclude(pk=store.warehouse_id)
    if taken.exists() or warehouse_taken.exists():
        raise InvalidInput(
            f"The slug {slug!r} is already used by another store or warehouse.",
            field="slug",
            code="UNIQUE",
        )
    return slug


#: Text fields of a store, by their input names.
TEXT_FIELDS = {
    "name": "name",
    "email": "email",
    "phone": "phone",
    "timezone": "timezone",
}


def _clean_plain_fields(store: Store, data: Dict[str, Any], country: str) -> None:
    model_text_check(Store, data, TEXT_FIELDS)
    if "name" in data:
        name = (data["name"] or "").strip()
        if not name:
            raise InvalidInput("A store needs a name.", field="name", code="REQUIRED")
        store.name = name
    if data.get("email"):
        try:
            validate_email(data["email"])
        except ValidationError:
            raise InvalidInput(
                f"{data['email']!r} is not an e-mail address.", field="email"
            )
    if data.get("phone"):
        try:
            validate_possible_number(data["phone"], country)
        except ValidationError:
            raise InvalidInput(
                f"{data['phone']!r} is not a valid phone number.", field="phone"
            )
    if "timezone" in data:
        hours.validate_timezone(data["timezone"] or "")
    lead_time = data.get("pickup_lead_time_minutes")
    if lead_time is not None and not 0 <= lead_time <= MAX_PICKUP_LEAD_TIME_MINUTES:
        raise InvalidInput(
            "The pickup lead time must be between 0 minutes and a week "
            f"({MAX_PICKUP_LEAD_TIME_MINUTES} minutes).",
            field="pickupLeadTimeMinutes",
            code="OUT_OF_RANGE",
        )
    slot_minutes = data.get("pickup_slot_minutes")
    slot_capacity = data.get("pickup_slot_capacity")
    if slot_minutes is not None or slot_capacity is not None:
        slots.validate_slot_settings(
            slot_minutes=(
                store.pickup_slot_minutes if slot_minutes is None else slot_minutes
            ),
            capacity=(
                store.pickup_slot_capacity if slot_capacity is None else slot_capacity
            ),
        )
    for field in PLAIN_FIELDS:
        if field in data and data[field] is not None and field != "name":
            setattr(store, field, data[field])


def _apply_coordinates(
    store: Store, data: Dict[str, Any], address_changed: bool
) -> bool:
    """Set coordinates from the input; return whether the address must be geocoded."""
    if "latitude" in data or "longitude" in data:
        latitude, longitude = data.get("latitude"), data.get("longitude")
        if latitude is None and longitude is None:
            store.latitude = store.longitude = None
            return True
        point = geo.validate_point(latitude, longitude)
        store.latitude, store.longitude = point.latitude, point.longitude
        store.geocoding_status = GeocodingStatus.MANUAL
        store.geocoding_error = ""
        return False
    return address_changed or not store.has_coordinates


def _request_geocoding(store: Store) -> None:
    store.geocoding_status = GeocodingStatus.PENDING
    store.geocoding_error = ""
    store.geocoding_attempts = 0
    store.geocoding_requested_at = timezone.now()

    transaction.on_commit(lambda: task_named(GEOCODE_STORE).delay(store.pk))


def _replace_exceptions(
    store: Store, exceptions: Sequence[hours.DateException]
) -> None:
    store.hours_exceptions.all().delete()
    StoreHoursException.objects.bulk_create(
        StoreHoursException(
            store=store,
            date=exception.date,
            name=exception.name,
            intervals=hours.intervals_to_json(exception.intervals),
        )
        for exception in exceptions
    )


def _sync_warehouse(store: Store, address: Optional[Address], creating: bool) -> None:
    """Create or update the warehouse behind the store, mirroring its identity."""
    if creating:
        store.warehouse = Warehouse.objects.create(
            name=store.name, slug=store.slug, address=address, email=store.email
        )
        return
    warehouse = store.warehouse
    warehouse.name, warehouse.slug, warehouse.email = (
        store.name,
        store.slug,
        store.email,
    )
    warehouse.save(update_fields=["name", "slug", "email"])


def _can_geocode(address: Address) -> bool:
    return bool(address.street_address_1 or address.city or address.postal_code)


def _save(store: Store, data: Dict[str, Any], *, creating: bool) -> Store:
    """Validate `data` completely, then write the store, its address and warehouse."""
    address = None
    if creating or data.get("address") is not None:
        instance = None if creating else store.warehouse.address
        address = address_clean(data.get("address") or {}, instance)
    country = (address or store.address).country.code
    _clean_plain_fields(store, data, country)
    store.slug = _clean_slug(
        data.get("slug"), name=store.name, store=None if creating else store
    )
    if data.get("opening_hours") is not None:
        weekly = hours.validate_weekly(data["opening_hours"])
        store.opening_hours = hours.weekly_to_json(weekly)
    exceptions = None
    if data.get("opening_hours_exceptions") is not None:
        exceptions = hours.validate_exceptions(data["opening_hours_exceptions"])
    needs_geocoding = _apply_coordinates(
        store, data, address_changed=data.get("address") is not None
    )

    # Everything is valid: write.
    if address is not None:
        address.save()
    _sync_warehouse(store, address, creating)
    if needs_geocoding and _can_geocode(store.address):
        _request_geocoding(store)
    store.save()
    if exceptions is not None:
        _replace_exceptions(store, exceptions)
    pickup_zone.pickup_zone_sync(store=store, settings=get_o2o_settings())
    return store


@transaction.atomic
def store_create(*, data: Dict[str, Any]) -> Store:
    """Create a store with its warehouse and address.

    `data` holds the store's fields by their model names, `address` as a dict of
    Saleor address fields, `opening_hours` as `hours.WeeklyInterval`s and
    `opening_hours_exceptions` as `hours.DateException`s. A store given an address but
    no coordinates is geocoded after the transaction commits.
    """
    if not (data.get("name") or "").strip():
        raise InvalidInput("A store needs a name.", field="name", code="REQUIRED")
    if data.get("address") is None:
        raise InvalidInput(
            "A store needs an address.", field="address", code="REQUIRED"
        )
    return _save(Store(), data, creating=True)


def store_lock(store_id: int) -> Store:
    """Lock a store row (FOR NO KEY UPDATE) and return it as it now is.

    NO KEY UPDATE serialises changes to the store without blocking transactions that
    insert rows referring to it (a new pickup, say), whose foreign key checks take
    KEY SHARE locks: see the lock order in docs/design/click-and-collect.md.
    """
    rows_lock(Store._meta.db_table, [store_id], mode="NO KEY UPDATE")
    return Store.objects.select_related("warehouse__address").get(pk=store_id)


@transaction.atomic
def store_update(*, store: Store, data: Dict[str, Any]) -> Store:
    """Change the fields of `store` present in `data` (see `store_create`)."""
    return _save(store_lock(store.pk), data, creating=False)


@transaction.atomic
def store_delete(*, store: Store) -> None:
    """Delete a store with its warehouse, its stock and its address.

    Refused while orders hold stock allocated in the store: fulfil or cancel them first.
    """
    warehouse = Warehouse.objects.select_for_update().get(pk=store.warehouse_id)
    allocated = Allocation.objects.filter(
        stock__warehouse=warehouse, quantity_allocated__gt=0
    ).count()
    if allocated:
        raise O2OError(
            f"{allocated} order line(s) hold stock allocated in this store; fulfil or "
            "cancel those orders before deleting it.",
            field="id",
            code="STORE_HAS_ALLOCATIONS",
        )
    warehouse.delete()  # Cascades to the store and its stock; deletes the address.


def store_request_geocoding(*, store: Store) -> Store:
    """Queue the store's address to be geocoded again."""
    with transaction.atomic():
        store = store_lock(store.pk)
        _request_geocoding(store)
        store.save()
    return store


def store_geocode(
    *, store_id: int, settings: GeocoderSettings, final_attempt: bool = True
) -> Optional[Store]:
    """Geocode the store's address and record the outcome on the store.

    A passing failure (`GeocodingUnavailable`) is re-raised after being recorded, so
    the caller may retry, unless this was the final attempt.
    """
    store = (
        Store.objects.select_related("warehouse__address").filter(pk=store_id).first()
    )
    if store is None or store.geocoding_status != GeocodingStatus.PENDING:
        return store
    query, country = geocoding_query(store.address)
    error: Optional[O2OError] = None
    place = None
    try:
        place = geocoding.geocode(query, settings=settings, country_code=country)
    except O2OError as raised:
        error = raised
    retrying = isinstance(error, GeocodingUnavailable) and not final_attempt
    with transaction.atomic():
        store = store_lock(store_id)
        if store.geocoding_status != GeocodingStatus.PENDING:
            return store  # Staff entered coordinates meanwhile.
        store.geocoding_attempts += 1
        if place is not None:
            store.latitude, store.longitude = place.latitude, place.longitude
            store.geocoding_status = GeocodingStatus.SUCCEEDED
            store.geocoding_error = ""
            store.geocoded_at = timezone.now()
        else:
            store.geocoding_error = error.message
            if not retrying:
                store.geocoding_status = GeocodingStatus.FAILED
        store.save()
    if retrying:
        raise error
    return store
