"""Writes of a store's delivery area: where, when and for how much it delivers."""

from decimal import Decimal
from typing import Any, Dict, Mapping, Optional, Sequence

from django.db import transaction

from saleor_o2o.core.errors import InvalidInput
from saleor_o2o.local_delivery import areas, fees
from saleor_o2o.local_delivery.models import DeliveryArea, DeliveryPostalCode
from saleor_o2o.local_delivery.selectors import area_postal_codes
from saleor_o2o.store.models import Store
from saleor_o2o.store.services import store_lock

#: Input fields (as `delivery_area_update` takes them) and the column each sets.
AMOUNT_FIELDS = {
    "minimum_order": "minimum_order_amount",
    "fee_base": "fee_base_amount",
    "fee_per_km": "fee_per_km_amount",
    "free_above": "free_above_amount",
}
PLAIN_FIELDS = ("is_active", "lead_time_minutes", "window_minutes", "window_capacity")


def _amount(value, field: str) -> Optional[Decimal]:
    if value is None:
        if field == "free_above":
            return None
        raise InvalidInput("Give an amount.", field=field, code="REQUIRED")
    return fees.validate_amount(value, field=field)


def _integer(value, field: str) -> int:
    if value is None or isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput("Give a whole number.", field=field, code="REQUIRED")
    return value


@transaction.atomic
def delivery_area_update(*, store: Store, data: Dict[str, Any]) -> DeliveryArea:
    """Create or change the store's delivery area with the fields present in `data`.

    ``postal_codes`` (``{country: [codes or prefixes]}``) replaces the codes listed;
    ``radius_km`` None means postal codes only; ``free_above`` None means never free.
    All or nothing: any bad value changes nothing.
    """
    store_lock(store.pk)
    area = (
        DeliveryArea.objects.select_for_update()
        .filter(store_id=store.pk)
        .prefetch_related("postal_codes")
        .first()
    )
    creating = area is None
    if creating:
        area = DeliveryArea(store_id=store.pk)
    for field in PLAIN_FIELDS:
        if field in data:
            if field == "is_active":
                if data[field] is None:
                    raise InvalidInput(
                        "Give true or false.", field=field, code="REQUIRED"
                    )
                area.is_active = bool(data[field])
            else:
                setattr(area, field, _integer(data[field], field))
    for field, column in AMOUNT_FIELDS.items():
        if field in data:
            setattr(area, column, _amount(data[field], field))
    if "radius_km" in data:
        area.radius_km = data["radius_km"]
    postal_codes: Mapping[str, Sequence[str]]
    if "postal_codes" in data:
        postal_codes = data["postal_codes"] or {}
    elif creating:
        postal_codes = {}
    else:
        postal_codes = area_postal_codes(area)
    cleaned = areas.validate_area(
        radius_km=area.radius_km,
        postal_codes=postal_codes,
        lead_time_minutes=area.lead_time_minutes,
        window_minutes=area.window_minutes,
        window_capacity=area.window_capacity,
    )
    area.radius_km = areas.validate_radius(area.radius_km)
    area.save()
    if "postal_codes" in data or creating:
        area.postal_codes.all().delete()
        DeliveryPostalCode.objects.bulk_create(
            DeliveryPostalCode(area=area, country=country, prefix=prefix)
            for country, prefixes in cleaned.items()
            for prefix in prefixes
        )
    return DeliveryArea.objects.prefetch_related("postal_codes").get(pk=area.pk)
