"""Served by uwsgi's forked workers, managers of two stores setting delivery areas at
once: each changes only their own store's area, and shoppers read the fees set."""

import pytest
from django.contrib.auth.models import Permission
from graphql_jwt.shortcuts import get_token
from saleor.account.models import User

from saleor_o2o.local_delivery.models import DeliveryArea
from saleor_o2o.store import access
from saleor_o2o.store.reach import EVERYWHERE, MANAGER

from helpers.api import gid
from helpers.storefront import HttpStorefront

pytestmark = [pytest.mark.slow]

UPDATE = """
mutation($storeId: ID!, $fee: Decimal!) {
  storeDeliveryAreaUpdate(storeId: $storeId, input: {radiusKm: 5, feeBase: $fee}) {
    localDeliveryErrors { field code }
  }
}
"""
FEE = "query($id: ID!) { store(id: $id) { deliveryArea { feeBase { amount } } } }"
ROUNDS = 20


def manager_of(store, email):
    user = User.objects.create_user(email, "password", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="manage_products"))
    access.store_staff_set(store=store, user=user, role=MANAGER, by=EVERYWHERE)
    return user


def test_managers_at_once_each_set_only_their_own_store(
    saleor_server, transactional_db, o2o_active, store, store_factory, race
):
    other = store_factory("Paris Bastille", 48.8532, 2.3692)
    fees = {store.pk: "2.50", other.pk: "4.00"}
    foreign = {store.pk: other.pk, other.pk: store.pk}
    fronts = {
        pk: HttpStorefront(saleor_server.url, get_token(manager_of(s, f"m{pk}@x.io")))
        for pk, s in ((store.pk, store), (other.pk, other))
    }
    shopper = HttpStorefront(saleor_server.url)

    def set_own(pk):
        answer = fronts[pk].post(UPDATE, {"storeId": gid("Store", pk), "fee": fees[pk]})
        errors = answer["data"]["storeDeliveryAreaUpdate"]["localDeliveryErrors"]
        return ("own", pk, errors == [])

    def set_foreign(pk):
        answer = fronts[pk].post(
            UPDATE, {"storeId": gid("Store", foreign[pk]), "fee": "99"}
        )
        errors = answer["data"]["storeDeliveryAreaUpdate"]["localDeliveryErrors"]
        return ("foreign", pk, errors == [{"field": "storeId", "code": "NOT_FOUND"}])

    calls = []
    for n in range(ROUNDS):
        pk = store.pk if n % 2 else other.pk
        calls += [lambda pk=pk: set_own(pk), lambda pk=pk: set_foreign(pk)]

    outcomes = race(calls, workers=16)

    wrong = [outcome for outcome in outcomes if not outcome[2]]
    assert not wrong, wrong[:10]
    assert {
        area.store_id: str(area.fee_base_amount) for area in DeliveryArea.objects.all()
    } == {store.pk: "2.500", other.pk: "4.000"}
    for pk, fee in fees.items():
        answer = shopper.post(FEE, {"id": gid("Store", pk)})
        assert answer["data"]["store"]["deliveryArea"]["feeBase"] == {
            "amount": float(fee)
        }
