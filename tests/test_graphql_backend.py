import json

import graphene
import pytest

from saleor_o2o import graphql_backend
from saleor_o2o.graphql_backend import ValidatedDocumentBackend


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
