"""Served by uwsgi's forked workers, many clients at once: each clerk reaches their own
store's pickups only, and each shopper sees only their own handover codes."""

import pytest
from django.contrib.auth.models import Permission
from graphql_jwt.shortcuts import get_token
from saleor.account.models import User

from saleor_o2o.pickup.models import Pickup, PickupStatus
from saleor_o2o.store import access
from saleor_o2o.store.reach import CLERK, EVERYWHERE

from helpers.api import gid
from helpers.storefront import HttpStorefront

pytestmark = [pytest.mark.slow]

PICKUPS = "{ pickups(first: 50) { edges { node { id } } } }"
MOVE = """
mutation($id: ID!) {
  pickupStatusUpdate(id: $id, status: PREPARING) { pickupErrors { field code } }
}
"""
MY_CODES = "{ me { orders(first: 10) { edges { node { pickup { code } } } } } }"
ROUNDS = 40


def staff_of(store, email):
    user = User.objects.create_user(email, "password", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="manage_orders"))
    access.store_staff_set(store=store, user=user, role=CLERK, by=EVERYWHERE)
    return user


@pytest.fixture
def two_stores(transactional_db, o2o_active, store, store_factory, pickup_factory):
    other = store_factory("Paris Bastille", 48.8532, 2.3692)
    shoppers = [
        User.objects.create_user(f"shopper{n}@example.com", "password")
        for n in range(4)
    ]
    pickups = {
        store.pk: [pickup_factory(in_store=store, user=u) for u in shoppers[:2]],
        other.pk: [pickup_factory(in_store=other, user=u) for u in shoppers[2:]],
    }
    clerks = {
        store.pk: staff_of(store, "clerk-a@example.com"),
        other.pk: staff_of(other, "clerk-b@example.com"),
    }
    return store, other, pickups, clerks, shoppers


def test_clerks_and_shoppers_at_once_each_reach_only_their_own(
    saleor_server, two_stores, race
):
    store, other, pickups, clerks, shoppers = two_stores
    own = {
        pk: {gid("Pickup", pickup.pk) for pickup in store_pickups}
        for pk, store_pickups in pickups.items()
    }
    foreign = {store.pk: other.pk, other.pk: store.pk}
    clerk_fronts = {
        pk: HttpStorefront(saleor_server.url, get_token(user))
        for pk, user in clerks.items()
    }
    codes = {
        pickup.order.user.email: pickup.code
        for store_pickups in pickups.values()
        for pickup in store_pickups
    }
    shopper_fronts = [
        (user.email, HttpStorefront(saleor_server.url, get_token(user)))
        for user in shoppers
    ]

    def list_pickups(pk):
        answer = clerk_fronts[pk].post(PICKUPS)
        found = {edge["node"]["id"] for edge in answer["data"]["pickups"]["edges"]}
        return ("list", pk, found == own[pk])

    def move_foreign(pk):
        target = sorted(own[foreign[pk]])[0]
        answer = clerk_fronts[pk].post(MOVE, {"id": target})
        errors = answer["data"]["pickupStatusUpdate"]["pickupErrors"]
        return ("move", pk, [error["code"] for error in errors] == ["NOT_FOUND"])

    def my_codes(index):
        email, front = shopper_fronts[index % len(shopper_fronts)]
        answer = front.post(MY_CODES)
        seen = [
            edge["node"]["pickup"]["code"]
            for edge in answer["data"]["me"]["orders"]["edges"]
        ]
        return ("codes", email, seen == [codes[email]])

    calls = []
    for n in range(ROUNDS):
        pk = store.pk if n % 2 else other.pk
        calls += [
            lambda pk=pk: list_pickups(pk),
            lambda pk=pk: move_foreign(pk),
            lambda n=n: my_codes(n),
        ]

    outcomes = race(calls, workers=24)

    wrong = [outcome for outcome in outcomes if not outcome[2]]
    assert not wrong, wrong[:10]
    assert len(outcomes) == 3 * ROUNDS
    # No clerk moved the other store's pickups.
    assert set(Pickup.objects.values_list("status", flat=True)) == {
        PickupStatus.RECEIVED
    }
