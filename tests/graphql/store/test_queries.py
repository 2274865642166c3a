import datetime as dt
import random

import graphene
import pytest
import pytz
from django.db import connection
from django.test.utils import CaptureQueriesContext

from saleor_o2o.core.geo import Point, great_circle_km

from helpers.api import code_of

STORES_NEAR = """
query StoresNear($near: StoreNearInput, $radiusKm: Float, $first: Int, $after: String,
                 $last: Int, $before: String, $filter: StoreFilterInput,
                 $sortBy: StoreSortingInput) {
  stores(near: $near, radiusKm: $radiusKm, first: $first, after: $after, last: $last,
         before: $before, filter: $filter, sortBy: $sortBy) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { node { id name slug distanceKm isOpenNow nextOpening closesAt
                   services address { city } } }
  }
}
"""

STORE = """
query Store($id: ID, $slug: String) {
  store(id: $id, slug: $slug) {
    id name isActive openingHours { weekday opens closes closesNextDay }
    openingHoursExceptions { date name isClosed }
  }
}
"""


def names(response):
    content = response.json()
    assert "errors" not in content, content["errors"]
    return [edge["node"]["name"] for edge in content["data"]["stores"]["edges"]]


def error_of(response):
    content = response.json()
    assert content.get("errors"), content
    return content["errors"][0]["extensions"]


PARIS = {"latitude": 48.8566, "longitude": 2.3522}


@pytest.fixture
def paris_stores(store_factory):
    return [
        store_factory("Châtelet", 48.8584, 2.3470),  # 0.4 km
        store_factory("Montmartre", 48.8867, 2.3431),  # 3.4 km
        store_factory("Versailles", 48.8049, 2.1204),  # 17.9 km
        store_factory("Orléans", 47.9030, 1.9093, city="Orléans", postal_code="45000"),
        store_factory("Lyon", 45.7640, 4.8357, city="Lyon", postal_code="69001"),
    ]


def test_stores_near_rank_nearest_first_within_radius(
    api_client, o2o_active, paris_stores
):
    response = api_client.post_graphql(
        STORES_NEAR, {"near": PARIS, "radiusKm": 25, "first": 10}
    )
    assert names(response) == ["Châtelet", "Montmartre", "Versailles"]
    data = response.json()["data"]["stores"]
    assert data["totalCount"] == 3
    for edge, store in zip(data["edges"], paris_stores):
        expected = great_circle_km(
            Point(**PARIS), Point(store.latitude, store.longitude)
        )
        assert edge["node"]["distanceKm"] == pytest.approx(expected, rel=1e-9)


def test_stores_near_uses_the_plugin_default_radius(
    api_client, o2o_active, paris_stores
):
    # Default configuration: 25 km.
    response = api_client.post_graphql(STORES_NEAR, {"near": PARIS, "first": 10})
    assert names(response) == ["Châtelet", "Montmartre", "Versailles"]


def test_stores_near_large_radius(api_client, o2o_active, paris_stores):
    response = api_client.post_graphql(
        STORES_NEAR, {"near": PARIS, "radiusKm": 200, "first": 10}
    )
    assert names(response) == ["Châtelet", "Montmartre", "Versailles", "Orléans"]


def test_stores_near_agree_with_a_brute_force_scan(
    api_client, o2o_active, store_factory
):
    rng = random.Random(7)
    points = [(rng.uniform(48.0, 49.5), rng.uniform(1.5, 3.5)) for _ in range(60)]
    for index, (lat, lng) in enumerate(points):
        store_factory(f"Store {index:02d}", lat, lng)
    for _ in range(5):
        origin = Point(rng.uniform(48.2, 49.2), rng.uniform(1.8, 3.2))
        expected = sorted(
            (great_circle_km(origin, Point(lat, lng)), f"Store {index:02d}")
            for index, (lat, lng) in enumerate(points)
        )
        expected = [name for distance, name in expected if distance <= 40][:7]
        response = api_client.post_graphql(
            STORES_NEAR,
            {
                "near": {"latitude": origin.latitude, "longitude": origin.longitude},
                "radiusKm": 40,
                "first": 7,
            },
        )
        assert names(response) == expected


def test_stores_near_across_the_antimeridian(api_client, o2o_active, store_factory):
    store_factory("Taveuni east", -16.80, 179.95, country="FJ", postal_code="")
    store_factory("Taveuni west", -16.80, -179.97, country="FJ", postal_code="")
    store_factory("Greenwich", -16.80, 0.0, country="FJ", postal_code="")
    response = api_client.post_graphql(
        STORES_NEAR,
        {
            "near": {"latitude": -16.80, "longitude": -179.99},
            "radiusKm": 20,
            "first": 5,
        },
    )
    assert names(response) == ["Taveuni west", "Taveuni east"]
    distances = [
        edge["node"]["distanceKm"]
        for edge in response.json()["data"]["stores"]["edges"]
    ]
    assert distances[0] == pytest.approx(2.13, abs=0.01)
    assert distances[1] == pytest.approx(6.39, abs=0.01)


def test_stores_near_the_poles(api_client, o2o_active, store_factory):
    store_factory("Across the pole", 89.99, 180.0, country="NO", postal_code="9170")
    store_factory("Same meridian", 89.95, 0.0, country="NO", postal_code="9170")
    store_factory("Svalbard", 78.22, 15.65, country="NO", postal_code="9170")
    response = api_client.post_graphql(
        STORES_NEAR,
        {"near": {"latitude": 89.99, "longitude": 0.0}, "radiusKm": 10, "first": 5},
    )
    # Across the pole is 2.2 km away (0.02 degrees of latitude), the other 4.4 km.
    assert names(response) == ["Across the pole", "Same meridian"]
    south = api_client.post_graphql(
        STORES_NEAR,
        {"near": {"latitude": -89.999, "longitude": 45.0}, "radiusKm": 50, "first": 5},
    )
    assert names(south) == []


def test_stores_near_paginate_with_cursors(api_client, o2o_active, paris_stores):
    variables = {"near": PARIS, "radiusKm": 200, "first": 2}
    first_page = api_client.post_graphql(STORES_NEAR, variables).json()
    page = first_page["data"]["stores"]
    assert [e["node"]["name"] for e in page["edges"]] == ["Châtelet", "Montmartre"]
    assert page["pageInfo"]["hasNextPage"] is True
    second = api_client.post_graphql(
        STORES_NEAR, {**variables, "after": page["pageInfo"]["endCursor"]}
    )
    assert names(second) == ["Versailles", "Orléans"]
    second_page = second.json()["data"]["stores"]
    assert second_page["pageInfo"]["hasNextPage"] is False
    back = api_client.post_graphql(
        STORES_NEAR,
        {
            "near": PARIS,
            "radiusKm": 200,
            "last": 2,
            "before": second_page["pageInfo"]["startCursor"],
        },
    )
    assert names(back) == ["Châtelet", "Montmartre"]


def test_stores_near_sorted_by_name_when_asked(api_client, o2o_active, paris_stores):
    response = api_client.post_graphql(
        STORES_NEAR,
        {
            "near": PARIS,
            "radiusKm": 25,
            "first": 10,
            "sortBy": {"field": "NAME", "direction": "DESC"},
        },
    )
    assert names(response) == ["Versailles", "Montmartre", "Châtelet"]


def test_stores_list_without_near(api_client, o2o_active, paris_stores):
    response = api_client.post_graphql(STORES_NEAR, {"first": 10})
    assert names(response) == sorted(store.name for store in paris_stores)
    assert all(
        edge["node"]["distanceKm"] is None
        for edge in response.json()["data"]["stores"]["edges"]
    )


@pytest.mark.parametrize(
    "variables, code, field",
    [
        ({"near": PARIS, "radiusKm": 500, "first": 5}, "OUT_OF_RANGE", "radiusKm"),
        ({"near": PARIS, "radiusKm": 0, "first": 5}, "OUT_OF_RANGE", "radiusKm"),
        (
            {"near": {"latitude": 95, "longitude": 2}, "first": 5},
            "OUT_OF_RANGE",
            "near.latitude",
        ),
        ({"near": {"latitude": 48.8}, "first": 5}, "REQUIRED", "near.longitude"),
        ({"near": {}, "first": 5}, "REQUIRED", "near"),
        ({"radiusKm": 5, "first": 5}, "REQUIRED", "radiusKm"),
        (
            {"first": 5, "sortBy": {"field": "DISTANCE", "direction": "ASC"}},
            "REQUIRED",
            "sortBy",
        ),
    ],
)
def test_stores_bad_input_gives_typed_errors(
    api_client, o2o_active, paris_stores, variables, code, field
):
    response = api_client.post_graphql(STORES_NEAR, variables)
    assert response.status_code == 200
    extensions = error_of(response)
    assert (extensions["code"], extensions["field"]) == (code, field)


def test_stores_page_size_is_bounded(api_client, o2o_active):
    response = api_client.post_graphql(STORES_NEAR, {"first": 101})
    assert "limit of 100" in response.json()["errors"][0]["message"]
    response = api_client.post_graphql(STORES_NEAR, {})
    assert "`first` or `last`" in response.json()["errors"][0]["message"]


def test_shoppers_see_only_active_stores(
    api_client, staff_api_client, permission_manage_products, o2o_active, store_factory
):
    store_factory("Open", 48.85, 2.35)
    store_factory("Hidden", 48.86, 2.35, is_active=False)
    assert names(api_client.post_graphql(STORES_NEAR, {"first": 5})) == ["Open"]
    staff = staff_api_client.post_graphql(
        STORES_NEAR, {"first": 5}, permissions=[permission_manage_products]
    )
    assert names(staff) == ["Hidden", "Open"]
    only_inactive = staff_api_client.post_graphql(
        STORES_NEAR, {"first": 5, "filter": {"isActive": False}}
    )
    assert names(only_inactive) == ["Hidden"]


def test_stores_filter(api_client, o2o_active, store_factory):
    store_factory("Curbside Lyon", 45.76, 4.83, city="Lyon", is_curbside=True)
    store_factory("Counter Paris", 48.85, 2.35)
    curbside = api_client.post_graphql(
        STORES_NEAR, {"first": 5, "filter": {"services": ["CURBSIDE"]}}
    )
    assert names(curbside) == ["Curbside Lyon"]
    lyon = api_client.post_graphql(
        STORES_NEAR, {"first": 5, "filter": {"search": "lyon"}}
    )
    assert names(lyon) == ["Curbside Lyon"]


def test_store_by_id_and_slug(api_client, o2o_active, store):
    store_id = graphene.Node.to_global_id("Store", store.pk)
    by_id = api_client.post_graphql(STORE, {"id": store_id}).json()["data"]["store"]
    by_slug = api_client.post_graphql(STORE, {"slug": store.slug}).json()
    assert by_id["name"] == by_slug["data"]["store"]["name"] == "Paris Louvre"
    assert by_id["openingHours"][0] == {
        "weekday": "MONDAY",
        "opens": "09:00:00",
        "closes": "19:00:00",
        "closesNextDay": False,
    }


def test_store_lookup_errors(api_client, o2o_active, store):
    both = api_client.post_graphql(
        STORE, {"id": graphene.Node.to_global_id("Store", store.pk), "slug": "x"}
    )
    assert error_of(both)["code"] == "REQUIRED"
    wrong_type = api_client.post_graphql(
        STORE, {"id": graphene.Node.to_global_id("Product", 1)}
    )
    assert error_of(wrong_type)["code"] == "NOT_FOUND"
    missing = api_client.post_graphql(STORE, {"slug": "nowhere"}).json()
    assert missing == {"data": {"store": None}}


def test_inactive_store_is_not_found_by_shoppers(api_client, o2o_active, store_factory):
    hidden = store_factory("Hidden", 48.86, 2.35, is_active=False)
    response = api_client.post_graphql(STORE, {"slug": hidden.slug}).json()
    assert response["data"]["store"] is None
    by_id = api_client.post_graphql(
        STORE, {"id": graphene.Node.to_global_id("Store", hidden.pk)}
    ).json()
    assert by_id["data"]["store"] is None


@pytest.fixture
def frozen_now(monkeypatch):
    """Freeze `timezone.now()` for the GraphQL layer at a chosen UTC instant."""
    from django.utils import timezone

    def freeze(instant: dt.datetime):
        monkeypatch.setattr(timezone, "now", lambda: instant)

    return freeze


def test_opening_state_in_the_store_timezone(
    api_client, o2o_active, store_factory, frozen_now
):
    from saleor_o2o.store import hours

    overnight = [
        hours.WeeklyInterval(
            weekday=4, interval=hours.Interval(dt.time(22), dt.time(2), True)
        )
    ]
    store_factory(
        "Tokyo night",
        35.68,
        139.76,
        country="JP",
        city="Tokyo",
        postal_code="100-0001",
        country_area="Tokyo",
        timezone="Asia/Tokyo",
        opening_hours=overnight,
    )
    # Saturday 01:30 in Tokyo is Friday 16:30 UTC: inside Friday's overnight interval.
    frozen_now(pytz.utc.localize(dt.datetime(2026, 11, 27, 16, 30)))
    node = api_client.post_graphql(
        STORES_NEAR,
        {"near": {"latitude": 35.68, "longitude": 139.76}, "radiusKm": 5, "first": 1},
    ).json()["data"]["stores"]["edges"][0]["node"]
    assert node["isOpenNow"] is True
    assert node["closesAt"] == "2026-11-27T17:00:00+00:00"
    assert node["nextOpening"] == "2026-12-04T13:00:00+00:00"


def test_holiday_closes_the_store(api_client, o2o_active, store_factory, frozen_now):
    from saleor_o2o.store import hours

    christmas = hours.DateException(date=dt.date(2026, 12, 25), name="Christmas")
    store_factory("Paris", 48.85, 2.35, opening_hours_exceptions=[christmas])
    # Friday 25 December 2026, 11:00 in Paris.
    frozen_now(pytz.utc.localize(dt.datetime(2026, 12, 25, 10, 0)))
    node = api_client.post_graphql(STORES_NEAR, {"first": 1}).json()["data"]["stores"]
    node = node["edges"][0]["node"]
    assert node["isOpenNow"] is False
    assert node["nextOpening"] == "2026-12-26T08:00:00+00:00"


def test_stores_query_count_does_not_grow_with_stores(
    api_client, o2o_active, store_factory
):
    from saleor_o2o.store import hours

    holiday = [hours.DateException(date=dt.date(2099, 1, 1), name="New Year")]
    query = STORES_NEAR.replace(
        "isOpenNow", "isOpenNow openingHoursExceptions { date }"
    )

    def count(n_stores):
        for index in range(n_stores):
            store_factory(
                f"S{n_stores}-{index}", 48.85, 2.35, opening_hours_exceptions=holiday
            )
        with CaptureQueriesContext(connection) as queries:
            response = api_client.post_graphql(
                query, {"near": PARIS, "radiusKm": 10, "first": 50}
            )
        assert len(names(response)) >= n_stores
        return len(queries)

    few = count(2)
    many = count(10)
    assert few == many


def test_stores_at_the_same_distance_paginate_exactly_once(
    api_client, o2o_active, store_factory
):
    # Five shops in one mall share their coordinates; two more are further away.
    mall = [store_factory(f"Mall {index}", 48.8600, 2.3400) for index in range(5)]
    store_factory("Near", 48.8570, 2.3520)
    store_factory("Far", 48.9000, 2.3500)
    seen, after = [], None
    while True:
        variables = {"near": PARIS, "radiusKm": 25, "first": 2, "after": after}
        page = api_client.post_graphql(STORES_NEAR, variables).json()["data"]["stores"]
        seen.extend(edge["node"]["name"] for edge in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    mall_in_pk_order = [store.name for store in sorted(mall, key=lambda s: s.pk)]
    assert seen == ["Near", *mall_in_pk_order, "Far"]


def test_opening_state_through_a_fragment_does_not_query_per_store(
    api_client, o2o_active, store_factory
):
    for index in range(4):
        store_factory(f"Store {index}", 48.85, 2.35)
    query = """
    fragment Hours on Store { isOpenNow nextOpening }
    query { stores(near: {latitude: 48.85, longitude: 2.35}, first: 10) {
      edges { node { name ...Hours } } } }
    """
    with CaptureQueriesContext(connection) as queries:
        response = api_client.post_graphql(query)
    assert len(names(response)) == 4
    exception_queries = [
        q for q in queries.captured_queries if "storehoursexception" in q["sql"]
    ]
    assert len(exception_queries) == 1


def test_lists_near_a_point_refuse_pages_they_cannot_serve():
    from saleor_o2o.graphql.store.near import check_first

    assert code_of(lambda: check_first(101)) == "OUT_OF_RANGE"
    assert code_of(lambda: check_first(0)) == "INVALID"
    check_first(1)
    check_first(100)
