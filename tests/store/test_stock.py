import base64

import pytest
from django.db import transaction
from saleor.warehouse.models import Stock

from saleor_o2o.core.errors import InvalidInput
from saleor_o2o.core.ids import global_id
from saleor_o2o.store import availability
from saleor_o2o.store import stock as store_stock
from saleor_o2o.store.models import Store
from saleor_o2o.store.stock import StockLevel
from saleor_o2o.webhook.events import O2OEventType
from saleor_o2o.webhook.models import O2OEvent


@pytest.fixture
def second_variant(variant):
    from saleor.product.models import ProductVariant

    return ProductVariant.objects.create(
        product=variant.product, sku="SKU-2", price_override_amount=50, currency="USD"
    )


def available(store, variant):
    return availability.pickup_availability(
        store_ids=[store.pk], variant_ids=[variant.pk]
    ).get((store.pk, variant.pk))


def quantity_of(store, variant):
    stock = Stock.objects.filter(warehouse=store.warehouse, product_variant=variant)
    return stock.values_list("quantity", flat=True).first()


def low_stock_events():
    return list(O2OEvent.objects.filter(type=O2OEventType.STORE_STOCK_LOW))


def set_levels(store, *pairs, **options):
    return store_stock.store_stock_update(
        store=store,
        levels=[StockLevel(variant.pk, quantity) for variant, quantity in pairs],
        **options,
    )


@pytest.mark.parametrize(
    "quantity, allocated, safety, expected",
    [(10, 0, 0, 10), (10, 3, 0, 7), (10, 3, 2, 5), (10, 3, 7, 0), (10, 3, 20, 0)],
)
def test_availability_is_quantity_less_allocated_and_safety_stock(
    store, variant, order_line_allocated_in, quantity, allocated, safety, expected
):
    if allocated:
        order_line_allocated_in(store, allocated)
    set_levels(store, (variant, quantity), safety_stock=safety)
    assert quantity_of(store, variant) == quantity
    assert available(store, variant) == expected


def test_allocations_of_several_orders_add_up(store, variant, order_line_allocated_in):
    order_line_allocated_in(store, 2)
    order_line_allocated_in(store, 3)
    set_levels(store, (variant, 4))
    assert available(store, variant) == 0


def test_stock_of_another_store_does_not_count(
    store, store_factory, variant, order_line_allocated_in
):
    lyon = store_factory("Lyon Bellecour", 45.7578, 4.8320, city="Lyon")
    order_line_allocated_in(lyon, 3)
    set_levels(store, (variant, 5))
    set_levels(lyon, (variant, 4))
    assert available(store, variant) == 5
    assert available(lyon, variant) == 1


def test_a_variant_without_stock_row_has_no_availability(store, variant):
    assert available(store, variant) is None
    set_levels(store, (variant, 0))
    assert available(store, variant) == 0


def test_levels_update_existing_rows_and_create_missing_ones(
    store, variant, second_variant
):
    Stock.objects.create(warehouse=store.warehouse, product_variant=variant, quantity=1)
    set_levels(store, (variant, 6), (second_variant, 2))
    assert quantity_of(store, variant) == 6
    assert quantity_of(store, second_variant) == 2
    assert Stock.objects.filter(warehouse=store.warehouse).count() == 2


@pytest.mark.parametrize(
    "quantities, options, field",
    [
        ((1, -1), {}, "stocks.1.quantity"),
        ((1, 2), {"safety_stock": -1}, "safetyStock"),
        ((1, 2), {"low_stock_threshold": -1}, "lowStockThreshold"),
    ],
)
def test_negative_numbers_are_refused_and_nothing_is_written(
    store, variant, second_variant, quantities, options, field
):
    Stock.objects.create(warehouse=store.warehouse, product_variant=variant, quantity=9)
    with pytest.raises(InvalidInput) as raised:
        set_levels(
            store,
            (variant, quantities[0]),
            (second_variant, quantities[1]),
            **options,
        )
    assert raised.value.field == field
    assert raised.value.code == "OUT_OF_RANGE"
    assert quantity_of(store, variant) == 9
    assert quantity_of(store, second_variant) is None
    unchanged = Store.objects.get(pk=store.pk)
    assert unchanged.pickup_safety_stock == 0
    assert unchanged.low_stock_threshold is None
    assert unchanged.updated_at == store.updated_at
    assert not O2OEvent.objects.exists()


def test_a_quantity_beyond_the_database_range_is_refused(store, variant):
    with pytest.raises(InvalidInput) as raised:
        set_levels(store, (variant, 2**31))
    assert raised.value.field == "stocks.0.quantity"


def test_settings_are_saved(store):
    store = store_stock.store_stock_update(
        store=store, safety_stock=2, low_stock_threshold=4
    )
    assert (store.pickup_safety_stock, store.low_stock_threshold) == (2, 4)
    store = store_stock.store_stock_update(store=store, low_stock_threshold=None)
    assert Store.objects.get(pk=store.pk).low_stock_threshold is None
    assert Store.objects.get(pk=store.pk).pickup_safety_stock == 2


def test_leaving_the_threshold_out_keeps_it(store, variant):
    store_stock.store_stock_update(store=store, low_stock_threshold=3)
    set_levels(store, (variant, 10))
    assert Store.objects.get(pk=store.pk).low_stock_threshold == 3


def test_low_stock_event_when_availability_falls_to_the_threshold(
    store, variant, second_variant
):
    set_levels(store, (variant, 10), (second_variant, 10), low_stock_threshold=3)
    assert not low_stock_events()
    set_levels(store, (variant, 3), (second_variant, 4))
    (event,) = low_stock_events()
    assert event.payload == {
        "store": {"id": global_id("Store", store.pk), "name": "Paris Louvre"},
        "variant": {"id": global_id("ProductVariant", variant.pk), "sku": "SKU-1"},
        "quantity_available_for_pickup": 3,
        "low_stock_threshold": 3,
    }


def test_global_ids_are_saleors(store, variant):
    set_levels(store, (variant, 10), low_stock_threshold=3)
    set_levels(store, (variant, 0))
    (event,) = low_stock_events()
    decoded = base64.b64decode(event.payload["variant"]["id"]).decode()
    assert decoded == f"ProductVariant:{variant.pk}"
    assert base64.b64decode(event.payload["store"]["id"]).decode() == (
        f"Store:{store.pk}"
    )


def test_no_event_while_already_below_or_without_threshold(store, variant):
    set_levels(store, (variant, 10))
    set_levels(store, (variant, 0))  # No threshold: no event.
    assert not low_stock_events()
    set_levels(store, (variant, 2), low_stock_threshold=3)
    assert not low_stock_events()  # Setting a threshold is not a crossing.
    set_levels(store, (variant, 1))  # Already below: no event.
    set_levels(store, (variant, 3))  # Still at or below: no event.
    assert not low_stock_events()


def test_an_event_each_time_availability_crosses_again(store, variant):
    set_levels(store, (variant, 10), low_stock_threshold=3)
    set_levels(store, (variant, 1))
    set_levels(store, (variant, 8))
    set_levels(store, (variant, 0))
    events = low_stock_events()
    assert [e.payload["quantity_available_for_pickup"] for e in events] == [1, 0]


def test_no_event_for_a_new_stock_row(store, variant):
    set_levels(store, (variant, 1), low_stock_threshold=3)
    assert not low_stock_events()


def test_allocations_count_towards_the_crossing(
    store, variant, order_line_allocated_in
):
    order_line_allocated_in(store, 4)
    set_levels(store, (variant, 10), low_stock_threshold=3)  # 6 available
    set_levels(store, (variant, 7))  # 3 available
    (event,) = low_stock_events()
    assert event.payload["quantity_available_for_pickup"] == 3


def test_raising_the_safety_stock_can_make_every_stocked_variant_low(
    store, store_factory, variant, second_variant
):
    lyon = store_factory("Lyon Bellecour", 45.7578, 4.8320, city="Lyon")
    set_levels(store, (variant, 10), (second_variant, 6), low_stock_threshold=3)
    set_levels(lyon, (variant, 10), low_stock_threshold=3)
    store_stock.store_stock_update(store=store, safety_stock=7)
    events = low_stock_events()
    assert sorted(e.payload["variant"]["sku"] for e in events) == ["SKU-1", "SKU-2"]
    assert {e.payload["store"]["id"] for e in events} == {global_id("Store", store.pk)}
    assert {
        e.payload["variant"]["sku"]: e.payload["quantity_available_for_pickup"]
        for e in events
    } == {"SKU-1": 3, "SKU-2": 0}


def test_changing_only_the_threshold_records_no_event(store, variant, second_variant):
    # Current behaviour: availability does not move, so nothing "falls" to the new
    # threshold, even for SKU-2 (2 available), above the old threshold of 1 and at or
    # below the new one of 5.
    set_levels(store, (variant, 10), (second_variant, 2), low_stock_threshold=1)
    store_stock.store_stock_update(store=store, low_stock_threshold=5)
    assert not low_stock_events()


def test_events_are_recorded_in_the_same_transaction(store, variant):
    set_levels(store, (variant, 10), low_stock_threshold=3)

    class Undo(Exception):
        pass

    with pytest.raises(Undo):
        with transaction.atomic():
            set_levels(store, (variant, 1))
            assert len(low_stock_events()) == 1
            raise Undo
    assert not low_stock_events()
    assert quantity_of(store, variant) == 10
