import json

import graphene
import pytest

from saleor_o2o.graphql.core import backend as graphql_backend
from saleor_o2o.graphql.core.backend import ValidatedDocumentBackend
from saleor_o2o.graphql.core.query_cost import document_size


class Query(graphene.ObjectType):
    hello = graphene.String(name=graphene.String(default_value="world"))

    def resolve_hello(self, _info, name):
        return f"hello {name}"


SCHEMA = graphene.Schema(query=Query)


def count_validations(monkeypatch):
    calls = []
    real = graphql_backend.validate

    def counting(schema, ast):
        calls.append(ast)
        return real(schema, ast)

    monkeypatch.setattr(graphql_backend, "validate", counting)
    return calls


def test_each_distinct_query_is_validated_once(monkeypatch):
    calls = count_validations(monkeypatch)
    backend = ValidatedDocumentBackend()
    query = "query($n: String) { hello(name: $n) }"
    for name in ("ann", "bob"):
        result = backend.document_from_string(SCHEMA, query).execute(
            variables={"n": name}
        )
        assert result.data == {"hello": f"hello {name}"}
    assert len(calls) == 1


def test_invalid_queries_keep_answering_their_errors(monkeypatch):
    calls = count_validations(monkeypatch)
    backend = ValidatedDocumentBackend()
    for _ in range(2):
        result = backend.document_from_string(SCHEMA, "{ goodbye }").execute()
        assert result.invalid
        assert "Cannot query field" in result.errors[0].message
    assert len(calls) == 1


def test_the_cache_is_bounded(monkeypatch):
    calls = count_validations(monkeypatch)
    backend = ValidatedDocumentBackend(max_documents=2)
    queries = ['{ hello(name: "%d") }' % i for i in range(3)]
    for query in queries:
        backend.document_from_string(SCHEMA, query).execute()
    # Evicted: validated again.
    backend.document_from_string(SCHEMA, queries[0]).execute()
    assert len(calls) == 4
    assert len(backend._documents) == 2


def test_the_api_answers_a_repeated_query_with_fresh_data(
    api_client, o2o_active, store
):
    query = "query($slug: String) { store(slug: $slug) { name } }"
    for _ in range(2):
        response = api_client.post_graphql(query, {"slug": store.slug})
        assert json.loads(response.content)["data"]["store"]["name"] == store.name
    store.name = "Renamed"
    store.save()
    response = api_client.post_graphql(query, {"slug": store.slug})
    assert json.loads(response.content)["data"]["store"]["name"] == "Renamed"


def test_execution_goes_through_graphql_cores_backend(monkeypatch, api_client):
    """As Saleor's own tests expect (tests/api/test_view.py): an error raised while
    executing is answered with HTTP 400 and its message."""

    def failing(*args, **kwargs):
        raise IOError("Spanish inquisition")

    monkeypatch.setattr("graphql.backend.core.execute_and_validate", failing)
    response = api_client.post_graphql("{ shop { name } }")
    assert response.status_code == 400
    assert json.loads(response.content)["errors"][0]["message"] == (
        "Spanish inquisition"
    )


@pytest.mark.parametrize(
    "query",
    [
        '{ store(slug: "x") { pickupSlots(date: "") { start } } }',
        'mutation { storeCreate(input: {name: "S", openingHours: [{weekday: MONDAY, '
        'opens: "", closes: "10:00"}]}) { store { id } } }',
        "fragment A on Shop { name ...A } { shop { ...A } }",
        "{ shop { " + "__typename " * 3 + "} " + "}",
        "{ " + "shop { " * 192 + "name" + " }" * 192 + " }",
        "{ " + "shop { " * 3000 + "name" + " }" * 3000 + " }",
    ],
    ids=[
        "empty date",
        "empty time",
        "fragment cycle",
        "valid",
        "192 deep",
        "3000 deep",
    ],
)
def test_malformed_documents_are_answered_as_saleor_answers_them(
    api_client, o2o_active, query
):
    response = api_client.post_graphql(query)
    answer = json.loads(response.content)
    if answer.get("data") and not answer.get("errors"):
        assert response.status_code == 200
        return
    assert response.status_code == 400, response.content[:500]
    assert answer["errors"], answer


# Limits measured once per document, validation errors capped.


class PagedQuery(graphene.ObjectType):
    items = graphene.List(graphene.String, first=graphene.Int(default_value=3))

    def resolve_items(self, _info, first):
        return [str(index) for index in range(first)]


PAGED_SCHEMA = graphene.Schema(query=PagedQuery)


def count_measures(monkeypatch):
    calls = []
    real = graphql_backend.measure_operation

    def counting(*args, **kwargs):
        calls.append(kwargs.get("variables"))
        return real(*args, **kwargs)

    monkeypatch.setattr(graphql_backend, "measure_operation", counting)
    return calls


def test_a_document_is_measured_once_when_no_variable_sizes_a_list(monkeypatch):
    calls = count_measures(monkeypatch)
    backend = ValidatedDocumentBackend()
    for _ in range(3):
        result = backend.document_from_string(PAGED_SCHEMA, "{ items }").execute()
        assert result.data == {"items": ["0", "1", "2"]}
    assert len(calls) == 1


def test_a_page_in_a_variable_is_measured_on_each_request(monkeypatch):
    calls = count_measures(monkeypatch)
    backend = ValidatedDocumentBackend()
    query = "query($n: Int) { items(first: $n) }"
    for size in (1, 2):
        document = backend.document_from_string(PAGED_SCHEMA, query)
        assert document.execute(variables={"n": size}).data == {
            "items": [str(index) for index in range(size)]
        }
    refused = backend.document_from_string(PAGED_SCHEMA, query).execute(
        variables={"n": 101}
    )
    assert refused.invalid
    assert refused.errors[0].original_error.code == "OUT_OF_RANGE"
    # Once for the document, then once per request with its variables.
    assert calls == [None, {"n": 1}, {"n": 2}, {"n": 101}]


def test_validation_stops_after_a_hundred_errors():
    backend = ValidatedDocumentBackend()
    query = "{ " + " ".join(f"unknown{index}" for index in range(150)) + " }"

    result = backend.document_from_string(SCHEMA, query).execute()

    assert result.invalid
    assert len(result.errors) == graphql_backend.MAX_VALIDATION_ERRORS + 1
    assert "Cannot query field" in result.errors[0].message
    assert result.errors[-1].message == (
        "Too many validation errors: validation stopped after 100."
    )


# The cache bounded in (estimated) bytes.


def names_query(index: int, size: int = 20) -> str:
    """A query whose estimated size depends on ``size`` only."""
    return "{ " + " ".join(f"q{index}_{n}: hello" for n in range(size)) + " }"


def estimate_of(query: str) -> int:
    from graphql.language.base import parse

    return graphql_backend.estimated_bytes(query, document_size(parse(query)))


def test_the_cache_is_bounded_in_bytes_least_recently_used_first():
    cost = estimate_of(names_query(0))
    backend = ValidatedDocumentBackend(max_bytes=cost * 2 + cost // 2)
    first, second, third = (
        backend.document_from_string(SCHEMA, names_query(index)) for index in range(3)
    )
    assert [doc.document_string for doc, _ in backend._documents.values()] == [
        second.document_string,
        third.document_string,
    ]
    # Using `second` keeps it; the next document evicts `third`.
    assert backend.document_from_string(SCHEMA, names_query(1)) is second
    backend.document_from_string(SCHEMA, names_query(3))
    kept = [doc.document_string for doc, _ in backend._documents.values()]
    assert kept == [names_query(1), names_query(3)]
    assert backend.cached_bytes == 2 * cost <= backend.max_bytes


def test_a_document_larger_than_the_budget_is_answered_but_not_kept():
    backend = ValidatedDocumentBackend(max_bytes=estimate_of(names_query(0)) - 1)

    result = backend.document_from_string(SCHEMA, names_query(0)).execute()

    assert result.data["q0_0"] == "hello world"
    assert len(backend._documents) == 0
    assert backend.cached_bytes == 0


def test_the_budget_is_the_setting_by_default(settings):
    cost = estimate_of(names_query(0))
    settings.O2O_DOCUMENT_CACHE_BYTES = cost * 3
    backend = ValidatedDocumentBackend()

    for index in range(5):
        backend.document_from_string(SCHEMA, names_query(index))

    assert len(backend._documents) == 3
    assert backend.cached_bytes == 3 * cost


#: Documents of very different kinds: many values, many fields, errors, long text.
MEMORY_SHAPES = {
    "values": "{ productVariants(first: 5, ids: ["
    + "1," * 4000
    + "]) { totalCount } }",
    "fields": "{ shop { " + " ".join(f"a{i}: name" for i in range(400)) + " } }",
    "errors": "{ shop { " + " ".join(f"x{i}" for i in range(300)) + " } }",
    "text": '{ products(first: 1, filter: {search: "' + "x" * 20_000 + '"}) '
    "{ totalCount } }",
}


@pytest.mark.parametrize("query", MEMORY_SHAPES.values(), ids=MEMORY_SHAPES.keys())
def test_the_estimate_covers_what_a_document_takes(query, settings):
    """Measured with tracemalloc, as bench/query_limits.py does at other sizes."""
    import gc
    import tracemalloc

    from graphql.error import GraphQLError

    from saleor_o2o.graphql.api import schema

    settings.O2O_QUERY_MAX_ALIASES = None
    query = "".join(list(query))  # A string of its own, as a request's.
    backend = ValidatedDocumentBackend()
    gc.collect()
    tracemalloc.start()
    document = backend.document_from_string(schema, query)
    try:
        document.execute(operation_name="NoSuchOperation")
    except GraphQLError:
        pass  # Validated; then no operation of that name runs.
    gc.collect()
    measured, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert measured <= backend.cached_bytes <= 3 * measured
