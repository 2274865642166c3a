"""Apollo federation's `_entities` answers only what Saleor's own queries would."""

import json

import pytest
from saleor.account.models import User

from helpers.api import ApiClient, gid

ENTITIES = """
query($representations: [_Any]) {
  _entities(representations: $representations) {
    __typename
    ... on User { email orders(first: 5) { edges { node { pickup { code } } } } }
    ... on Address { streetAddress1 }
    ... on App { appName: name }
    ... on Product { productName: name }
  }
}
"""


@pytest.fixture
def victim(pickup_factory, customer_user):
    pickup = pickup_factory(user=customer_user)
    address = customer_user.addresses.create(
        first_name="Camille", street_address_1="1 Secret Street", city="Paris"
    )
    return customer_user, pickup, address


def entities(client, *representations):
    response = client.post_graphql(ENTITIES, {"representations": list(representations)})
    assert response.status_code == 200, response.content
    data = json.loads(response.content)
    assert "errors" not in data, data["errors"]
    return data["data"]["_entities"]


def test_nobody_reads_a_user_they_may_not_see(victim, app):
    user, pickup, address = victim
    other = ApiClient(user=User.objects.create_user("other@example.com", "x"))
    representations = [
        {"__typename": "User", "id": gid("User", user.pk)},
        {"__typename": "User", "email": user.email},
        {"__typename": "User", "email": "nobody@example.com"},
        {"__typename": "Address", "id": gid("Address", address.pk)},
        {"__typename": "App", "id": gid("App", app.pk)},
        {"__typename": "Pickup", "id": gid("Pickup", pickup.pk)},
    ]
    for client in (ApiClient(), other):
        answers = entities(client, *representations)
        assert answers == [None] * len(representations), answers
        assert pickup.code not in json.dumps(answers)


def test_a_user_reads_themselves_and_staff_read_with_permission(
    victim, staff_api_client, permission_manage_users
):
    user, pickup, address = victim
    me = ApiClient(user=user)
    [found] = entities(me, {"__typename": "User", "id": gid("User", user.pk)})
    assert found["email"] == user.email
    [found] = entities(me, {"__typename": "Address", "id": gid("Address", address.pk)})
    assert found["streetAddress1"] == "1 Secret Street"

    assert entities(staff_api_client, {"__typename": "User", "email": user.email}) == [
        None
    ]
    staff_api_client.user.user_permissions.add(permission_manage_users)
    [found] = entities(staff_api_client, {"__typename": "User", "email": user.email})
    assert found["email"] == user.email


def test_published_products_are_public_unpublished_ones_are_not(variant):
    product = variant.product
    representation = {"__typename": "Product", "id": gid("Product", product.pk)}
    assert entities(ApiClient(), representation) == [None]
    product.is_published = True
    product.save(update_fields=["is_published"])
    assert entities(ApiClient(), representation) == [
        {"__typename": "Product", "productName": product.name}
    ]
