"""Store staff: every store-bound operation answers for the requestor's stores only.

Two stores, Paris and Lyon. A clerk and a manager of Paris try everything at Lyon
(refused as if it did not exist, and absent from lists) and the managers' tasks at
Paris (refused to the clerk). Staff acting in every store, and apps not narrowed,
keep the reach every staff user had before.
"""

import json

import pytest
from saleor.account.models import User
from saleor.warehouse.models import Stock

from saleor_o2o.core.errors import O2OError
from saleor_o2o.pickup import handover
from saleor_o2o.pickup import services as pickup_services
from saleor_o2o.pickup.models import PickupAuditKind
from saleor_o2o.pickup.rules import MAX_CODE_ATTEMPTS
from saleor_o2o.store.models import AppStore, StaffAllStores, StoreMembership, StoreRole

from helpers.api import ApiClient, gid


@pytest.fixture
def paris(store):
    return store


@pytest.fixture
def lyon(store_factory):
    return store_factory("Lyon Bellecour", 45.7578, 4.8320, city="Lyon")


def member(email, store, role, *permissions):
    user = User.objects.create_user(email, "password", is_staff=True, is_active=True)
    user.user_permissions.add(*permissions)
    if store is not None:
        StoreMembership.objects.create(user=user, store=store, role=role)
    return ApiClient(user=user)


@pytest.fixture
def everyone(
    db,
    paris,
    lyon,
    o2o_active,
    permission_manage_orders,
    permission_manage_products,
    permission_manage_discounts,
):
    perms = (
        permission_manage_orders,
        permission_manage_products,
        permission_manage_discounts,
    )
    return {
        "clerk": member("clerk@paris.example", paris, StoreRole.CLERK, *perms),
        "manager": member("manager@paris.example", paris, StoreRole.MANAGER, *perms),
        "nobody": member("new@example.com", None, None, *perms),
    }


def answer(client, query, variables=None):
    response = client.post_graphql(query, variables or {})
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def codes(data, name, errors):
    return [error["code"] for error in data["data"][name][errors]]


PICKUPS = """
query($store: ID) { pickups(first: 20, storeId: $store) { edges { node { id } } } }
"""


def test_lists_show_only_the_stores_one_works_in(everyone, pickup_factory, lyon):
    at_paris = pickup_factory()
    pickup_factory(in_store=lyon)
    for who in ("clerk", "manager"):
        data = answer(everyone[who], PICKUPS)
        assert [e["node"]["id"] for e in data["data"]["pickups"]["edges"]] == [
            gid("Pickup", at_paris.pk)
        ]
    assert answer(everyone["nobody"], PICKUPS)["data"]["pickups"]["edges"] == []
    refused = answer(everyone["clerk"], PICKUPS, {"store": gid("Store", lyon.pk)})
    assert refused["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_a_pickup_of_another_store_does_not_exist_for_a_clerk(
    everyone, pickup_factory, lyon
):
    pickup = pickup_factory(in_store=lyon)
    pickup_id = gid("Pickup", pickup.pk)
    clerk = everyone["clerk"]
    data = answer(
        clerk, "query($id: ID!) { pickup(id: $id) { id code } }", {"id": pickup_id}
    )
    assert data["data"]["pickup"] is None
    move = answer(
        clerk,
        "mutation($id: ID!) { pickupStatusUpdate(id: $id, status: PREPARING) "
        "{ pickupErrors { field code } } }",
        {"id": pickup_id},
    )
    assert codes(move, "pickupStatusUpdate", "pickupErrors") == ["NOT_FOUND"]
    collect = answer(
        clerk,
        "mutation($id: ID!, $code: String!) { pickupCollect(id: $id, code: $code) "
        "{ pickupErrors { field code } } }",
        {"id": pickup_id, "code": pickup.code},
    )
    assert codes(collect, "pickupCollect", "pickupErrors") == ["NOT_FOUND"]
    order = answer(
        clerk,
        "query($id: ID!) { order(id: $id) { pickup { code } } }",
        {"id": gid("Order", pickup.order_id)},
    )
    assert order["data"]["order"]["pickup"] is None
    pickup.refresh_from_db()
    assert pickup.status == "received"


def test_a_manager_releases_a_locked_handover_a_clerk_cannot(everyone, pickup_factory):
    pickup = pickup_factory()
    staff = pickup_services.Actor.of(everyone["manager"].user)
    pickup_services.pickup_status_update(pickup=pickup, status="ready", actor=staff)
    for _ in range(MAX_CODE_ATTEMPTS):
        with pytest.raises(O2OError):
            handover.pickup_collect(pickup=pickup, code="WRONG0", actor=staff)
    unlock = (
        "mutation($id: ID!, $reason: String!) { pickupCodeUnlock(id: $id, reason: "
        "$reason) { pickup { codeLockedUntil } pickupErrors { field code } } }"
    )
    variables = {"id": gid("Pickup", pickup.pk), "reason": "ID checked at the desk"}

    refused = answer(everyone["clerk"], unlock, variables)
    assert codes(refused, "pickupCodeUnlock", "pickupErrors") == ["PERMISSION_DENIED"]

    done = answer(everyone["manager"], unlock, variables)
    assert done["data"]["pickupCodeUnlock"] == {
        "pickup": {"codeLockedUntil": None},
        "pickupErrors": [],
    }
    entry = pickup.transitions.get(kind=PickupAuditKind.CODE_UNLOCKED)
    assert (entry.user, entry.note) == (everyone["manager"].user, variables["reason"])
    again = answer(everyone["manager"], unlock, variables)
    assert codes(again, "pickupCodeUnlock", "pickupErrors") == ["NOT_LOCKED"]
    # The right code works again at once.
    handover.pickup_collect(pickup=pickup, code=pickup.code, actor=staff)


STOCK_UPDATE = """
mutation($store: ID!, $variant: ID!) {
  storeStockUpdate(storeId: $store, stocks: [{variantId: $variant, quantity: 7}]) {
    storeErrors { field code }
  }
}
"""


def test_stock_and_settings_are_a_managers_task_in_their_store(
    everyone, paris, lyon, variant
):
    def update(who, store):
        data = answer(
            everyone[who],
            STOCK_UPDATE,
            {
                "store": gid("Store", store.pk),
                "variant": gid("ProductVariant", variant.pk),
            },
        )
        return codes(data, "storeStockUpdate", "storeErrors")

    assert update("clerk", paris) == ["PERMISSION_DENIED"]
    assert update("manager", lyon) == ["NOT_FOUND"]
    assert update("manager", paris) == []
    assert Stock.objects.get(warehouse=paris.warehouse).quantity == 7
    assert not Stock.objects.filter(warehouse=lyon.warehouse).exists()

    rename = (
        'mutation($id: ID!) { storeUpdate(id: $id, input: {name: "Renamed"}) '
        "{ storeErrors { field code } } }"
    )
    lyon_id = {"id": gid("Store", lyon.pk)}
    assert codes(
        answer(everyone["manager"], rename, lyon_id), "storeUpdate", "storeErrors"
    ) == ["NOT_FOUND"]
    delete = "mutation($id: ID!) { storeDelete(id: $id) { storeErrors { code } } }"
    paris_id = {"id": gid("Store", paris.pk)}
    assert codes(
        answer(everyone["manager"], delete, paris_id), "storeDelete", "storeErrors"
    ) == ["PERMISSION_DENIED"]


def test_offer_codes_are_redeemed_only_at_ones_own_store(everyone, offer, lyon):
    from saleor_o2o.core.geo import Point
    from saleor_o2o.offer import claims, shoppers

    store = offer.stores.get()
    claim = claims.offer_claim(
        offer_id=offer.pk,
        shopper=shoppers.Shopper(user=User.objects.create_user("s@example.com", "x")),
        store=store,
        point=Point(store.latitude, store.longitude),
    )
    redeem = (
        "mutation($code: String!, $store: ID!) { offerRedeem(code: $code, storeId: "
        "$store) { offerErrors { field code } } }"
    )
    at_lyon = answer(
        everyone["clerk"], redeem, {"code": claim.code, "store": gid("Store", lyon.pk)}
    )
    assert codes(at_lyon, "offerRedeem", "offerErrors") == ["NOT_FOUND"]
    at_paris = answer(
        everyone["clerk"],
        redeem,
        {"code": claim.code, "store": gid("Store", offer.stores.get().pk)},
    )
    assert codes(at_paris, "offerRedeem", "offerErrors") == []


def test_my_stores_lists_where_one_works(everyone, staff_api_client, paris, lyon):
    query = "{ myStores(first: 10) { edges { node { name } } } }"

    def names(client):
        return [
            e["node"]["name"]
            for e in answer(client, query)["data"]["myStores"]["edges"]
        ]

    assert names(everyone["clerk"]) == [paris.name]
    assert names(everyone["nobody"]) == []
    assert names(staff_api_client) == sorted([paris.name, lyon.name])
    assert names(ApiClient()) == []


def test_an_inactive_store_is_seen_only_by_its_own_staff(
    everyone, staff_api_client, lyon, permission_manage_products
):
    staff_api_client.user.user_permissions.add(permission_manage_products)
    lyon.is_active = False
    lyon.save()
    query = "{ stores(first: 10) { edges { node { name } } } }"

    def names(client):
        return [
            e["node"]["name"] for e in answer(client, query)["data"]["stores"]["edges"]
        ]

    assert lyon.name not in names(everyone["manager"])
    assert lyon.name in names(staff_api_client)


def test_an_app_narrowed_to_stores_acts_only_there(
    app_api_client, app, pickup_factory, lyon, permission_manage_orders
):
    pickup_factory()
    at_lyon = pickup_factory(in_store=lyon)
    app.permissions.add(permission_manage_orders)
    everywhere = answer(app_api_client, PICKUPS)["data"]["pickups"]["edges"]
    assert len(everywhere) == 2
    AppStore.objects.create(app=app, store=lyon)
    narrowed = answer(app_api_client, PICKUPS)["data"]["pickups"]["edges"]
    assert [e["node"]["id"] for e in narrowed] == [gid("Pickup", at_lyon.pk)]


STAFF_UPDATE = """
mutation($store: ID!, $user: ID!, $role: StoreStaffRoleEnum!) {
  storeStaffUpdate(storeId: $store, userId: $user, role: $role) {
    membership { role user { email } store { name } }
    storeErrors { field code }
  }
}
"""


def test_managers_add_clerks_to_their_stores_only(
    everyone, paris, lyon, staff_api_client, permission_manage_staff
):
    newcomer = User.objects.create_user("newcomer@example.com", "x", is_staff=True)
    variables = {"store": gid("Store", paris.pk), "user": gid("User", newcomer.pk)}

    def assign(client, store, role):
        data = answer(
            client,
            STAFF_UPDATE,
            {**variables, "store": gid("Store", store.pk), "role": role},
        )
        return data["data"]["storeStaffUpdate"]

    manager = everyone["manager"]
    assert assign(manager, paris, "CLERK")["membership"]["role"] == "CLERK"
    assert [e["code"] for e in assign(manager, paris, "MANAGER")["storeErrors"]] == [
        "PERMISSION_DENIED"
    ]
    assert [e["code"] for e in assign(manager, lyon, "CLERK")["storeErrors"]] == [
        "NOT_FOUND"
    ]
    assert [
        e["code"] for e in assign(everyone["clerk"], paris, "CLERK")["storeErrors"]
    ] == ["PERMISSION_DENIED"]
    staff_api_client.user.user_permissions.add(permission_manage_staff)
    assert assign(staff_api_client, lyon, "MANAGER")["membership"]["role"] == "MANAGER"
    assert set(
        StoreMembership.objects.filter(user=newcomer).values_list("store", "role")
    ) == {(paris.pk, "clerk"), (lyon.pk, "manager")}
    customer = User.objects.create_user("shopper2@example.com", "x")
    refused = answer(
        staff_api_client,
        STAFF_UPDATE,
        {
            "store": gid("Store", paris.pk),
            "user": gid("User", customer.pk),
            "role": "CLERK",
        },
    )["data"]["storeStaffUpdate"]["storeErrors"]
    assert refused == [{"field": "userId", "code": "INVALID"}]


def test_store_staff_is_listed_to_its_managers(everyone, paris, lyon):
    query = "query($id: ID!) { store(id: $id) { staff { role user { email } } } }"
    listed = answer(everyone["manager"], query, {"id": gid("Store", paris.pk)})
    assert sorted(m["user"]["email"] for m in listed["data"]["store"]["staff"]) == [
        "clerk@paris.example",
        "manager@paris.example",
    ]
    assert (
        answer(everyone["clerk"], query, {"id": gid("Store", paris.pk)})["data"][
            "store"
        ]["staff"]
        is None
    )


def test_all_stores_and_app_reach_are_for_staff_acting_everywhere(
    everyone, staff_api_client, app, lyon, permission_manage_staff
):
    staff_api_client.user.user_permissions.add(permission_manage_staff)
    nobody = everyone["nobody"].user
    grant = (
        "mutation($user: ID!) { staffStoreAccessUpdate(userId: $user, allStores: true) "
        "{ allStores storeErrors { code } } }"
    )
    refused = answer(everyone["manager"], grant, {"user": gid("User", nobody.pk)})
    assert refused["data"]["staffStoreAccessUpdate"]["storeErrors"] == [
        {"code": "PERMISSION_DENIED"}
    ]
    done = answer(staff_api_client, grant, {"user": gid("User", nobody.pk)})
    assert done["data"]["staffStoreAccessUpdate"] == {
        "allStores": True,
        "storeErrors": [],
    }
    assert StaffAllStores.objects.filter(user=nobody).exists()

    narrow = (
        "mutation($app: ID!, $stores: [ID!]) { appStoreAccessUpdate(appId: $app, "
        "storeIds: $stores) { stores { name } storeErrors { code } } }"
    )
    variables = {"app": gid("App", app.pk), "stores": [gid("Store", lyon.pk)]}
    data = answer(staff_api_client, narrow, variables)["data"]["appStoreAccessUpdate"]
    assert data == {"stores": [{"name": lyon.name}], "storeErrors": []}
    widened = answer(staff_api_client, narrow, {**variables, "stores": None})
    assert widened["data"]["appStoreAccessUpdate"]["stores"] is None
    assert not AppStore.objects.filter(app=app).exists()


def test_the_migration_keeps_existing_staff_acting_everywhere(db):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("saleor_o2o.migrations.0013_store_staff")
    staff = User.objects.create_user("old@example.com", "x", is_staff=True)
    User.objects.create_user("customer@example.com", "x")
    migration.existing_staff_keep_every_store(apps, None)
    assert list(StaffAllStores.objects.values_list("user", flat=True)) == [staff.pk]


STAFF_REMOVE = """
mutation($store: ID!, $user: ID!) {
  storeStaffRemove(storeId: $store, userId: $user) { storeErrors { field code } }
}
"""


def test_managers_remove_clerks_of_their_stores_only(everyone, paris, lyon):
    clerk = everyone["clerk"].user
    other = User.objects.create_user("clerk@lyon.example", "x", is_staff=True)
    StoreMembership.objects.create(user=other, store=lyon, role=StoreRole.CLERK)
    manager = everyone["manager"].user

    def remove(client, store, user):
        variables = {"store": gid("Store", store.pk), "user": gid("User", user.pk)}
        data = answer(client, STAFF_REMOVE, variables)["data"]["storeStaffRemove"]
        return [(e["field"], e["code"]) for e in data["storeErrors"]]

    assert remove(everyone["clerk"], paris, clerk) == [("storeId", "PERMISSION_DENIED")]
    assert remove(everyone["manager"], lyon, other) == [("storeId", "NOT_FOUND")]
    assert remove(everyone["manager"], paris, manager) == [
        ("userId", "PERMISSION_DENIED")
    ]
    assert remove(everyone["manager"], paris, clerk) == []
    assert set(StoreMembership.objects.values_list("user__email", "store")) == {
        ("manager@paris.example", paris.pk),
        ("clerk@lyon.example", lyon.pk),
    }


def test_store_staff_remove_needs_a_staff_permission(everyone, paris, user_api_client):
    variables = {
        "store": gid("Store", paris.pk),
        "user": gid("User", everyone["clerk"].user.pk),
    }

    data = answer(user_api_client, STAFF_REMOVE, variables)

    assert data["errors"][0]["message"].startswith("You do not have permission")
    assert StoreMembership.objects.filter(user=everyone["clerk"].user).exists()


def test_store_staff_remove_bad_ids_are_typed_errors(everyone, paris):
    data = answer(
        everyone["manager"],
        STAFF_REMOVE,
        {"store": gid("Store", paris.pk), "user": gid("Store", paris.pk)},
    )["data"]["storeStaffRemove"]

    assert data["storeErrors"] == [{"field": "userId", "code": "GRAPHQL_ERROR"}]
