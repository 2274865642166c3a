"""The pickup reads the GraphQL resolvers and dataloaders call."""

import pytest

from saleor_o2o.core.errors import NotFound
from saleor_o2o.pickup import selectors
from saleor_o2o.pickup import services as pickup_services
from saleor_o2o.pickup.models import PickupStatus
from saleor_o2o.store.reach import CLERK, EVERYWHERE, NOWHERE, Reach


def test_the_desk_lists_only_the_stores_of_the_reach(pickup_factory, store_factory):
    lyon = store_factory("Lyon", 45.76, 4.84)
    here, there = pickup_factory(), pickup_factory(in_store=lyon)
    clerk = Reach(roles={here.store_id: CLERK})

    assert list(selectors.pickups_for_desk(reach=clerk)) == [here]
    assert set(selectors.pickups_for_desk(reach=EVERYWHERE)) == {here, there}
    assert list(selectors.pickups_for_desk(reach=NOWHERE)) == []
    with pytest.raises(NotFound) as raised:
        selectors.pickups_for_desk(reach=clerk, store_id=lyon.pk)
    assert raised.value.field == "storeId"


def test_the_desk_filters_by_store_and_status(
    pickup_factory, store_factory, staff_user
):
    lyon = store_factory("Lyon", 45.76, 4.84)
    received, ready = pickup_factory(), pickup_factory()
    pickup_factory(in_store=lyon)
    pickup_services.pickup_status_update(
        pickup=ready,
        status=PickupStatus.PREPARING,
        actor=pickup_services.Actor.of(staff_user),
    )

    in_store = selectors.pickups_for_desk(reach=EVERYWHERE, store_id=received.store_id)
    assert list(in_store) == [received, ready]
    preparing = selectors.pickups_for_desk(
        reach=EVERYWHERE, statuses=[PickupStatus.PREPARING]
    )
    assert list(preparing) == [ready]


def test_trails_are_given_for_every_pickup_asked_oldest_first(
    pickup_factory, staff_user
):
    moved, untouched = pickup_factory(), pickup_factory()
    for status in (PickupStatus.PREPARING, PickupStatus.READY):
        pickup_services.pickup_status_update(
            pickup=moved, status=status, actor=pickup_services.Actor.of(staff_user)
        )

    trails = selectors.transitions_by_pickup([moved.pk, untouched.pk])

    assert set(trails) == {moved.pk, untouched.pk}
    moves = [t.to_status for t in trails[moved.pk]]
    assert moves[-2:] == [PickupStatus.PREPARING, PickupStatus.READY]
    assert all(t.pickup_id == untouched.pk for t in trails[untouched.pk])


def test_pickups_by_order_and_orders_by_token(pickup_factory):
    pickup = pickup_factory()

    assert selectors.pickups_by_order([pickup.order_id, 0]) == {pickup.order_id: pickup}
    assert selectors.order_for_token(token=pickup.order.token, field="t") == (
        pickup.order
    )
    with pytest.raises(NotFound) as raised:
        selectors.order_for_token(
            token="00000000-0000-0000-0000-000000000000", field="orderToken"
        )
    assert raised.value.field == "orderToken"
    assert selectors.pickup_for_id(pk=pickup.pk) == pickup
    assert selectors.pickup_for_id(pk=0) is None
