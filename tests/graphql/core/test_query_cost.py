"""Measuring documents before they run: depth, aliases, pages, cost."""

import pytest
from graphql.language.base import parse
from graphql.utils.introspection_query import introspection_query

from saleor_o2o.graphql.api import schema
from saleor_o2o.graphql.core.query_cost import (
    DocumentSize,
    Page,
    document_size,
    measure_operation,
)


def measure(query, variables=None, operation_name=None, list_size=10):
    return measure_operation(
        schema,
        parse(query),
        operation_name,
        variables=variables,
        list_size=list_size,
    )


def test_the_example_of_the_module():
    query = "{ products(first: 20) { edges { node { name variants { sku } } } } }"

    measured = measure(query, list_size=2)

    assert measured.cost == 121
    assert measured.depth == 5
    assert measured.largest_page == Page(size=20, argument="first", field="products")
    assert not measured.reads_variables


def test_every_field_costs_one_and_typename_nothing():
    assert measure("{ shop { name description } }").cost == 3
    assert measure("{ shop { name __typename } __typename }").cost == 2


def test_depth_counts_fields_through_fragments():
    query = """
    query { shop { ...A } }
    fragment A on Shop { defaultCountry { ...B } }
    fragment B on CountryDisplay { vat { reducedRates { rate } } }
    """

    assert measure(query).depth == 5


def test_inline_fragments_add_no_depth_and_keep_their_type():
    query = (
        "{ _entities(representations: []) "
        "{ ... on Product { name variants { sku } } } }"
    )

    measured = measure(query)

    assert measured.depth == 3
    # variants is a list of Product: counted as list_size items.
    assert measured.cost == 1 + 10 * (1 + (1 + 10 * 1))


def test_aliases_count_each_time_their_fragment_is_spread():
    query = """
    { first: shop { ...Names } second: shop { ...Names } }
    fragment Names on Shop { a: name b: name }
    """

    assert measure(query).aliases == 6


def test_a_paginated_field_without_a_page_counts_as_a_full_page():
    measured = measure("{ products { totalCount } }")

    assert measured.cost == 1 + 100 * 1
    assert measured.largest_page is None


def test_the_argument_default_sizes_a_list():
    query = "{ offers(near: {latitude: 1, longitude: 2}) { distanceKm } }"

    measured = measure(query)

    assert measured.cost == 1 + 10 * 1
    assert measured.largest_page == Page(size=10, argument="first", field="offers")


def test_a_connections_edges_are_its_page():
    query = "{ stores(first: 7) { edges { node { name } } pageInfo { hasNextPage } } }"

    assert measure(query, list_size=1000).cost == 1 + 7 * ((1 + (1 + 1)) + (1 + 1))


def test_nested_pages_multiply():
    query = """
    { categories(first: 100) { edges { node {
        products(first: 100) { edges { node { id name slug } } }
    } } } }
    """

    assert measure(query).cost == 1 + 100 * (1 + (1 + (1 + 100 * (1 + (1 + 3)))))


def test_a_list_argument_sizes_a_list_above_the_default():
    representations = ", ".join('{__typename: "Product", id: "x"}' for _ in range(50))
    query = (
        "{ _entities(representations: [%s]) { __typename ... on Product { name } } }"
    )

    assert measure(query % representations).cost == 1 + 50 * 1
    assert measure(query % "").cost == 1 + 10 * 1


def test_introspection_lists_count_once():
    measured = measure(introspection_query)

    assert measured.depth == 13
    assert measured.cost < 300


def test_variables_size_pages_and_are_flagged():
    query = """
    query($n: Int, $m: Int = 30) {
      a: products(first: $n) { edges { node { id } } }
      b: products(last: $m) { edges { node { id } } }
    }
    """

    without = measure(query)
    given = measure(query, {"n": 50})
    both = measure(query, {"n": 5, "m": 6})

    assert without.reads_variables
    assert without.largest_page == Page(size=30, argument="last", field="products")
    assert without.cost == (1 + 100 * 3) + (1 + 30 * 3)
    assert given.largest_page == Page(size=50, argument="first", field="products")
    assert both.cost == (1 + 5 * 3) + (1 + 6 * 3)


@pytest.mark.parametrize("value", ["100", 1.5, True, None, [1]])
def test_variables_that_are_not_whole_numbers_count_as_missing(value):
    query = "query($n: Int) { products(first: $n) { edges { node { id } } } }"

    measured = measure(query, {"n": value})

    assert measured.largest_page is None
    assert measured.cost == 1 + 100 * 3


def test_negative_pages_count_as_empty():
    measured = measure("{ products(first: -5) { edges { node { id } } } }")

    assert measured.cost == 1


def test_the_operation_that_runs_is_measured():
    query = """
    query Small { shop { name } }
    query Large { products(first: 100) { edges { node { id } } } }
    """

    assert measure(query, operation_name="Small").cost == 2
    assert measure(query, operation_name="Large").cost == 301
    assert measure(query) is None  # Two operations and no name: none runs.
    assert measure(query, operation_name="Other") is None


def test_mutations_are_measured_from_the_mutation_type():
    query = (
        'mutation { tokenCreate(email: "a", password: "b") { token user { email } } }'
    )

    assert measure(query).cost == 4


def test_documents_validation_would_refuse_are_measured_leniently():
    query = """
    { shop { nope { deeper } ...Loop ...Missing } }
    fragment Loop on Shop { name ...Loop }
    """

    measured = measure(query)

    assert measured.depth == 3
    assert measured.cost == 1 + (1 + 1) + 1


def test_fragments_spread_many_times_are_measured_once():
    # Each fragment spreads the next twice: 2**60 fields once expanded.
    levels = 60
    fragments = " ".join(
        f"fragment F{i} on Shop {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)
    )
    query = (
        "{ shop { ...F0 } } " + fragments + f" fragment F{levels} on Shop {{ name }}"
    )

    measured = measure(query)

    assert measured.cost == 1 + 2**levels


def test_document_size_counts_nodes_and_selections():
    document = parse(
        'query($n: Int) { shop { name } products(first: $n, filter: {search: "x"}) '
        "{ edges { node { ... on Product { id } ...F } } } } "
        "fragment F on Product { slug }"
    )

    size = document_size(document)

    assert size.selections == 9
    assert size == DocumentSize(nodes=size.nodes, selections=9)
    assert size.nodes > size.selections
