"""A routed order planned on an unlocked snapshot, then locked only where it is taken.

Four warehouses rank nearest first A, B, C, D (their primary keys in the opposite
order, so that the lock order is not the order of preference). Rivals run on other
threads with their own database connections, and commit while the order waits.
"""

import threading
import time

import pytest
from django.db import OperationalError, connection, transaction
from saleor.account.models import Address
from saleor.checkout.models import Checkout
from saleor.warehouse.models import Stock, Warehouse

from saleor_o2o.store import reservations, routed, supply
from saleor_o2o.store.models import PickupReservation

RIVAL_HOLDS_SECONDS = 0.4


@pytest.fixture
def places(variant):
    """{name: warehouse}: D, C, B, A created in that order, 5 units each."""
    made = {}
    for name in "DCBA":
        address = Address.objects.create(
            street_address_1="1 Quai", city="Lyon", postal_code="69001", country="FR"
        )
        made[name] = Warehouse.objects.create(
            name=name, slug=name.lower(), address=address
        )
        Stock.objects.create(warehouse=made[name], product_variant=variant, quantity=5)
    return made


def source_of(places):
    ranked = tuple(places[name].pk for name in "ABCD")
    return reservations.Source(
        warehouse_ids=tuple(sorted(ranked)), nearest_first=ranked
    )


def stock_of(places, name, variant) -> Stock:
    return Stock.objects.get(warehouse=places[name], product_variant=variant)


def reserved_at(places, checkout):
    names = {warehouse.pk: name for name, warehouse in places.items()}
    return {
        names[row.stock.warehouse_id]: row.quantity
        for row in PickupReservation.objects.filter(checkout=checkout).select_related(
            "stock"
        )
    }


def on_thread(target):
    """Run `target` on a thread with its own connection; return the thread."""

    def run():
        try:
            target()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def rival_after_first_snapshot(monkeypatch, rival):
    """Once the order's first snapshot is read, start `rival(locked)` on a thread:
    it must set `locked` once it holds its locks. Returns the snapshots read."""
    snapshots = []
    original = routed.snapshot_plan

    def snapshot_plan(*args, **kwargs):
        planned = original(*args, **kwargs)
        snapshots.append(planned)
        if len(snapshots) == 1:
            locked = threading.Event()
            snapshots.append(on_thread(lambda: rival(locked)))
            assert locked.wait(10)
        return planned

    monkeypatch.setattr(routed, "snapshot_plan", snapshot_plan)
    return snapshots


def test_stock_taken_between_snapshot_and_lock_moves_the_order_to_the_next_place(
    transactional_db, places, variant, monkeypatch
):
    """The snapshot says A; a rival holds A's row, sells 4 of its 5 units and
    commits while the order waits for the lock. The order, under the lock, finds
    A short, lets A go, reads again and is reserved in B."""
    checkout = Checkout.objects.create(email="a@example.com")

    def rival(locked):
        with transaction.atomic():
            stock = Stock.objects.select_for_update().get(
                pk=stock_of(places, "A", variant).pk
            )
            locked.set()
            time.sleep(RIVAL_HOLDS_SECONDS)
            stock.quantity = 1
            stock.save(update_fields=["quantity"])

    snapshots = rival_after_first_snapshot(monkeypatch, rival)
    started = time.monotonic()
    with transaction.atomic():
        plan = reservations.checkout_reserve(
            checkout=checkout,
            source=source_of(places),
            lines=[supply.Line(variant.pk, 2)],
        )
        waited = time.monotonic() - started
        # A's lock went with the stale attempt; B's row is held until commit.
        assert lock_is_free(stock_of(places, "A", variant))
        assert not lock_is_free(stock_of(places, "B", variant))
    snapshots[1].join(10)

    assert waited >= RIVAL_HOLDS_SECONDS  # It really waited for the rival's lock.
    assert len(snapshots) == 3  # First snapshot, the rival, a second snapshot.
    assert plan.is_complete
    assert reserved_at(places, checkout) == {"B": 2}
    assert stock_of(places, "A", variant).quantity == 1


def test_stock_gone_everywhere_meanwhile_is_a_typed_refusal(
    transactional_db, places, variant, monkeypatch
):
    checkout = Checkout.objects.create(email="a@example.com")

    def rival(locked):
        with transaction.atomic():
            list(Stock.objects.select_for_update().order_by("pk"))
            locked.set()
            time.sleep(RIVAL_HOLDS_SECONDS)
            Stock.objects.update(quantity=0)

    snapshots = rival_after_first_snapshot(monkeypatch, rival)
    with pytest.raises(reservations.Unavailable) as refused:
        with transaction.atomic():
            reservations.checkout_reserve(
                checkout=checkout,
                source=source_of(places),
                lines=[supply.Line(variant.pk, 2)],
            )
    snapshots[1].join(10)

    assert refused.value.short == (supply.Line(variant.pk, 2),)
    assert len(snapshots) == 3  # First snapshot, the rival, a second snapshot.
    assert not PickupReservation.objects.exists()


def lock_is_free(stock: Stock) -> bool:
    """Return whether another connection can lock the row at once."""
    free = []

    def probe():
        try:
            with transaction.atomic():
                Stock.objects.select_for_update(nowait=True).get(pk=stock.pk)
            free.append(True)
        except OperationalError:
            free.append(False)

    on_thread(probe).join(10)
    return free == [True]


def test_only_the_places_an_order_is_split_over_are_locked(
    transactional_db, places, variant
):
    for name, quantity in {"A": 2, "B": 1, "C": 2, "D": 1}.items():
        Stock.objects.filter(pk=stock_of(places, name, variant).pk).update(
            quantity=quantity
        )
    checkout = Checkout.objects.create(email="a@example.com")

    with transaction.atomic():
        reservations.checkout_reserve(
            checkout=checkout,
            source=source_of(places),
            lines=[supply.Line(variant.pk, 4)],
        )
        held = {
            name: not lock_is_free(stock_of(places, name, variant)) for name in "ABCD"
        }

    # A's two, then C can finish what B alone cannot (supply.routed_plan).
    assert reserved_at(places, checkout) == {"A": 2, "C": 2}
    assert held == {"A": True, "B": False, "C": True, "D": False}


def test_reading_stops_at_the_first_batch_with_a_place_that_has_everything(
    places, variant, monkeypatch
):
    monkeypatch.setattr(routed, "FIRST_BATCH", 1)
    monkeypatch.setattr(routed, "BATCH_GROWTH", 2)
    read = []
    original = routed.locations_units
    monkeypatch.setattr(
        routed,
        "locations_units",
        lambda ids, *args, **kwargs: read.append(tuple(ids))
        or original(ids, *args, **kwargs),
    )
    Stock.objects.filter(warehouse=places["A"]).update(quantity=1)
    ranked = tuple(places[name].pk for name in "ABCD")
    pk = {places[name].pk: name for name in "ABCD"}

    plan, taken_from = routed.snapshot_plan(
        ranked, [supply.Line(variant.pk, 2)], first_batch=1
    )

    assert [[pk[i] for i in batch] for batch in read] == [["A"], ["B", "C"]]
    assert [pk[i] for i in taken_from] == ["B"] and plan.is_complete

    read.clear()
    Stock.objects.update(quantity=1)
    plan, taken_from = routed.snapshot_plan(
        ranked, [supply.Line(variant.pk, 3)], first_batch=1
    )

    # Split: every place is read, the nearest three ship a unit each.
    assert [[pk[i] for i in batch] for batch in read] == [["A"], ["B", "C"], ["D"]]
    assert [pk[i] for i in taken_from] == ["A", "B", "C"] and plan.is_complete


def test_snapshots_stale_every_time_end_with_every_place_locked(
    places, variant, monkeypatch
):
    """A snapshot that keeps promising A (it never holds) is tried
    `SNAPSHOT_ATTEMPTS` times; then every place is locked and planned as it is."""
    Stock.objects.filter(warehouse=places["A"]).update(quantity=0)
    lying = []

    def locations_units(ids, variant_ids, **kwargs):
        lying.append(ids)
        return [
            supply.LocationUnits(
                places["A"].pk,
                (supply.StockUnits(stock_of(places, "A", variant).pk, variant.pk, 9),),
            )
        ]

    monkeypatch.setattr(routed, "locations_units", locations_units)

    with transaction.atomic():
        plan, _available = reservations.plan_locked(
            source_of(places), [supply.Line(variant.pk, 2)], checkout_token=None
        )

    assert len(lying) == routed.SNAPSHOT_ATTEMPTS
    assert plan.takes == (
        supply.Take(stock_of(places, "B", variant).pk, variant.pk, 2),
    )


def test_a_routed_plan_outside_a_transaction_is_refused(
    transactional_db, places, variant
):
    """Its locks would be gone before the reservation is written."""
    from django.db.transaction import TransactionManagementError

    with pytest.raises(TransactionManagementError):
        reservations.plan_locked(
            source_of(places), [supply.Line(variant.pk, 1)], checkout_token=None
        )
