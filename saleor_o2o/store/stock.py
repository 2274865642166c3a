"""Per-store stock levels: set by staff or the import, read back with availability;
the product variants they are given for, looked up by ID or SKU."""

from dataclasses import dataclass
from typing import Any, Dict, Optional, Sequence, Set

from django.db import transaction
from saleor.product.models import ProductVariant
from saleor.warehouse.models import Stock

from saleor_o2o.core.errors import InvalidInput
from saleor_o2o.core.ids import global_id
from saleor_o2o.store import supply
from saleor_o2o.store.availability import pickup_availability
from saleor_o2o.store.models import Store
from saleor_o2o.store.services import store_lock
from saleor_o2o.webhook.events import O2OEventType, events_record


def variants_by_id(ids: Sequence[int]) -> Dict[int, ProductVariant]:
    """Return the product variants with these IDs, by ID."""
    return ProductVariant.objects.in_bulk(ids)


def variant_ids_known(ids: Sequence[int]) -> Set[int]:
    """Return those of `ids` that are IDs of product variants."""
    return set(ProductVariant.objects.filter(pk__in=ids).values_list("pk", flat=True))


def variant_ids_by_sku(skus: Sequence[str]) -> Dict[str, int]:
    """Return the IDs of the product variants with these SKUs, by SKU."""
    return dict(ProductVariant.objects.filter(sku__in=skus).values_list("sku", "pk"))


@dataclass(frozen=True)
class StockLevel:
    """The quantity on hand to set for one variant in a store."""

    variant_id: int
    quantity: int


#: Marks an argument left out (None is a value: "no threshold").
UNSET: Any = object()


#: PostgreSQL's integer columns hold at most this.
MAX_STOCK_QUANTITY = 2**31 - 1


def _check_count(value: Optional[int], field: str, what: str) -> None:
    if value is not None and not 0 <= value <= MAX_STOCK_QUANTITY:
        raise InvalidInput(
            f"{what} must be between 0 and {MAX_STOCK_QUANTITY}.",
            field=field,
            code="OUT_OF_RANGE",
        )


@transaction.atomic
def store_stock_update(
    *,
    store: Store,
    levels: Sequence[StockLevel] = (),
    safety_stock: Optional[int] = None,
    low_stock_threshold: Any = UNSET,
) -> Store:
    """Set stock levels in the store's warehouse (Saleor's `Stock`) and its settings.

    All levels are checked before anything is written; writes are bulk, so large
    imports hold their locks briefly. Variants whose pickup availability falls to
    the low-stock threshold or below record a ``store_stock_low`` event.
    """
    for index, level in enumerate(levels):
        _check_count(level.quantity, f"stocks.{index}.quantity", "A stock quantity")
    _check_count(safety_stock, "safetyStock", "The safety stock")
    if low_stock_threshold is not UNSET:
        _check_count(low_stock_threshold, "lowStockThreshold", "The threshold")
    store = store_lock(store.pk)
    wanted = {level.variant_id: level.quantity for level in levels}
    existing = {
        stock.product_variant_id: stock
        for stock in Stock.objects.select_for_update()
        .filter(warehouse_id=store.warehouse_id, product_variant_id__in=list(wanted))
        .order_by("pk")
    }
    variant_ids = set(wanted)
    if safety_stock is not None and safety_stock != store.pickup_safety_stock:
        # The safety stock changes what every stocked variant can supply.
        variant_ids |= set(
            Stock.objects.filter(warehouse_id=store.warehouse_id).values_list(
                "product_variant_id", flat=True
            )
        )
    before = _availability(store, variant_ids)

    if safety_stock is not None:
        store.pickup_safety_stock = safety_stock
    if low_stock_threshold is not UNSET:
        store.low_stock_threshold = low_stock_threshold
    store.save(
        update_fields=["pickup_safety_stock", "low_stock_threshold", "updated_at"]
    )
    changed, created = [], []
    for variant_id, quantity in wanted.items():
        stock = existing.get(variant_id)
        if stock is None:
            created.append(
                Stock(
                    warehouse_id=store.warehouse_id,
                    product_variant_id=variant_id,
                    quantity=quantity,
                )
            )
        elif stock.quantity != quantity:
            stock.quantity = quantity
            changed.append(stock)
    Stock.objects.bulk_update(changed, ["quantity"], batch_size=1000)
    Stock.objects.bulk_create(created, batch_size=1000)

    after = _availability(store, variant_ids)
    low = [
        variant_id
        for variant_id in sorted(variant_ids)
        if supply.crossed_low_stock(
            before=before.get(variant_id, 0),
            after=after.get(variant_id, 0),
            threshold=store.low_stock_threshold,
        )
    ]
    record_stock_low(store, low, after)
    return store


def _availability(store: Store, variant_ids) -> Dict[int, int]:
    return {
        variant_id: units
        for (_, variant_id), units in pickup_availability(
            store_ids=[store.pk], variant_ids=list(variant_ids)
        ).items()
    }


def record_stock_low(store: Store, variant_ids, available: Dict[int, int]) -> None:
    """Record a store_stock_low event for each variant, with its availability."""
    if not variant_ids:
        return
    skus = dict(
        ProductVariant.objects.filter(pk__in=variant_ids).values_list("pk", "sku")
    )
    events_record(
        type=O2OEventType.STORE_STOCK_LOW,
        payloads=[
            {
                "store": {"id": global_id("Store", store.pk), "name": store.name},
                "variant": {
                    "id": global_id("ProductVariant", variant_id),
                    "sku": skus.get(variant_id, ""),
                },
                "quantity_available_for_pickup": available.get(variant_id, 0),
                "low_stock_threshold": store.low_stock_threshold,
            }
            for variant_id in variant_ids
        ],
    )


def record_stock_low_after(store: Store, before: Dict[int, int], takes) -> None:
    """Record low-stock events for the variants an order's ``takes`` (allocation
    plan) took from the store to or below its threshold; ``before`` holds the units
    available per variant before."""
    if store.low_stock_threshold is None:
        return
    after = {
        take.variant_id: max(0, before.get(take.variant_id, 0) - take.quantity)
        for take in takes
    }
    record_stock_low(
        store,
        [
            variant_id
            for variant_id in sorted(after)
            if supply.crossed_low_stock(
                before=before.get(variant_id, 0),
                after=after[variant_id],
                threshold=store.low_stock_threshold,
            )
        ],
        after,
    )
