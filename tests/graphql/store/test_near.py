"""The storefront's `stores(near:)` given a place to geocode, one place a request."""

import json

import pytest

from helpers.api import content, only_error

STORES_NEAR = """
query StoresNear($near: StoreNearInput!, $radius: Float) {
  stores(first: 5, near: $near, radiusKm: $radius) {
    edges { node { name distanceKm } }
  }
}
"""

#: Avenue des Champs-Élysées, near the Rond-Point.
CHAMPS_ELYSEES = (48.8698, 2.3075)
#: The centre of Lyon's 2nd arrondissement.
LYON_69002 = (45.7578, 4.8320)


@pytest.fixture
def paris_and_lyon_stores(store_factory):
    store_factory("Étoile", 48.8738, 2.2950, postal_code="75008")
    store_factory("Louvre", 48.8606, 2.3376)
    store_factory("Lyon Bellecour", 45.7578, 4.8320, city="Lyon", postal_code="69002")


def stores_near(client, near, radius=None):
    response = client.post_graphql(STORES_NEAR, {"near": near, "radius": radius})
    edges = content(response)["stores"]["edges"]
    return [(edge["node"]["name"], edge["node"]["distanceKm"]) for edge in edges]


def test_stores_near_an_address(
    o2o_active_with_geocoder, paris_and_lyon_stores, api_client
):
    fake = o2o_active_with_geocoder
    fake.add("Champs-Élysées", *CHAMPS_ELYSEES)

    found = stores_near(api_client, {"address": "Avenue des Champs-Élysées, Paris"})

    assert [name for name, _ in found] == ["Étoile", "Louvre"]
    assert found[0][1] == pytest.approx(1.02, abs=0.02)
    assert found[1][1] == pytest.approx(2.43, abs=0.02)
    [request] = fake.requests
    assert request["params"]["q"] == "Avenue des Champs-Élysées, Paris"
    assert request["headers"]["User-Agent"] == "saleor-o2o-tests"


def test_stores_near_a_postal_code(
    o2o_active_with_geocoder, paris_and_lyon_stores, api_client
):
    fake = o2o_active_with_geocoder
    fake.add("69002", *LYON_69002)

    found = stores_near(api_client, {"postalCode": "69002", "country": "FR"})

    assert found == [("Lyon Bellecour", pytest.approx(0.0, abs=0.01))]
    [request] = fake.requests
    assert request["params"]["q"] == "69002"
    assert request["params"]["countrycodes"] == "fr"


def test_stores_near_a_place_within_a_radius(
    o2o_active_with_geocoder, paris_and_lyon_stores, api_client
):
    o2o_active_with_geocoder.add("Champs-Élysées", *CHAMPS_ELYSEES)

    found = stores_near(api_client, {"address": "Champs-Élysées"}, radius=1.5)

    assert [name for name, _ in found] == ["Étoile"]


def test_repeated_search_is_answered_from_the_cache(
    o2o_active_with_geocoder, paris_and_lyon_stores, api_client
):
    fake = o2o_active_with_geocoder
    fake.add("Champs-Élysées", *CHAMPS_ELYSEES)
    near = {"address": "Avenue des Champs-Élysées, Paris", "country": "FR"}

    first = stores_near(api_client, near)
    second = stores_near(api_client, near)

    assert first == second
    assert len(fake.requests) == 1


def test_postal_code_needs_a_country(
    o2o_active_with_geocoder, paris_and_lyon_stores, api_client
):
    response = api_client.post_graphql(STORES_NEAR, {"near": {"postalCode": "69002"}})

    error = only_error(response)
    assert error["extensions"]["code"] == "REQUIRED"
    assert error["extensions"]["field"] == "near.country"
    assert o2o_active_with_geocoder.requests == []


def test_place_not_found_is_a_typed_error(
    o2o_active_with_geocoder, paris_and_lyon_stores, api_client
):
    response = api_client.post_graphql(
        STORES_NEAR, {"near": {"address": "Nowhere at all"}}
    )

    error = only_error(response)
    assert error["extensions"]["code"] == "PLACE_NOT_FOUND"
    assert error["extensions"]["exception"]["code"] == "PlaceNotFound"
    assert len(o2o_active_with_geocoder.requests) == 1


def test_provider_down_is_a_typed_error(
    o2o_active_with_geocoder, paris_and_lyon_stores, api_client
):
    o2o_active_with_geocoder.add("Lyon", *LYON_69002)
    o2o_active_with_geocoder.failures = [503]

    response = api_client.post_graphql(STORES_NEAR, {"near": {"address": "Lyon"}})

    assert only_error(response)["extensions"]["code"] == "GEOCODING_UNAVAILABLE"


def test_no_provider_is_a_typed_error(o2o_active, paris_and_lyon_stores, api_client):
    response = api_client.post_graphql(STORES_NEAR, {"near": {"address": "Lyon"}})

    assert only_error(response)["extensions"]["code"] == "GEOCODING_UNAVAILABLE"


def test_coordinates_still_work_without_a_provider(
    o2o_active, paris_and_lyon_stores, api_client
):
    latitude, longitude = CHAMPS_ELYSEES

    found = stores_near(api_client, {"latitude": latitude, "longitude": longitude})

    assert [name for name, _ in found] == ["Étoile", "Louvre"]


def test_coordinates_and_address_together_are_invalid(
    o2o_active_with_geocoder, paris_and_lyon_stores, api_client
):
    near = {"latitude": 48.87, "longitude": 2.31, "address": "Lyon"}

    response = api_client.post_graphql(STORES_NEAR, {"near": near})

    error = only_error(response)
    assert error["extensions"]["code"] == "INVALID"
    assert error["extensions"]["field"] == "near"
    assert o2o_active_with_geocoder.requests == []


# One place given as text per request.

TWO_SEARCHES = """
query($first: StoreNearInput!, $second: StoreNearInput!) {
  a: stores(first: 5, near: $first) { edges { node { name } } }
  b: stores(first: 5, near: $second) { edges { node { name } } }
}
"""


def test_a_second_place_in_one_request_is_refused(
    o2o_active_with_geocoder, paris_and_lyon_stores, api_client
):
    fake = o2o_active_with_geocoder
    fake.add("Champs", *CHAMPS_ELYSEES)
    fake.add("Lyon", *LYON_69002)

    response = api_client.post_graphql(
        TWO_SEARCHES, {"first": {"address": "Champs"}, "second": {"address": "Lyon"}}
    )

    answer = json.loads(response.content)
    assert [e["node"]["name"] for e in answer["data"]["a"]["edges"]] == [
        "Étoile",
        "Louvre",
    ]
    assert answer["data"]["b"] is None
    [error] = answer["errors"]
    assert error["path"] == ["b"]
    assert error["extensions"]["code"] == "OUT_OF_RANGE"
    assert error["extensions"]["field"] == "near.address"
    assert [request["params"]["q"] for request in fake.requests] == ["Champs"]


def test_the_same_place_twice_in_one_request_is_geocoded_once(
    o2o_active_with_geocoder, paris_and_lyon_stores, api_client
):
    fake = o2o_active_with_geocoder
    fake.add("69002", *LYON_69002)
    near = {"postalCode": "69002", "country": "FR"}

    response = api_client.post_graphql(TWO_SEARCHES, {"first": near, "second": near})

    data = content(response)
    assert data["a"] == data["b"] == {"edges": [{"node": {"name": "Lyon Bellecour"}}]}
    assert len(fake.requests) == 1


def test_a_place_remembered_from_an_earlier_request_still_counts(
    o2o_active_with_geocoder, paris_and_lyon_stores, api_client
):
    fake = o2o_active_with_geocoder
    fake.add("Champs", *CHAMPS_ELYSEES)
    fake.add("Lyon", *LYON_69002)
    assert stores_near(api_client, {"address": "Lyon"})  # Now in the cache.

    response = api_client.post_graphql(
        TWO_SEARCHES, {"first": {"address": "Lyon"}, "second": {"address": "Champs"}}
    )

    [error] = json.loads(response.content)["errors"]
    assert (error["path"], error["extensions"]["code"]) == (["b"], "OUT_OF_RANGE")
    assert len(fake.requests) == 1
    # A new request has a new allowance.
    assert stores_near(api_client, {"address": "Champs"})
    assert len(fake.requests) == 2


def test_a_batch_is_one_request(
    o2o_active_with_geocoder, paris_and_lyon_stores, api_client
):
    fake = o2o_active_with_geocoder
    fake.add("Champs", *CHAMPS_ELYSEES)
    fake.add("Lyon", *LYON_69002)
    batch = [
        {"query": STORES_NEAR, "variables": {"near": {"address": place}}}
        for place in ("Champs", "Lyon")
    ]

    response = api_client.post(
        "/graphql/", json.dumps(batch), content_type="application/json"
    )

    first, second = json.loads(response.content)
    assert "errors" not in first
    assert second["errors"][0]["extensions"]["code"] == "OUT_OF_RANGE"
    assert len(fake.requests) == 1


def test_eight_aliased_places_make_one_call(
    o2o_active_with_geocoder, paris_and_lyon_stores, api_client
):
    fake = o2o_active_with_geocoder
    searches = " ".join(
        f'p{i}: stores(first: 1, near: {{address: "Place {i}"}}) {{ totalCount }}'
        for i in range(8)
    )

    response = api_client.post_graphql("{ " + searches + " }")

    errors = json.loads(response.content)["errors"]
    assert [error["extensions"]["code"] for error in errors] == [
        "PLACE_NOT_FOUND",
        *["OUT_OF_RANGE"] * 7,
    ]
    assert len(fake.requests) == 1
