"""The desk's sale of held items (`tryOnConvert`) raced over HTTP against uwsgi's
forked workers: by two clerks and an app of the store on the same reservation, by a
clerk against another clerk's release, and by a clerk against the shopper's own
cancellation. Each reservation ends once: at most one paid, fulfilled order, its
units taken out of stock once, every other request a typed INVALID_TRANSITION."""

from collections import Counter

import pytest
from graphql_jwt.shortcuts import get_token
from saleor.account.models import User
from saleor.order import OrderStatus
from saleor.order.models import Order
from saleor.payment.models import Payment
from saleor.warehouse.models import Allocation, Stock

from saleor_o2o.store.availability import pickup_availability
from saleor_o2o.store.models import StockHold
from saleor_o2o.visits.try_on import rules
from saleor_o2o.visits.try_on.models import TryOnReservation
from saleor_o2o.webhook.events import O2OEventType
from saleor_o2o.webhook.models import O2OEvent

from fixtures.try_on import reserve
from helpers.api import gid
from helpers.desk import app_narrowed_to, clerk_of, front_of
from helpers.storefront import HttpStorefront

pytestmark = [pytest.mark.slow]

CONVERT = """
mutation($id: ID!, $lines: [TryOnLineInput!]) {
  tryOnConvert(id: $id, lines: $lines) {
    order { id isPaid status lines { quantity } }
    tryOnErrors { field code }
  }
}
"""
RELEASE = """
mutation($id: ID!) {
  tryOnRelease(id: $id) { tryOnReservation { status } tryOnErrors { field code } }
}
"""
CANCEL = """
mutation($id: ID, $token: String) {
  tryOnCancel(id: $id, token: $token) {
    tryOnReservation { status } tryOnErrors { field code }
  }
}
"""
STOCK = 20
#: Reservations of each contest.
PAIRS = 4
#: Where a request's answer leaves its reservation, by mutation.
WON = {
    "tryOnConvert": "converted",
    "tryOnRelease": "released",
    "tryOnCancel": "cancelled",
}


@pytest.fixture
def till(transactional_db, o2o_active, site_settings, variant, store_factory):
    """A store with STOCK units, two clerks and an app of it, and shoppers' holds:
    one of 2 units, PAIRS of 1 for the release contest, PAIRS of 1 by guests and
    PAIRS of 1 by signed-in shoppers for the cancellation contest, and one alone."""
    store = store_factory("Paris Rivoli", 48.8606, 2.3376)
    Stock.objects.create(
        warehouse=store.warehouse, product_variant=variant, quantity=STOCK
    )
    desk = {
        "clerk 1": clerk_of(store, "clerk1@example.com"),
        "clerk 2": clerk_of(store, "clerk2@example.com"),
        "app": app_narrowed_to([store], name="Till app"),
    }
    shoppers = [
        User.objects.create_user(f"shopper{n}@example.com", "password")
        for n in range(PAIRS)
    ]
    held = {
        "many": [reserve(store, variant, 2, email="many@example.com")],
        "release": [
            reserve(store, variant, 1, email=f"r{n}@example.com") for n in range(PAIRS)
        ],
        "guest cancel": [
            reserve(store, variant, 1, email=f"g{n}@example.com") for n in range(PAIRS)
        ],
        "shopper cancel": [reserve(store, variant, 1, user=u) for u in shoppers],
        "alone": [reserve(store, variant, 1, email="alone@example.com")],
    }
    return store, variant, desk, shoppers, held


def outcome(answer: dict, name: str) -> str:
    """Return the status the request moved its reservation to, or its error codes."""
    if answer.get("errors"):
        return "untyped: " + "; ".join(e.get("message", "") for e in answer["errors"])
    payload = answer["data"][name]
    errors = payload["tryOnErrors"]
    if errors:
        return ",".join(error["code"] for error in errors)
    if name == "tryOnConvert":
        order = payload["order"]
        assert order["isPaid"] and order["status"] == "FULFILLED", order
    return WON[name]


def test_sales_racing_each_other_releases_and_cancellations_end_each_hold_once(
    saleor_server, till, race
):
    store, variant, desk, shoppers, held = till
    url = saleor_server.url
    fronts = {name: front_of(url, who) for name, who in desk.items()}
    variant_id = gid("ProductVariant", variant.pk)

    def send(who, front, query, name, made, **variables):
        """Return a call posting `query` about a reservation as `who` (a staff user,
        an app, a shopper, or None: a guest with the manage token)."""

        def call():
            if variables.get("token"):
                answer = front.post(query, variables)
            else:
                pk = made.reservation.pk
                answer = front.post(
                    query, {"id": gid("TryOnReservation", pk), **variables}
                )
            return made.reservation.pk, who, outcome(answer, name)

        return call

    def sell(name, made, **variables):
        return send(
            desk[name], fronts[name], CONVERT, "tryOnConvert", made, **variables
        )

    calls = []
    # Three of the desk sell the same 2 units, one of them only 1 unit.
    (many,) = held["many"]
    calls += [
        sell("clerk 1", many),
        sell("clerk 2", many, lines=[{"variantId": variant_id, "quantity": 1}]),
        sell("app", many),
    ]
    for made in held["release"]:
        calls += [
            sell("clerk 1", made),
            send(desk["clerk 2"], fronts["clerk 2"], RELEASE, "tryOnRelease", made),
        ]
    guest = HttpStorefront(url)
    for made in held["guest cancel"]:
        calls += [
            sell("app", made),
            send(None, guest, CANCEL, "tryOnCancel", made, token=made.token),
        ]
    for made, user in zip(held["shopper cancel"], shoppers):
        front = HttpStorefront(url, get_token(user))
        calls += [
            sell("clerk 2", made),
            send(user, front, CANCEL, "tryOnCancel", made),
        ]
    # And one the app sells with nobody else asking.
    calls.append(sell("app", held["alone"][0]))

    outcomes = race(calls)

    by_reservation = {}
    for pk, who, result in outcomes:
        by_reservation.setdefault(pk, []).append((result, who))
    for pk, results in by_reservation.items():
        won = [(r, who) for r, who in results if r in WON.values()]
        assert len(won) == 1, (pk, results)
        assert sorted(r for r, _ in results if r not in WON.values()) == [
            "INVALID_TRANSITION"
        ] * (len(results) - 1), (pk, results)
        (status, who), reservation = won[0], TryOnReservation.objects.get(pk=pk)
        assert reservation.status == status
        assert (reservation.order_id is not None) == (status == rules.CONVERTED)
        assert _closed_by(reservation) == who, (pk, results)
    assert TryOnReservation.objects.get(pk=held["alone"][0].reservation.pk).status == (
        rules.CONVERTED
    )
    _assert_each_sale_is_paid_and_counted_once(store, variant)
    assert "deadlock" not in saleor_server.log().lower()


def _closed_by(reservation):
    """Who closed the reservation, as the audit fields record it."""
    return reservation.closed_by_app or reservation.closed_by_user


def _assert_each_sale_is_paid_and_counted_once(store, variant) -> None:
    converted = TryOnReservation.objects.filter(status=rules.CONVERTED)
    orders = Order.objects.all()
    assert sorted(converted.values_list("order_id", flat=True)) == sorted(
        orders.values_list("pk", flat=True)
    )
    sold = 0
    for order in orders:
        assert order.status == OrderStatus.FULFILLED
        assert order.is_fully_paid()
        assert order.payments.count() == 1
        sold += sum(order.lines.values_list("quantity", flat=True))
    assert Payment.objects.count() == orders.count()
    stock = Stock.objects.get(warehouse=store.warehouse, product_variant=variant)
    assert stock.quantity == STOCK - sold
    assert not Allocation.objects.filter(quantity_allocated__gt=0).exists()
    assert not StockHold.objects.exists()
    assert not TryOnReservation.objects.filter(status=rules.HELD).exists()
    assert pickup_availability(store_ids=[store.pk], variant_ids=[variant.pk]).get(
        (store.pk, variant.pk), 0
    ) == (STOCK - sold)
    # One closing event per reservation: nobody was told twice.
    closing = Counter(
        event.payload["id"]
        for event in O2OEvent.objects.filter(
            type__in=[
                O2OEventType.TRY_ON_CONVERTED,
                O2OEventType.TRY_ON_RELEASED,
                O2OEventType.TRY_ON_CANCELLED,
            ]
        )
    )
    assert sorted(closing.values()) == [1] * TryOnReservation.objects.count()
