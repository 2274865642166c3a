"""The limits of ``/graphql/``: each refuses its case before anything runs.

"Before anything runs" is checked twice: no database query is made, and graphql-core's
executor (looked up at call time by the backend) is never called.
"""

import json

import pytest
from django.test import override_settings
from graphql.utils.introspection_query import introspection_query

#: Anything an operation asks for in these tests: none of it should be reached.
NEAR = "{latitude: 48.8566, longitude: 2.3522}"
VARIANT = "UHJvZHVjdFZhcmlhbnQ6MQ=="
CHECKOUT = "6f1c3a4e-0000-4000-8000-000000000000"


@pytest.fixture
def executions(monkeypatch):
    """Count the operations graphql-core executes."""
    import graphql.backend.core

    calls = []
    real = graphql.backend.core.execute_and_validate

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(graphql.backend.core, "execute_and_validate", counting)
    return calls


def post(client, body):
    return client.post("/graphql/", json.dumps(body), content_type="application/json")


def refusal(response) -> dict:
    """Return the extensions of the answer's single error, asserting a refusal."""
    assert response.status_code == 400, response.content[:500]
    answer = json.loads(response.content)
    assert "data" not in answer, answer
    [error] = answer["errors"]
    return {"message": error["message"], **error["extensions"]}


def refused_before_running(client, query, variables=None, *, executions, queries):
    with queries(0):
        response = client.post_graphql(query, variables)
    assert executions == []
    return refusal(response)


@pytest.fixture
def refused(api_client, executions, django_assert_num_queries, db):
    def refused(query, variables=None):
        return refused_before_running(
            api_client,
            query,
            variables,
            executions=executions,
            queries=django_assert_num_queries,
        )

    return refused


# Each limit refuses its case.


def test_a_long_query_is_refused_before_it_is_parsed(refused, monkeypatch):
    from saleor_o2o.graphql.core import backend as graphql_backend

    def no_parsing(_text):
        raise AssertionError("parsed")

    monkeypatch.setattr(graphql_backend, "parse", no_parsing)
    query = "{ shop { name } }" + " " * 50_000

    error = refused(query)

    assert error["code"] == "QUERY_TOO_LONG"
    assert error["exception"]["code"] == "QueryTooComplex"
    assert "50017 characters; at most 50000" in error["message"]


def test_two_thousand_repeated_fields_are_refused_before_validation(
    refused, monkeypatch
):
    from saleor_o2o.graphql.core import backend as graphql_backend

    def no_validation(*_args):
        raise AssertionError("validated")

    monkeypatch.setattr(graphql_backend, "validate", no_validation)

    error = refused("{ shop { " + "name " * 2000 + "} }")

    assert error["code"] == "TOO_MANY_SELECTIONS"
    assert "2001 selections" in error["message"]


def test_repeated_fields_in_fragments_count_as_written(refused):
    fragments = " ".join(
        f"fragment F{i} on Shop {{ {'name ' * 20}}}" for i in range(30)
    )
    spreads = " ".join(f"...F{i}" for i in range(30))

    error = refused("{ shop { " + spreads + " } } " + fragments)

    assert error["code"] == "TOO_MANY_SELECTIONS"


def test_deep_queries_are_refused(refused):
    # 16 levels through a fragment: categories nest without limit in Saleor.
    query = """
    fragment Parent on Category { parent { parent { parent { parent { id } } } } }
    { category(id: "Q2F0ZWdvcnk6MQ==") { parent { parent { parent { parent {
        parent { parent { parent { parent { parent { parent { ...Parent }
    } } } } } } } } } } }
    """

    error = refused(query)

    assert error["code"] == "QUERY_TOO_DEEP"
    assert "16 deep; at most 15" in error["message"]


def test_nesting_that_breaks_validation_is_refused_as_too_deep(refused):
    error = refused("{ " + "shop { " * 192 + "name" + " }" * 192 + " }")

    assert error["code"] == "QUERY_TOO_DEEP"


def test_aliases_are_refused_beyond_the_limit(refused):
    searches = " ".join(
        f'a{i}: stores(first: 1, near: {{address: "Place {i}"}}) {{ totalCount }}'
        for i in range(31)
    )

    error = refused("{ " + searches + " }")

    assert error["code"] == "TOO_MANY_ALIASES"
    assert "31 aliased fields" in error["message"]


def test_aliases_in_a_fragment_count_each_time_it_is_spread(refused):
    fragment = "fragment Names on Shop { " + " ".join(f"n{i}: name" for i in range(16))
    query = "{ shop { ...Names } again: shop { ...Names } } " + fragment + " }"

    assert refused(query)["code"] == "TOO_MANY_ALIASES"


def test_nested_pages_are_refused_by_cost(refused):
    query = """
    { categories(first: 100) { edges { node {
        products(first: 100) { edges { node {
            id name slug variants { id name sku }
        } } }
    } } } }
    """

    error = refused(query)

    assert error["code"] == "QUERY_TOO_COSTLY"
    assert "could cost 120301" in error["message"]


#: Saleor 2.10.1's own API test of the warehouse list (tests/api/test_warehouse.py).
SALEOR_WAREHOUSES = """
query {
  warehouses(first: 100) { totalCount edges { node {
    id name companyName email
    shippingZones(first: 100) { edges { node { name countries { country } } } }
    address { streetAddress1 streetAddress2 postalCode city cityArea countryArea
              phone country { code country } }
  } } }
}
"""


def test_saleors_own_warehouse_list_is_within_the_default_cost(
    staff_api_client, permission_manage_products
):
    response = staff_api_client.post_graphql(
        SALEOR_WAREHOUSES, permissions=[permission_manage_products]
    )

    assert response.status_code == 200, response.content
    assert "errors" not in json.loads(response.content)


def test_cost_is_measured_with_the_requests_variables(refused, api_client):
    query = """
    query($outer: Int, $inner: Int) { categories(first: $outer) { edges { node {
        products(first: $inner) { edges { node {
            id name slug variants { id name sku }
        } } }
    } } } }
    """

    assert refused(query, {"outer": 100, "inner": 100})["code"] == "QUERY_TOO_COSTLY"

    response = api_client.post_graphql(query, {"outer": 5, "inner": 5})
    assert response.status_code == 200
    assert json.loads(response.content)["data"] == {"categories": {"edges": []}}


#: Every list the extension serves, and one of Saleor's, asked for 100,000 items.
HUGE_PAGES = {
    "stores": "{ stores(first: 100000) { edges { node { id } } } }",
    "stores last": "{ stores(last: 100000) { edges { node { id } } } }",
    "stores by supply": "{ stores(first: 100000, near: %s, filter: {canSupply: "
    '{lines: [{variantId: "%s", quantity: 1}]}}) { edges { node { id } } } }'
    % (NEAR, VARIANT),
    "pickups": "{ pickups(first: 100000) { edges { node { id } } } }",
    "offerList": "{ offerList(first: 100000) { edges { node { id } } } }",
    "o2oWebhookDeliveries": "{ o2oWebhookDeliveries(last: 100000) "
    "{ edges { node { id } } } }",
    "offers": "{ offers(near: %s, first: 100000) { distanceKm } }" % NEAR,
    "storeAvailability": '{ productVariant(id: "%s") { storeAvailability(near: %s, '
    "first: 100000) { quantityAvailable } } }" % (VARIANT, NEAR),
    "pickupOptions": '{ checkout(token: "%s") { pickupOptions(near: %s, '
    "first: 100000) { id } } }" % (CHECKOUT, NEAR),
    "Saleor's products": "{ products(first: 100000) { edges { node { id } } } }",
}


@pytest.mark.parametrize("query", HUGE_PAGES.values(), ids=HUGE_PAGES.keys())
def test_a_page_of_100000_is_refused_on_every_list(refused, query):
    error = refused(query)

    assert error["code"] == "OUT_OF_RANGE"
    assert error["field"] in ("first", "last")
    assert "100000 records" in error["message"]
    assert "limit of 100 records" in error["message"]


def test_a_page_size_in_a_variable_is_refused(refused):
    query = "query($n: Int) { offers(near: %s, first: $n) { distanceKm } }" % NEAR

    error = refused(query, {"n": 101})

    assert (error["code"], error["field"]) == ("OUT_OF_RANGE", "first")


def test_a_batch_beyond_the_limit_is_refused(
    api_client, executions, django_assert_num_queries, db
):
    batch = [{"query": "{ shop { name } }"}] * 11

    with django_assert_num_queries(0):
        response = post(api_client, batch)

    assert response.status_code == 400
    answers = json.loads(response.content)
    assert len(answers) == 11
    codes = {answer["errors"][0]["extensions"]["code"] for answer in answers}
    assert codes == {"TOO_MANY_OPERATIONS"}
    assert executions == []


def test_a_batch_within_the_limit_runs(api_client, db):
    response = post(api_client, [{"query": "{ shop { name } }"}] * 10)

    assert response.status_code == 200
    assert all("data" in answer for answer in json.loads(response.content))


@override_settings(O2O_QUERY_MAX_DEPTH=2)
def test_a_changed_setting_applies_to_a_document_already_cached(api_client, db):
    query = "{ shop { name } }"
    assert api_client.post_graphql(query).status_code == 200

    with override_settings(O2O_QUERY_MAX_DEPTH=1):
        assert refusal(api_client.post_graphql(query))["code"] == "QUERY_TOO_DEEP"


@override_settings(
    O2O_QUERY_MAX_SELECTIONS=None,
    O2O_QUERY_MAX_DEPTH=None,
    O2O_QUERY_MAX_ALIASES=None,
    O2O_QUERY_MAX_COST=None,
)
def test_limits_set_to_none_are_off(api_client, db):
    query = "{ " + " ".join(f"s{i}: shop {{ name }}" for i in range(40)) + " }"

    response = api_client.post_graphql(query)

    assert response.status_code == 200
    assert len(json.loads(response.content)["data"]) == 40


# Normal queries pass.


def test_the_introspection_query_passes(api_client, db):
    response = api_client.post_graphql(introspection_query)

    assert response.status_code == 200
    assert json.loads(response.content)["data"]["__schema"]["queryType"]


def test_a_dashboard_sized_list_passes(
    staff_api_client, permission_manage_products, db
):
    # Saleor's dashboard lists warehouses 100 a page, each with its shipping zones
    # (100 a page): the heaviest of its queries, a cost of about 41,000.
    query = """
    query Warehouses($first: Int, $after: String) {
      warehouses(first: $first, after: $after) {
        edges { node { id name __typename
          shippingZones(first: 100) { edges { node { id name __typename } } }
        } }
        pageInfo { endCursor hasNextPage hasPreviousPage startCursor }
      }
    }
    """

    response = staff_api_client.post_graphql(
        query, {"first": 100}, permissions=[permission_manage_products]
    )

    assert response.status_code == 200, response.content
    assert json.loads(response.content)["data"]["warehouses"]["edges"] == []


def test_a_storefront_search_passes(api_client, o2o_active, store):
    query = """
    query Nearby($first: Int) {
      stores(first: $first, near: {latitude: 48.8566, longitude: 2.3522}) {
        totalCount
        edges { node {
          id name distanceKm isOpenNow nextOpening services
          address { streetAddress1 city postalCode country { code } }
          openingHours { weekday opens closes closesNextDay }
          openingHoursExceptions { date name isClosed }
        } }
        pageInfo { hasNextPage endCursor }
      }
    }
    """

    response = api_client.post_graphql(query, {"first": 100})

    assert response.status_code == 200, response.content
    nodes = json.loads(response.content)["data"]["stores"]["edges"]
    assert [edge["node"]["name"] for edge in nodes] == [store.name]
