"""The local delivery lifecycle: the table of moves (pure), then every move and every
refusal applied to the database, with its audit entry and its event."""

import threading
from itertools import product

import pytest
from django.db import connection
from saleor.order import OrderStatus

from saleor_o2o.core.actors import Actor
from saleor_o2o.core.errors import InvalidInput, O2OError
from saleor_o2o.core.ids import global_id
from saleor_o2o.local_delivery import handover
from saleor_o2o.local_delivery import rules as lc
from saleor_o2o.local_delivery import services
from saleor_o2o.local_delivery.models import LocalDelivery
from saleor_o2o.local_delivery.payloads import EVENT_FOR_STATUS
from saleor_o2o.local_delivery.rules import LocalDeliveryStatus
from saleor_o2o.webhook.events import O2OEventType
from saleor_o2o.webhook.models import O2OEvent

from helpers.deliveries import move, stock_at
from helpers.pickups import allocated

STATUSES = [
    lc.RECEIVED,
    lc.PREPARING,
    lc.OUT_FOR_DELIVERY,
    lc.DELIVERED,
    lc.FAILED_ATTEMPT,
    lc.RETURNED_TO_STORE,
    lc.CANCELLED,
]
M, Y = {"staff", "app"}, {"system"}
ACTORS = ("staff", "app", "shopper", "system")

#: Written out by hand from the issue, independently of `lc.TRANSITIONS`.
EXPECTED = {
    (lc.RECEIVED, lc.PREPARING): M,
    (lc.RECEIVED, lc.CANCELLED): M | Y,
    (lc.PREPARING, lc.OUT_FOR_DELIVERY): M,
    (lc.PREPARING, lc.CANCELLED): M | Y,
    (lc.OUT_FOR_DELIVERY, lc.DELIVERED): M,
    (lc.OUT_FOR_DELIVERY, lc.FAILED_ATTEMPT): M,
    (lc.OUT_FOR_DELIVERY, lc.CANCELLED): Y,
    (lc.FAILED_ATTEMPT, lc.OUT_FOR_DELIVERY): M,
    (lc.FAILED_ATTEMPT, lc.RETURNED_TO_STORE): M,
    (lc.FAILED_ATTEMPT, lc.CANCELLED): Y,
}

#: How staff bring a new delivery to each status.
PATH = {
    lc.RECEIVED: (),
    lc.PREPARING: (lc.PREPARING,),
    lc.OUT_FOR_DELIVERY: (lc.PREPARING, lc.OUT_FOR_DELIVERY),
    lc.FAILED_ATTEMPT: (lc.PREPARING, lc.OUT_FOR_DELIVERY, lc.FAILED_ATTEMPT),
    lc.DELIVERED: (lc.PREPARING, lc.OUT_FOR_DELIVERY, lc.DELIVERED),
    lc.RETURNED_TO_STORE: (
        lc.PREPARING,
        lc.OUT_FOR_DELIVERY,
        lc.FAILED_ATTEMPT,
        lc.RETURNED_TO_STORE,
    ),
    lc.CANCELLED: (lc.CANCELLED,),
}


# The table, pure -------------------------------------------------------------------


def test_statuses_match_the_model():
    assert set(STATUSES) == {value for value, _ in LocalDeliveryStatus.CHOICES}
    assert set(lc.TRANSITIONS) == set(STATUSES)


@pytest.mark.parametrize(
    "current,target,actor", list(product(STATUSES, STATUSES, ACTORS))
)
def test_every_move_is_allowed_or_refused_as_specified(current, target, actor):
    if actor in EXPECTED.get((current, target), set()):
        lc.check_transition(current, target, actor=actor)
    else:
        with pytest.raises(lc.InvalidTransition) as refused:
            lc.check_transition(current, target, actor=actor)
        assert refused.value.code == "INVALID_TRANSITION"
        assert refused.value.current == current
        assert current.upper() in refused.value.message


def test_a_refusal_says_where_the_delivery_can_go():
    with pytest.raises(lc.InvalidTransition) as refused:
        lc.check_transition(lc.RECEIVED, lc.DELIVERED, actor="staff")
    assert refused.value.message == (
        "The delivery is RECEIVED and cannot become DELIVERED: it can only go to "
        "PREPARING, CANCELLED."
    )
    with pytest.raises(lc.InvalidTransition, match="only system can make it"):
        lc.check_transition(lc.OUT_FOR_DELIVERY, lc.CANCELLED, actor="staff")


def test_final_and_open_statuses():
    assert lc.FINAL_STATUSES == {lc.DELIVERED, lc.RETURNED_TO_STORE, lc.CANCELLED}
    assert lc.OPEN_STATUSES == set(lc.DESK_STATUSES)
    with pytest.raises(lc.InvalidTransition, match="it is final"):
        lc.check_transition(lc.DELIVERED, lc.FAILED_ATTEMPT, actor="staff")


def test_next_statuses_for_staff_follow_the_table():
    assert lc.next_statuses(lc.OUT_FOR_DELIVERY, actor="staff") == (
        lc.DELIVERED,
        lc.FAILED_ATTEMPT,
    )
    assert lc.next_statuses(lc.FAILED_ATTEMPT, actor="system") == (lc.CANCELLED,)


# Applied to the database ------------------------------------------------------------


def events_of(type_name):
    return list(O2OEvent.objects.filter(type=type_name).order_by("pk"))


@pytest.fixture
def placed(local_delivery_factory, customer_user):
    return lambda **kwargs: local_delivery_factory(user=customer_user, **kwargs)


def test_a_new_delivery_has_its_first_audit_entry_and_event(placed, customer_user):
    delivery = placed()

    [entry] = delivery.transitions.all()
    assert (entry.from_status, entry.to_status, entry.actor_type, entry.user) == (
        "received",
        "received",
        "shopper",
        customer_user,
    )
    [event] = events_of(O2OEventType.LOCAL_DELIVERY_CREATED)
    assert event.payload["id"] == global_id("LocalDelivery", delivery.pk)
    assert event.payload["status"] == "RECEIVED"
    assert len(delivery.code) == services.CODE_LENGTH


ALLOWED_TO_STAFF = sorted(
    (current, target)
    for (current, target), actors in EXPECTED.items()
    if "staff" in actors
)


@pytest.mark.parametrize("current,target", ALLOWED_TO_STAFF)
def test_every_move_staff_may_make_is_audited_with_its_event(
    placed, clerk, staff_user, current, target
):
    delivery = move(placed(), *PATH[current], actor=clerk)
    before = delivery.transitions.count()

    delivery = move(delivery, target, actor=clerk)

    assert LocalDelivery.objects.get().status == target
    entry = delivery.transitions.last()
    assert delivery.transitions.count() == before + 1
    assert (entry.from_status, entry.to_status) == (current, target)
    assert (entry.actor_type, entry.user, entry.app) == ("staff", staff_user, None)
    event = events_of(EVENT_FOR_STATUS[target])[-1]
    assert event.payload["status"] == target.upper()
    assert event.payload["transition"]["from"] == current.upper()
    assert event.payload["transition"]["user_id"] == global_id("User", staff_user.pk)


REFUSED_TO_STAFF = [
    (current, target)
    for current, target in product(STATUSES, STATUSES)
    if "staff" not in EXPECTED.get((current, target), set()) and target != lc.DELIVERED
]


@pytest.mark.parametrize("current,target", REFUSED_TO_STAFF)
def test_every_move_refused_to_staff_changes_nothing(placed, clerk, current, target):
    delivery = move(placed(), *PATH[current], actor=clerk)
    entries, events = delivery.transitions.count(), O2OEvent.objects.count()

    with pytest.raises(lc.InvalidTransition) as refused:
        services.local_delivery_status_update(
            delivery, target, clerk, courier_name="Sam"
        )

    assert refused.value.current == current
    assert LocalDelivery.objects.get().status == current
    assert delivery.transitions.count() == entries
    assert O2OEvent.objects.count() == events


@pytest.mark.parametrize("current", [lc.RECEIVED, lc.PREPARING, lc.FAILED_ATTEMPT])
def test_delivering_is_refused_before_the_delivery_is_out(placed, clerk, current):
    delivery = move(placed(), *PATH[current], actor=clerk)

    with pytest.raises(lc.InvalidTransition):
        handover.local_delivery_deliver(delivery, delivery.code, clerk)

    assert LocalDelivery.objects.get().status == current


def test_delivering_through_the_status_update_needs_the_code(placed, clerk):
    delivery = move(placed(), lc.PREPARING, lc.OUT_FOR_DELIVERY, actor=clerk)

    with pytest.raises(InvalidInput) as refused:
        services.local_delivery_status_update(delivery, lc.DELIVERED, clerk)

    assert (refused.value.code, refused.value.field) == ("CODE_REQUIRED", "status")


def test_going_out_needs_a_courier_or_a_tracking_reference(placed, clerk):
    delivery = move(placed(), lc.PREPARING, actor=clerk)

    with pytest.raises(InvalidInput) as refused:
        services.local_delivery_status_update(
            delivery, lc.OUT_FOR_DELIVERY, clerk, courier_name="  "
        )
    assert (refused.value.code, refused.value.field) == ("REQUIRED", "courierName")
    assert LocalDelivery.objects.get().status == lc.PREPARING

    services.local_delivery_status_update(
        delivery, lc.OUT_FOR_DELIVERY, clerk, tracking_reference="CX-0042"
    )
    out = LocalDelivery.objects.get()
    assert (out.status, out.tracking_reference, out.attempts) == (
        lc.OUT_FOR_DELIVERY,
        "CX-0042",
        1,
    )


def test_a_retry_counts_a_second_attempt_with_its_courier(placed, clerk):
    delivery = move(
        placed(), lc.PREPARING, lc.OUT_FOR_DELIVERY, lc.FAILED_ATTEMPT, actor=clerk
    )

    services.local_delivery_status_update(
        delivery, lc.OUT_FOR_DELIVERY, clerk, courier_name="Lou", note="Evening try"
    )

    again = LocalDelivery.objects.get()
    assert (again.status, again.courier_name, again.attempts) == (
        lc.OUT_FOR_DELIVERY,
        "Lou",
        2,
    )
    assert again.transitions.last().note == "Evening try"
    [_, second] = events_of(O2OEventType.LOCAL_DELIVERY_OUT_FOR_DELIVERY)
    assert (second.payload["attempts"], second.payload["courier_name"]) == (2, "Lou")


def test_delivered_fulfils_the_order_from_the_store(placed, clerk, variant):
    delivery = move(placed(quantity=2), lc.PREPARING, lc.OUT_FOR_DELIVERY, actor=clerk)

    delivered = handover.local_delivery_deliver(
        delivery, delivery.code.lower(), clerk, note="Left with the concierge"
    )

    assert delivered.status == lc.DELIVERED and delivered.delivered_at
    order = delivered.order
    order.refresh_from_db()
    assert order.status == OrderStatus.FULFILLED
    [fulfilment] = order.fulfillments.all()
    assert [line.quantity for line in fulfilment.lines.all()] == [2]
    assert stock_at(delivered.store, variant).quantity == 8
    assert allocated(order) == 0


def test_returned_to_store_releases_the_stock_and_cancels_the_order(
    placed, clerk, variant
):
    delivery = placed(quantity=3)
    stock = stock_at(delivery.store, variant)
    assert (stock.quantity, allocated(delivery.order)) == (10, 3)

    delivery = move(
        delivery,
        lc.PREPARING,
        lc.OUT_FOR_DELIVERY,
        lc.FAILED_ATTEMPT,
        lc.RETURNED_TO_STORE,
        actor=clerk,
    )

    order = delivery.order
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELED
    # Back on the shelf: nothing taken from the stock, nothing held for the order.
    assert stock_at(delivery.store, variant).quantity == 10
    assert allocated(order) == 0
    # Saleor's order_cancelled hook found the delivery final: no second entry.
    assert [e.to_status for e in delivery.transitions.all()][-1] == (
        lc.RETURNED_TO_STORE
    )
    assert not events_of(O2OEventType.LOCAL_DELIVERY_CANCELLED)


def test_staff_cancelling_before_it_leaves_cancels_the_order(placed, clerk):
    delivery = move(placed(), lc.PREPARING, lc.CANCELLED, actor=clerk)

    delivery.order.refresh_from_db()
    assert delivery.order.status == OrderStatus.CANCELED
    assert allocated(delivery.order) == 0
    assert len(events_of(O2OEventType.LOCAL_DELIVERY_CANCELLED)) == 1


@pytest.mark.parametrize("current", sorted(lc.OPEN_STATUSES))
def test_saleor_cancelling_the_order_cancels_an_open_delivery(placed, clerk, current):
    delivery = move(placed(), *PATH[current], actor=clerk)

    services.order_local_delivery_cancelled(order=delivery.order)

    cancelled = LocalDelivery.objects.get()
    assert cancelled.status == lc.CANCELLED
    entry = cancelled.transitions.last()
    assert (entry.actor_type, entry.from_status) == ("system", current)
    with_courier = current in (lc.OUT_FOR_DELIVERY, lc.FAILED_ATTEMPT)
    assert ("bring it back" in entry.note) is with_courier


@pytest.mark.parametrize("current", sorted(lc.FINAL_STATUSES))
def test_saleor_cancelling_leaves_a_final_delivery_alone(placed, clerk, current):
    delivery = move(placed(), *PATH[current], actor=clerk)
    entries = delivery.transitions.count()

    services.order_local_delivery_cancelled(order=delivery.order)

    assert LocalDelivery.objects.get().status == current
    assert delivery.transitions.count() == entries


def test_an_app_moving_a_delivery_is_recorded_as_the_app(placed, app):
    delivery = move(placed(), lc.PREPARING, actor=Actor.of(app))

    entry = delivery.transitions.last()
    assert (entry.actor_type, entry.app, entry.user) == ("app", app, None)


@pytest.mark.parametrize(
    "fields,field",
    [
        ({"note": "x" * 501}, "note"),
        ({"courier_name": "x" * 121}, "courierName"),
        ({"tracking_reference": "x" * 256}, "trackingReference"),
    ],
)
def test_texts_are_limited(placed, clerk, fields, field):
    with pytest.raises(InvalidInput) as refused:
        services.local_delivery_status_update(placed(), lc.PREPARING, clerk, **fields)
    assert refused.value.field == field


@pytest.mark.django_db(transaction=True)
def test_concurrent_moves_cannot_both_win(
    local_delivery_factory, staff_user, site_settings
):
    """A courier reports the delivery made while a clerk reports it failed."""
    clerk = Actor.of(staff_user)
    delivery = move(
        local_delivery_factory(), lc.PREPARING, lc.OUT_FOR_DELIVERY, actor=clerk
    )
    barrier = threading.Barrier(2)
    outcomes = []

    def act(name, change):
        try:
            barrier.wait()
            change()
            outcomes.append(("ok", name))
        except O2OError as error:
            outcomes.append(("refused", getattr(error, "current", error.code)))
        finally:
            connection.close()

    moves = {
        lc.DELIVERED: lambda: handover.local_delivery_deliver(
            delivery, delivery.code, clerk
        ),
        lc.FAILED_ATTEMPT: lambda: services.local_delivery_status_update(
            delivery, lc.FAILED_ATTEMPT, clerk
        ),
    }
    threads = [threading.Thread(target=act, args=item) for item in moves.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"], outcomes
    [(_, winner)] = [o for o in outcomes if o[0] == "ok"]
    [(_, seen)] = [o for o in outcomes if o[0] == "refused"]
    assert seen == winner  # The loser saw the winner's status, under the lock.
    final = LocalDelivery.objects.get()
    assert final.status == winner
    assert [t.to_status for t in final.transitions.all()][-1] == winner
