"""Served by uwsgi's forked workers, two stores' clerks at once: each moves their own
store's local deliveries along, and never reaches the other store's."""

import pytest
from django.contrib.auth.models import Permission
from graphql_jwt.shortcuts import get_token
from saleor.account.models import User

from saleor_o2o.local_delivery import rules as lc
from saleor_o2o.local_delivery.models import LocalDelivery
from saleor_o2o.store import access
from saleor_o2o.store.reach import CLERK, EVERYWHERE

from helpers.api import gid
from helpers.storefront import HttpStorefront

pytestmark = [pytest.mark.slow]

DELIVERIES = "{ localDeliveries(first: 50) { edges { node { id status code } } } }"
MOVE = """
mutation($id: ID!, $status: LocalDeliveryStatusEnum!, $courier: String) {
  localDeliveryStatusUpdate(id: $id, status: $status, courierName: $courier) {
    localDelivery { status } localDeliveryErrors { field code }
  }
}
"""
DELIVER = """
mutation($id: ID!, $code: String!) {
  localDeliveryDeliver(id: $id, code: $code) { localDeliveryErrors { field code } }
}
"""
PER_STORE = 4


def clerk_of(store, email):
    user = User.objects.create_user(email, "password", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="manage_orders"))
    access.store_staff_set(store=store, user=user, role=CLERK, by=EVERYWHERE)
    return user


@pytest.fixture
def two_stores(
    transactional_db, o2o_active, store, store_factory, local_delivery_factory
):
    other = store_factory("Paris Bastille", 48.8532, 2.3692)
    deliveries = {
        shop.pk: [local_delivery_factory(from_store=shop) for _ in range(PER_STORE)]
        for shop in (store, other)
    }
    clerks = {
        store.pk: clerk_of(store, "clerk-a@example.com"),
        other.pk: clerk_of(other, "clerk-b@example.com"),
    }
    return store, other, deliveries, clerks


def errors(answer, name):
    return [error["code"] for error in answer["data"][name]["localDeliveryErrors"]]


def test_clerks_of_two_stores_at_once_each_move_only_their_own(
    saleor_server, two_stores, race
):
    store, other, deliveries, clerks = two_stores
    own = {
        pk: sorted(gid("LocalDelivery", d.pk) for d in store_deliveries)
        for pk, store_deliveries in deliveries.items()
    }
    foreign = {store.pk: other.pk, other.pk: store.pk}
    fronts = {
        pk: HttpStorefront(saleor_server.url, get_token(user))
        for pk, user in clerks.items()
    }
    codes = {
        gid("LocalDelivery", d.pk): d.code
        for store_deliveries in deliveries.values()
        for d in store_deliveries
    }

    def list_own(pk):
        nodes = [
            edge["node"]
            for edge in fronts[pk].post(DELIVERIES)["data"]["localDeliveries"]["edges"]
        ]
        seen = sorted(node["id"] for node in nodes)
        return ("list", pk, seen == own[pk] and all(not n["code"] for n in nodes))

    def step(pk, target, status, **extra):
        answer = fronts[pk].post(MOVE, {"id": target, "status": status, **extra})
        return errors(answer, "localDeliveryStatusUpdate")

    def prepare_and_send_own(pk, target):
        first = step(pk, target, "PREPARING")
        second = step(pk, target, "OUT_FOR_DELIVERY", courier=f"Courier of {pk}")
        return ("own", pk, first == [] and second == [])

    def reach_foreign(pk, target):
        moved = step(pk, target, "CANCELLED")
        answer = fronts[pk].post(DELIVER, {"id": target, "code": codes[target]})
        delivered = errors(answer, "localDeliveryDeliver")
        return ("foreign", pk, moved == delivered == ["NOT_FOUND"])

    calls = []
    for pk in own:
        for target in own[pk]:
            calls.append(lambda pk=pk, target=target: prepare_and_send_own(pk, target))
        for target in own[foreign[pk]]:
            calls.append(lambda pk=pk, target=target: reach_foreign(pk, target))
        calls += [lambda pk=pk: list_own(pk)] * 4

    outcomes = race(calls, workers=16)

    wrong = [outcome for outcome in outcomes if not outcome[2]]
    assert not wrong, wrong[:10]
    assert len(outcomes) == len(calls)
    for pk, user in clerks.items():
        for delivery in LocalDelivery.objects.filter(store_id=pk):
            assert delivery.status == lc.OUT_FOR_DELIVERY
            assert delivery.courier_name == f"Courier of {pk}"
            assert (delivery.attempts, delivery.failed_code_attempts) == (1, 0)
            moves = list(delivery.transitions.all())[1:]
            assert [(t.to_status, t.user_id) for t in moves] == [
                (lc.PREPARING, user.pk),
                (lc.OUT_FOR_DELIVERY, user.pk),
            ]


def test_an_app_narrowed_to_one_store_and_the_other_clerk_at_once(
    saleor_server, two_stores, race
):
    """A courier app acting for store A (Bearer token) and store B's clerk, at once:
    the app lists and moves only A's deliveries, and gets NOT_FOUND on B's."""
    from saleor.app.models import App

    store, other, deliveries, clerks = two_stores
    app = App.objects.create(name="Courier app", is_active=True)
    app.permissions.add(Permission.objects.get(codename="manage_orders"))
    access.app_stores_set(app=app, store_ids=[store.pk], by=EVERYWHERE)
    app_front = HttpStorefront(saleor_server.url)
    app_front.headers["Authorization"] = f"Bearer {app.tokens.create().auth_token}"
    clerk_front = HttpStorefront(saleor_server.url, get_token(clerks[other.pk]))
    mine = sorted(gid("LocalDelivery", d.pk) for d in deliveries[store.pk])
    theirs = [gid("LocalDelivery", d.pk) for d in deliveries[other.pk]]

    def app_lists():
        edges = app_front.post(DELIVERIES)["data"]["localDeliveries"]["edges"]
        return sorted(edge["node"]["id"] for edge in edges) == mine

    def moves(front, target, status):
        answer = front.post(MOVE, {"id": target, "status": status})
        return errors(answer, "localDeliveryStatusUpdate")

    calls = [lambda: app_lists()] * 4
    calls += [lambda t=t: moves(app_front, t, "PREPARING") == [] for t in mine]
    calls += [
        lambda t=t: moves(app_front, t, "CANCELLED") == ["NOT_FOUND"] for t in theirs
    ]
    calls += [lambda t=t: moves(clerk_front, t, "PREPARING") == [] for t in theirs]

    outcomes = race(calls, workers=16)

    assert outcomes == [True] * len(calls)
    assert set(
        LocalDelivery.objects.filter(store=store).values_list("status", flat=True)
    ) == {lc.PREPARING}
    assert set(
        LocalDelivery.objects.filter(store=other).values_list("status", flat=True)
    ) == {lc.PREPARING}
    app_moves = {
        t.app_id
        for d in LocalDelivery.objects.filter(store=store)
        for t in list(d.transitions.all())[1:]
    }
    assert app_moves == {app.pk}
