import pytest

from saleor_o2o.offer.models import Offer

from helpers.api import assert_permission_denied, content, gid

OFFER_CREATE = """
mutation OfferCreate($input: OfferCreateInput!) {
  offerCreate(input: $input) {
    offer {
      id title rewardType rewardValue rewardLabel allStores geofenceRadiusKm
      perShopperLimit totalLimit customerSegment isActive claimedCount
      stores { id name }
      targetProducts { id }
    }
    offerErrors { field code message }
  }
}
"""

OFFER_UPDATE = """
mutation OfferUpdate($id: ID!, $input: OfferUpdateInput!) {
  offerUpdate(id: $id, input: $input) {
    offer { id title isActive rewardType rewardGift rewardLabel stores { name } }
    offerErrors { field code message }
  }
}
"""

OFFER_DELETE = """
mutation OfferDelete($id: ID!) {
  offerDelete(id: $id) {
    offer { id title }
    offerErrors { field code message }
  }
}
"""


def create_input(store, **overrides):
    data = {
        "title": "20% off shoes in store",
        "rewardType": "PERCENTAGE",
        "rewardValue": 20,
        "storeIds": [gid("Store", store.pk)],
        "geofenceRadiusKm": 3,
        "totalLimit": 100,
    }
    data.update(overrides)
    return data


def test_offer_create(staff_api_client, permission_manage_discounts, store, variant):
    response = staff_api_client.post_graphql(
        OFFER_CREATE,
        {
            "input": create_input(
                store, targetProductIds=[gid("Product", variant.product_id)]
            )
        },
        permissions=[permission_manage_discounts],
    )
    data = content(response)["offerCreate"]
    assert data["offerErrors"] == []
    offer = data["offer"]
    assert offer["rewardLabel"] == "20% off"
    assert offer["stores"] == [{"id": gid("Store", store.pk), "name": store.name}]
    assert offer["perShopperLimit"] == 1 and offer["totalLimit"] == 100
    assert offer["customerSegment"] == "ALL" and offer["claimedCount"] == 0
    assert offer["targetProducts"] == [{"id": gid("Product", variant.product_id)}]


@pytest.mark.parametrize(
    "overrides, field, code",
    [
        ({"title": " "}, "title", "REQUIRED"),
        ({"rewardValue": 150}, "rewardValue", "OUT_OF_RANGE"),
        ({"rewardType": "GIFT"}, "rewardGift", "REQUIRED"),
        ({"storeIds": []}, "storeIds", "REQUIRED"),
        ({"storeIds": ["nonsense"]}, "storeIds", "GRAPHQL_ERROR"),
        ({"storeIds": [gid("Store", 0)]}, "storeIds", "NOT_FOUND"),
        ({"storeIds": [gid("Product", 1)]}, "storeIds", "NOT_FOUND"),
        ({"geofenceRadiusKm": -1}, "geofenceRadiusKm", "OUT_OF_RANGE"),
        ({"perShopperLimit": 0}, "perShopperLimit", "OUT_OF_RANGE"),
        (
            {"startsAt": "2030-01-02T00:00:00Z", "endsAt": "2030-01-01T00:00:00Z"},
            "endsAt",
            "INVALID",
        ),
        ({"imageUrl": "javascript:alert(1)"}, "imageUrl", "INVALID"),
    ],
)
def test_offer_create_refuses_bad_input(
    staff_api_client, permission_manage_discounts, store, overrides, field, code
):
    response = staff_api_client.post_graphql(
        OFFER_CREATE,
        {"input": create_input(store, **overrides)},
        permissions=[permission_manage_discounts],
    )
    errors = content(response)["offerCreate"]["offerErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [(field, code)]
    assert not Offer.objects.exists()


def test_offer_update(staff_api_client, permission_manage_discounts, offer):
    response = staff_api_client.post_graphql(
        OFFER_UPDATE,
        {
            "id": gid("Offer", offer.pk),
            "input": {
                "title": "A free tote bag",
                "rewardType": "GIFT",
                "rewardGift": "Tote bag",
                "isActive": False,
            },
        },
        permissions=[permission_manage_discounts],
    )
    data = content(response)["offerUpdate"]
    assert data["offerErrors"] == []
    assert data["offer"]["rewardLabel"] == "Free: Tote bag"
    assert data["offer"]["isActive"] is False
    offer.refresh_from_db()
    assert offer.reward_value == 0 and offer.title == "A free tote bag"


def test_offer_update_cannot_lower_the_total_limit_below_the_claims(
    staff_api_client, permission_manage_discounts, offer
):
    Offer.objects.filter(pk=offer.pk).update(claimed_count=5, total_limit=10)
    response = staff_api_client.post_graphql(
        OFFER_UPDATE,
        {"id": gid("Offer", offer.pk), "input": {"totalLimit": 4}},
        permissions=[permission_manage_discounts],
    )
    errors = content(response)["offerUpdate"]["offerErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [("totalLimit", "OUT_OF_RANGE")]


def test_offer_delete(staff_api_client, permission_manage_discounts, offer):
    response = staff_api_client.post_graphql(
        OFFER_DELETE,
        {"id": gid("Offer", offer.pk)},
        permissions=[permission_manage_discounts],
    )
    data = content(response)["offerDelete"]
    assert data["offer"]["id"] == gid("Offer", offer.pk)
    assert not Offer.objects.exists()


def test_offer_delete_unknown_id(staff_api_client, permission_manage_discounts, db):
    response = staff_api_client.post_graphql(
        OFFER_DELETE,
        {"id": gid("Offer", 0)},
        permissions=[permission_manage_discounts],
    )
    errors = content(response)["offerDelete"]["offerErrors"]
    assert [e["code"] for e in errors] == ["NOT_FOUND"]


def test_offer_create_needs_manage_discounts(
    staff_api_client, permission_manage_products, store
):
    response = staff_api_client.post_graphql(
        OFFER_CREATE,
        {"input": create_input(store)},
        permissions=[permission_manage_products],
    )
    assert_permission_denied(response)
    assert not Offer.objects.exists()


def test_offer_update_needs_manage_discounts(user_api_client, offer):
    response = user_api_client.post_graphql(
        OFFER_UPDATE, {"id": gid("Offer", offer.pk), "input": {"title": "Mine"}}
    )
    assert_permission_denied(response)


def test_offer_delete_needs_manage_discounts(api_client, offer):
    response = api_client.post_graphql(OFFER_DELETE, {"id": gid("Offer", offer.pk)})
    assert_permission_denied(response)
    assert Offer.objects.exists()


def test_apps_with_manage_discounts_can_create_offers(
    app_api_client, permission_manage_discounts, store
):
    response = app_api_client.post_graphql(
        OFFER_CREATE,
        {"input": create_input(store)},
        permissions=[permission_manage_discounts],
    )
    assert content(response)["offerCreate"]["offerErrors"] == []
