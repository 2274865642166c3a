import datetime as dt

import pytest
import pytz
from saleor.warehouse.models import Stock

from saleor_o2o.webhook.models import O2OEvent

from helpers.api import assert_permission_denied, gid

PARIS = {"latitude": 48.8566, "longitude": 2.3522}

STORES_SUPPLYING = """
query($near: StoreNearInput, $supply: StoreSupplyInput!, $first: Int, $after: String) {
  stores(near: $near, radiusKm: 50, first: $first, after: $after,
         filter: {canSupply: $supply}) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { name distanceKm cartSupply {
      isComplete
      lines { variant { sku } quantity quantityAvailable quantityShort }
      shortLines { variant { sku } quantityShort }
    } } }
  }
}
"""

VARIANT_AVAILABILITY = """
query($id: ID!, $inStockOnly: Boolean) {
  productVariant(id: $id) {
    storeAvailability(near: {latitude: 48.8566, longitude: 2.3522}, radiusKm: 50,
                      inStockOnly: $inStockOnly) {
      store { name } quantityAvailable distanceKm readyBy
    }
  }
}
"""

STOCK_UPDATE = """
mutation($store: ID!, $stocks: [StoreStockInput!], $safety: Int, $threshold: Int) {
  storeStockUpdate(storeId: $store, stocks: $stocks, safetyStock: $safety,
                   lowStockThreshold: $threshold) {
    store { name pickupSafetyStock lowStockThreshold }
    storeErrors { field code message }
  }
}
"""


@pytest.fixture
def variants(db):
    import saleor.product.utils  # noqa: F401  (Saleor 2.10 import cycle)
    from saleor.product.models import Product, ProductType, ProductVariant

    product_type = ProductType.objects.create(name="Tees", slug="tees")
    product = Product.objects.create(
        name="Tee",
        slug="tee",
        product_type=product_type,
        price_amount=10,
        is_published=True,
    )
    return [
        ProductVariant.objects.create(product=product, sku=f"TEE-{size}")
        for size in ("S", "M", "L")
    ]


def stock(store, variant, quantity):
    Stock.objects.update_or_create(
        warehouse=store.warehouse,
        product_variant=variant,
        defaults={"quantity": quantity},
    )


@pytest.fixture
def stocked_stores(store_factory, variants):
    small, medium, large = variants
    near_partial = store_factory("Near, lacks L", 48.8584, 2.3470)  # 0.4 km
    mid_complete = store_factory("Mid, complete", 48.8867, 2.3431)  # 3.4 km
    far_complete = store_factory("Far, complete", 48.8049, 2.1204)  # 17.9 km
    near_empty = store_factory("Near, empty", 48.8570, 2.3500)  # 0.2 km
    for store in (mid_complete, far_complete):
        for variant in variants:
            stock(store, variant, 5)
    stock(near_partial, small, 5)
    stock(near_partial, medium, 5)
    return near_partial, mid_complete, far_complete, near_empty


def supply_lines(variants, quantity=2):
    return {
        "lines": [
            {"variantId": gid("ProductVariant", v.pk), "quantity": quantity}
            for v in variants
        ]
    }


def names(response):
    content = response.json()
    assert "errors" not in content, content["errors"]
    return [edge["node"]["name"] for edge in content["data"]["stores"]["edges"]]


def test_stores_with_the_whole_cart_rank_first(
    api_client, o2o_active, stocked_stores, variants
):
    response = api_client.post_graphql(
        STORES_SUPPLYING, {"near": PARIS, "supply": supply_lines(variants), "first": 10}
    )
    assert names(response) == [
        "Mid, complete",
        "Far, complete",
        "Near, lacks L",
        "Near, empty",
    ]
    edges = response.json()["data"]["stores"]["edges"]
    partial = edges[2]["node"]["cartSupply"]
    assert partial["isComplete"] is False
    assert partial["shortLines"] == [{"variant": {"sku": "TEE-L"}, "quantityShort": 2}]
    assert edges[0]["node"]["cartSupply"]["lines"][0] == {
        "variant": {"sku": "TEE-S"},
        "quantity": 2,
        "quantityAvailable": 2,
        "quantityShort": 0,
    }


def test_allocations_and_safety_stock_reduce_what_a_store_can_supply(
    api_client, o2o_active, stocked_stores, variants, order_line_allocated_in
):
    _, mid_complete, _, _ = stocked_stores
    mid_complete.pickup_safety_stock = 2
    mid_complete.save()
    # 5 on hand - 2 safety = 3 available; the cart wants 3 of each: still complete.
    response = api_client.post_graphql(
        STORES_SUPPLYING,
        {"near": PARIS, "supply": supply_lines(variants, quantity=3), "first": 1},
    )
    assert names(response) == ["Mid, complete"]


def test_supply_ranking_pages_without_overlap(
    api_client, o2o_active, stocked_stores, variants
):
    seen, after = [], None
    while True:
        response = api_client.post_graphql(
            STORES_SUPPLYING,
            {
                "near": PARIS,
                "supply": supply_lines(variants),
                "first": 3,
                "after": after,
            },
        )
        seen += names(response)
        page = response.json()["data"]["stores"]
        assert page["totalCount"] == 4
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == 4 and len(set(seen)) == 4


def test_supply_from_a_checkout(api_client, o2o_active, stocked_stores, variants):
    from saleor.checkout.models import Checkout

    checkout = Checkout.objects.create(email="shopper@example.com")
    checkout.lines.create(variant=variants[2], quantity=1)
    response = api_client.post_graphql(
        STORES_SUPPLYING,
        {"near": PARIS, "supply": {"checkoutToken": str(checkout.token)}, "first": 2},
    )
    assert names(response) == ["Mid, complete", "Far, complete"]


@pytest.mark.parametrize(
    "variables, code, field",
    [
        ({"supply": {"lines": []}}, "REQUIRED", "near"),
        ({"near": PARIS, "supply": {}}, "REQUIRED", "filter.canSupply"),
        (
            {"near": PARIS, "supply": {"lines": [{"variantId": "bad", "quantity": 1}]}},
            "GRAPHQL_ERROR",
            "filter.canSupply.lines.0.variantId",
        ),
        (
            {
                "near": PARIS,
                "supply": {
                    "lines": [
                        {"variantId": gid("ProductVariant", 999999), "quantity": 1}
                    ]
                },
            },
            "NOT_FOUND",
            "filter.canSupply.lines.0.variantId",
        ),
        (
            {
                "near": PARIS,
                "supply": {"checkoutToken": "6a0c1b58-3a3f-4c8e-9d0c-0d6f1a2b3c4d"},
            },
            "NOT_FOUND",
            "checkoutToken",
        ),
    ],
)
def test_supply_bad_input(api_client, o2o_active, variants, variables, code, field):
    response = api_client.post_graphql(STORES_SUPPLYING, {"first": 5, **variables})
    extensions = response.json()["errors"][0]["extensions"]
    assert (extensions["code"], extensions["field"]) == (code, field)


def test_supply_line_quantity_must_be_positive(api_client, o2o_active, variants):
    response = api_client.post_graphql(
        STORES_SUPPLYING,
        {"near": PARIS, "supply": supply_lines(variants, quantity=0), "first": 5},
    )
    extensions = response.json()["errors"][0]["extensions"]
    assert extensions["code"] == "OUT_OF_RANGE"


def test_variant_availability_per_store(
    api_client, o2o_active, stocked_stores, variants, monkeypatch
):
    from django.utils import timezone

    # Tuesday 24 November 2026, 10:00 in Paris; stores open 09:00-19:00, 2 h lead.
    monkeypatch.setattr(
        timezone, "now", lambda: pytz.utc.localize(dt.datetime(2026, 11, 24, 9, 0))
    )
    large = variants[2]
    response = api_client.post_graphql(
        VARIANT_AVAILABILITY, {"id": gid("ProductVariant", large.pk)}
    ).json()
    rows = response["data"]["productVariant"]["storeAvailability"]
    assert [(r["store"]["name"], r["quantityAvailable"]) for r in rows] == [
        ("Near, empty", 0),
        ("Near, lacks L", 0),
        ("Mid, complete", 5),
        ("Far, complete", 5),
    ]
    assert rows[2]["readyBy"] == "2026-11-24T11:00:00+00:00"
    in_stock = api_client.post_graphql(
        VARIANT_AVAILABILITY,
        {"id": gid("ProductVariant", large.pk), "inStockOnly": True},
    ).json()["data"]["productVariant"]["storeAvailability"]
    assert [r["store"]["name"] for r in in_stock] == ["Mid, complete", "Far, complete"]


def test_variant_availability_needs_the_plugin(api_client, variants, stocked_stores):
    response = api_client.post_graphql(
        VARIANT_AVAILABILITY, {"id": gid("ProductVariant", variants[0].pk)}
    ).json()
    assert response["errors"][0]["extensions"]["code"] == "FEATURE_DISABLED"


def test_store_stock_update_by_sku_and_id(
    staff_api_client, permission_manage_products, store, variants
):
    small, medium, _ = variants
    response = staff_api_client.post_graphql(
        STOCK_UPDATE,
        {
            "store": gid("Store", store.pk),
            "stocks": [
                {"sku": "TEE-S", "quantity": 7},
                {"variantId": gid("ProductVariant", medium.pk), "quantity": 0},
            ],
            "safety": 1,
            "threshold": 2,
        },
        permissions=[permission_manage_products],
    ).json()["data"]["storeStockUpdate"]
    assert response["storeErrors"] == []
    assert response["store"] == {
        "name": store.name,
        "pickupSafetyStock": 1,
        "lowStockThreshold": 2,
    }
    quantities = dict(
        Stock.objects.filter(warehouse=store.warehouse).values_list(
            "product_variant__sku", "quantity"
        )
    )
    assert quantities == {"TEE-S": 7, "TEE-M": 0}


def test_store_stock_update_records_low_stock(
    staff_api_client, permission_manage_products, store, variants
):
    stock(store, variants[0], 10)
    variables = {
        "store": gid("Store", store.pk),
        "stocks": [{"sku": "TEE-S", "quantity": 3}],
        "threshold": 3,
    }
    staff_api_client.post_graphql(
        STOCK_UPDATE, variables, permissions=[permission_manage_products]
    )
    event = O2OEvent.objects.get()
    assert event.type == "store_stock_low"
    assert event.payload["variant"]["sku"] == "TEE-S"
    assert event.payload["quantity_available_for_pickup"] == 3


@pytest.mark.parametrize(
    "stocks, field, code",
    [
        ([{"sku": "NOPE", "quantity": 1}], "stocks.0.sku", "NOT_FOUND"),
        ([{"sku": "TEE-S", "quantity": -1}], "stocks.0.quantity", "OUT_OF_RANGE"),
        ([{"quantity": 1}], "stocks.0", "REQUIRED"),
        (
            [{"sku": "TEE-S", "quantity": 1}, {"sku": "TEE-S", "quantity": 2}],
            "stocks.1",
            "UNIQUE",
        ),
        (
            [{"sku": "TEE-M", "quantity": 4}, {"variantId": "bad", "quantity": 1}],
            "stocks.1.variantId",
            "NOT_FOUND",
        ),
    ],
)
def test_store_stock_update_bad_lines_change_nothing(
    staff_api_client, permission_manage_products, store, variants, stocks, field, code
):
    response = staff_api_client.post_graphql(
        STOCK_UPDATE,
        {"store": gid("Store", store.pk), "stocks": stocks},
        permissions=[permission_manage_products],
    ).json()["data"]["storeStockUpdate"]
    assert [(e["field"], e["code"]) for e in response["storeErrors"]] == [(field, code)]
    assert not Stock.objects.filter(warehouse=store.warehouse).exists()


def test_store_stock_update_no_permission(staff_api_client, store, variants):
    response = staff_api_client.post_graphql(
        STOCK_UPDATE,
        {"store": gid("Store", store.pk), "stocks": [{"sku": "TEE-S", "quantity": 1}]},
    )
    assert_permission_denied(response)
    assert not Stock.objects.exists()


def _query_count(client, query, variables):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.post_graphql(query, variables).json()
    assert "errors" not in response, response["errors"]
    return len(queries)


def test_list_resolvers_do_not_query_per_store(
    api_client, o2o_active, store_factory, variants
):
    supply_query = STORES_SUPPLYING.replace(
        "name distanceKm", "name distanceKm isOpenNow address { city }"
    )
    availability_query = VARIANT_AVAILABILITY.replace(
        "store { name }", "store { name isOpenNow address { city } }"
    )

    def counts(n_stores):
        for index in range(n_stores):
            store = store_factory(f"S{n_stores}-{index}", 48.85, 2.35)
            for variant in variants:
                stock(store, variant, 3)
        return (
            _query_count(
                api_client,
                supply_query,
                {"near": PARIS, "supply": supply_lines(variants), "first": 50},
            ),
            _query_count(
                api_client,
                availability_query,
                {"id": gid("ProductVariant", variants[0].pk)},
            ),
        )

    assert counts(2) == counts(8)
