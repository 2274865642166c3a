"""Served by uwsgi's forked workers, many clients counting at once: no increment is
lost, the figure never goes below 0, each clerk and app counts only in its stores,
and the store becomes crowded exactly once."""

import pytest
from django.contrib.auth.models import Permission
from graphql_jwt.shortcuts import get_token
from saleor.account.models import User
from saleor.app.models import App

from saleor_o2o.occupancy import services
from saleor_o2o.occupancy.models import StoreOccupancy
from saleor_o2o.store import access
from saleor_o2o.store.models import AppStore
from saleor_o2o.store.reach import CLERK, EVERYWHERE
from saleor_o2o.webhook.events import O2OEventType
from saleor_o2o.webhook.models import O2OEvent

from helpers.api import gid
from helpers.storefront import HttpStorefront

pytestmark = [pytest.mark.slow]

UPDATE = """
mutation($storeId: ID!, $delta: Int) {
  storeOccupancyUpdate(storeId: $storeId, delta: $delta) {
    occupancy { current } occupancyErrors { field code }
  }
}
"""


def clerk_of(store, email):
    user = User.objects.create_user(email, "password", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="manage_orders"))
    access.store_staff_set(store=store, user=user, role=CLERK, by=EVERYWHERE)
    return user


@pytest.fixture
def counting_stores(transactional_db, o2o_active, store, store_factory):
    other = store_factory("Paris Bastille", 48.8532, 2.3692)
    services.occupancy_settings_update(store_id=store.pk, data={"capacity": 30})
    app = App.objects.create(name="Door counter", is_active=True)
    app.permissions.add(Permission.objects.get(codename="manage_orders"))
    AppStore.objects.create(app=app, store=store)
    return (
        store,
        other,
        clerk_of(store, "a@example.com"),
        clerk_of(other, "b@example.com"),
        app,
    )


def test_concurrent_counts_are_never_lost_and_stay_in_their_stores(
    saleor_server, counting_stores, race
):
    store, other, clerk_a, clerk_b, app = counting_stores
    front_a = HttpStorefront(saleor_server.url, get_token(clerk_a))
    front_b = HttpStorefront(saleor_server.url, get_token(clerk_b))
    front_app = HttpStorefront(saleor_server.url)
    front_app.headers["Authorization"] = f"Bearer {app.tokens.create().auth_token}"
    here, there = gid("Store", store.pk), gid("Store", other.pk)

    def call(front, store_id, delta):
        def post():
            answer = front.post(UPDATE, {"storeId": store_id, "delta": delta})
            errors = answer["data"]["storeOccupancyUpdate"]["occupancyErrors"]
            return errors[0]["code"] if errors else "ok"

        return post

    calls = (
        [call(front_a, here, 1)] * 24
        + [call(front_app, here, 1)] * 16
        + [call(front_a, here, -1)] * 4
        + [call(front_b, here, 1)] * 8  # Not B's store: refused.
        + [call(front_b, there, 1)] * 8
        + [call(front_app, there, 1)] * 4  # Not the app's store: refused.
    )
    outcomes = race(calls, workers=16)

    assert outcomes.count("ok") == 24 + 16 + 4 + 8
    assert outcomes.count("NOT_FOUND") == 8 + 4
    assert StoreOccupancy.objects.get(store=store).current == 24 + 16 - 4
    assert StoreOccupancy.objects.get(store=other).current == 8
    # Crowded from 27 of 30; with at most 4 people leaving it never eased below 24.
    assert O2OEvent.objects.filter(type=O2OEventType.STORE_CROWDED).count() == 1
    assert not O2OEvent.objects.filter(type=O2OEventType.STORE_EASED).exists()


def test_many_leaving_at_once_never_take_the_figure_below_zero(
    saleor_server, counting_stores, race
):
    store, _other, clerk_a, _clerk_b, _app = counting_stores
    services.store_occupancy_update(store_id=store.pk, count=5)
    front = HttpStorefront(saleor_server.url, get_token(clerk_a))
    here = gid("Store", store.pk)

    answers = race(
        [lambda: front.post(UPDATE, {"storeId": here, "delta": -1})] * 12, workers=12
    )

    figures = sorted(
        a["data"]["storeOccupancyUpdate"]["occupancy"]["current"] for a in answers
    )
    assert figures == [0] * 8 + [1, 2, 3, 4]
    assert StoreOccupancy.objects.get(store=store).current == 0
