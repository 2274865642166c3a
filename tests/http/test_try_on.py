"""Try-on holds racing pickup checkouts over HTTP, against uwsgi's workers.

Whatever the interleaving, the store never promises more units than it has: every
unit ends either in an order or in a hold, every other shopper gets a typed refusal,
nobody is charged without an order, and a released hold frees its units at once.
"""

import pytest
from saleor.order.models import Order
from saleor.warehouse.models import Allocation, Stock

from saleor_o2o.store.availability import pickup_availability
from saleor_o2o.store.models import PickupReservation, StockHold
from saleor_o2o.visits.try_on.models import TryOnReservation

from helpers.api import gid
from helpers.checkouts import assert_money_is_safe, refusals, shoppers_prepare
from helpers.storefront import HttpStorefront, outcome

pytestmark = [pytest.mark.slow]

RESERVE = """
mutation Reserve($input: TryOnReserveInput!) {
  tryOnReserve(input: $input) {
    token tryOnReservation { id } tryOnErrors { field code }
  }
}
"""
CANCEL = """
mutation ($token: String) {
  tryOnCancel(token: $token) { tryOnReservation { status } tryOnErrors { code } }
}
"""


@pytest.fixture
def shop(transactional_db, o2o_active, site_settings, variant, store_factory):
    """A published variant stocked only in one Paris store (5 units)."""
    product = variant.product
    product.is_published = True
    product.save(update_fields=["is_published"])
    store = store_factory("Paris Rivoli", 48.8606, 2.3376)
    Stock.objects.create(warehouse=store.warehouse, product_variant=variant, quantity=5)
    return store, variant


def available(store, variant) -> int:
    return pickup_availability(store_ids=[store.pk], variant_ids=[variant.pk]).get(
        (store.pk, variant.pk), 0
    )


def try_on_outcome(answer: dict) -> str:
    if answer.get("errors"):
        return "untyped: " + "; ".join(e.get("message", "") for e in answer["errors"])
    payload = answer["data"]["tryOnReserve"]
    if payload["tryOnReservation"] is not None:
        return "held"
    return ",".join(error["code"] for error in payload["tryOnErrors"]) or "nothing"


def test_holds_racing_checkouts_for_the_last_units_never_oversell(
    saleor_server, shop, race, parallel
):
    store, variant = shop
    shoppers = shoppers_prepare(
        saleor_server,
        parallel,
        8,
        lines=[(variant.pk, 1)],
        store_id=store.pk,
        payment_token="fully_charged",
    )
    guests = [HttpStorefront(saleor_server.url) for _ in range(8)]
    reserve_variables = [
        {
            "input": {
                "storeId": gid("Store", store.pk),
                "lines": [
                    {"variantId": gid("ProductVariant", variant.pk), "quantity": 1}
                ],
                "email": f"guest{n}@example.com",
            }
        }
        for n in range(8)
    ]
    calls = []
    for (storefront, checkout_id), guest, variables in zip(
        shoppers, guests, reserve_variables
    ):
        calls.append(lambda sf=storefront, pk=checkout_id: sf.checkout_complete(pk))
        calls.append(lambda g=guest, v=variables: g.post(RESERVE, v))

    answers = race(calls)

    checkout_outcomes = [
        outcome(a) for a in answers if "checkoutComplete" in (a.get("data") or {})
    ]
    hold_outcomes = [
        try_on_outcome(a) for a in answers if "tryOnReserve" in (a.get("data") or {})
    ]
    print(*refusals(answers), sep="\n")
    orders, held = checkout_outcomes.count("order"), hold_outcomes.count("held")
    assert orders + held == 5, (checkout_outcomes, hold_outcomes)
    assert set(checkout_outcomes) <= {"order", "INSUFFICIENT_STOCK"}, checkout_outcomes
    assert set(hold_outcomes) <= {"held", "INSUFFICIENT_STOCK"}, hold_outcomes
    assert Order.objects.count() == orders
    assert TryOnReservation.objects.count() == held
    assert sum(StockHold.objects.values_list("quantity", flat=True)) == held
    allocated = Allocation.objects.values_list("quantity_allocated", flat=True)
    assert sum(allocated) == orders
    assert not PickupReservation.objects.exists()
    assert available(store, variant) == 0
    assert_money_is_safe()
    assert "deadlock" not in saleor_server.log()

    # The guests holding units cancel: a paying shopper can take them at once.
    tokens = [
        answer["data"]["tryOnReserve"]["token"]
        for answer in answers
        if "tryOnReserve" in (answer.get("data") or {})
        and answer["data"]["tryOnReserve"]["token"]
    ]
    cancelled = parallel(
        [
            (lambda g=guest, t=token: g.post(CANCEL, {"token": t}))
            for guest, token in zip(guests, tokens)
        ]
    )
    assert all(
        c["data"]["tryOnCancel"]["tryOnReservation"]["status"] == "CANCELLED"
        for c in cancelled
    )
    assert available(store, variant) == held
    if held:
        storefront = HttpStorefront(saleor_server.url)
        checkout_id = storefront.checkout_prepare(
            lines=[(variant.pk, held)],
            store_id=store.pk,
            gateway="o2o.tests.cards",
            payment_token="fully_charged",
        )
        assert outcome(storefront.checkout_complete(checkout_id)) == "order"
    assert_money_is_safe()
