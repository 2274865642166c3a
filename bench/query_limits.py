#!/usr/bin/env python
"""Query-limits benchmark: what the limits of saleor_o2o.core.limits cost and bound.

In one process, with the composed schema (no database, no resolver runs):

* validation time of the documents that make graphql-core's validation slowest
  (fields answering under one name, fragment pairs, conflicting fields), at the
  default selection limit, and the time to refuse the same shapes just above it;
* memory a cached document really takes (tracemalloc: text, AST, validation,
  measures) against `graphql_backend.estimated_bytes`, for documents of 10 to
  25,000 nodes;
* the memory of a cache filled past its byte budget with the heaviest shape.

Run it from outside the checkout (its graphql/ folder shadows graphql-core)::

    cd /tmp && /work/main/.venv/bin/python /work/main/bench/query_limits.py [--quick]
"""

import argparse
import gc
import os
import sys
import time
import tracemalloc
from typing import Callable, Dict, Tuple

CHECKOUT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:] = [
    path for path in sys.path if os.path.abspath(path or os.getcwd()) != CHECKOUT_ROOT
]

#: An operation name no document has: validation runs, then graphql-core refuses
#: to execute, so no resolver (and no database) is needed.
NO_OPERATION = "BenchNoSuchOperation"
#: The lines with the ratios the benchmark is for, as regular expressions: every
#: run prints them, quick or full (tests/test_benchmarks.py runs it with --quick
#: and looks for each).
RATIO_LINES = (
    r"^  fragment pairs +\d+ chars +\S+ ms  \['TOO_MANY_SELECTIONS'\]$",
    r"^  int list .* estimate/measured \S+$",
    r"^  lowest estimate/measured: \S+ \(.+\)$",
    r"^  kept \d+ documents, estimated \S+ MB, measured \S+ MB",
)


def slow_shapes(selections: int) -> Dict[str, str]:
    """Documents of about ``selections`` selections that validate slowest."""
    half = (selections - 1) // 2  # `shop`, then a spread and a field per fragment.
    spreads = " ".join(f"...F{i}" for i in range(half))
    return {
        "one field repeated": "{ shop { " + "name " * (selections - 1) + "} }",
        "one list repeated": "{ "
        + "products(first: 1) { edges { node { name } } } " * (selections // 4)
        + "}",
        "conflicting aliases": "{ shop { "
        + " ".join(
            f"a: {'name' if i % 2 else 'description'}" for i in range(selections - 1)
        )
        + " } }",
        "fragment pairs": "{ shop { "
        + spreads
        + " } } "
        + " ".join(f"fragment F{i} on Shop {{ name }}" for i in range(half)),
    }


def memory_shapes(scale: int) -> Dict[str, str]:
    """Documents of various kinds, about ``scale`` selections or items large."""
    return {
        "tiny": "{ shop { name } }",
        "aliases": "{ shop { " + " ".join(f"a{i}: name" for i in range(scale)) + " } }",
        "long string": '{ products(first: 1, filter: {search: "'
        + "x" * (scale * 80)
        + '"}) { edges { node { name } } } }',
        "id list": "{ productVariants(first: 5, ids: ["
        + ",".join(f'"UHJvZHVjdFZhcmlhbnQ6{i}"' for i in range(scale * 3))
        + "]) { edges { node { id } } } }",
        "int list": "{ productVariants(first: 5, ids: ["
        + "1," * (scale * 48)
        + "]) { edges { node { id } } } }",
        "object list": "{ products(first: 1, filter: {attributes: ["
        + ",".join('{slug: "a", values: ["b"]}' for _ in range(scale * 3))
        + "]}) { edges { node { id } } } }",
        "variables": "query("
        + " ".join(f"$v{i}: Int" for i in range(scale * 4))
        + ") { shop { name } }",
        "invalid fields": "{ shop { "
        + " ".join(f"x{i}" for i in range(scale))
        + " } }",
    }


def run_document(backend, schema, query: str) -> list:
    """Parse, check and validate ``query`` as a request would; return the errors."""
    from graphql.error import GraphQLError

    document = backend.document_from_string(schema, query)
    try:
        result = document.execute(operation_name=NO_OPERATION)
    except GraphQLError as error:  # No such operation: nothing runs.
        return [error]
    return result.errors or []


def time_validation(schema, label: str, query: str) -> None:
    from saleor_o2o.graphql.core.backend import ValidatedDocumentBackend

    best = float("inf")
    for _ in range(3):
        backend = ValidatedDocumentBackend()
        started = time.perf_counter()
        errors = run_document(backend, schema, query)
        best = min(best, time.perf_counter() - started)
    codes = sorted(
        {
            getattr(getattr(error, "original_error", None), "code", "validated")
            for error in errors
        }
    )
    print(f"  {label:22} {len(query):7} chars  {best * 1000:8.1f} ms  {codes}")


def retained_bytes(build: Callable[[], object]) -> Tuple[int, object]:
    """Return the memory what ``build()`` returns still holds, and that."""
    gc.collect()
    tracemalloc.start()
    kept = build()
    gc.collect()
    current, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return current, kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller documents")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saleor_o2o.sandbox.settings")
    os.environ["DEBUG"] = "False"
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    os.environ.setdefault("ALLOWED_CLIENT_HOSTS", "localhost")
    import django

    django.setup()
    from graphql.language.base import parse

    from saleor_o2o.core import limits
    from saleor_o2o.graphql.api import schema
    from saleor_o2o.graphql.core.backend import (
        ValidatedDocumentBackend,
        estimated_bytes,
    )
    from saleor_o2o.graphql.core.query_cost import document_size

    max_selections = limits.query_limits().max_selections
    print(f"Validation at the selection limit ({max_selections}), best of 3:")
    for label, query in slow_shapes(max_selections).items():
        time_validation(schema, label, query)
    print("The same shapes twice as large (refused before validation):")
    for label, query in slow_shapes(max_selections * 2).items():
        time_validation(schema, label, query)

    scale = 100 if args.quick else 500
    # Every document validated and kept, whatever its size: no limit but length.
    from django.conf import settings

    for name in ("SELECTIONS", "DEPTH", "ALIASES", "COST"):
        setattr(settings, f"O2O_QUERY_MAX_{name}", None)
    print("\nMemory of one cached document (tracemalloc) against the estimate:")
    worst_ratio, heaviest = float("inf"), ""
    for label, query in memory_shapes(scale).items():
        query = "".join(list(query))  # A string of its own, as a request's.

        def build(query=query):
            backend = ValidatedDocumentBackend(max_bytes=1 << 40)
            run_document(backend, schema, query)
            return backend

        measured, _ = retained_bytes(build)
        estimate = estimated_bytes(query, document_size(parse(query)))
        ratio = estimate / measured
        if ratio < worst_ratio:
            worst_ratio, heaviest = ratio, label
        print(
            f"  {label:15} {len(query):7} chars {document_size(parse(query)).nodes:6}"
            f" nodes  measured {measured / 1024:8.1f} kB  estimate"
            f" {estimate / 1024:8.1f} kB  estimate/measured {ratio:.2f}"
        )
    print(f"  lowest estimate/measured: {worst_ratio:.2f} ({heaviest})")

    budget = (4 if args.quick else 32) * 1024 * 1024
    documents = 100 if args.quick else 300
    print(
        f"\nA cache with a {budget >> 20} MB budget offered {documents} distinct"
        " 'aliases' documents:"
    )

    def fill():
        backend = ValidatedDocumentBackend(max_documents=documents, max_bytes=budget)
        for index in range(documents):
            query = memory_shapes(scale)["aliases"].replace(
                "{ shop {", f"{{ shop {{ n{index}: name", 1
            )
            run_document(backend, schema, query)
        return backend

    started = time.perf_counter()
    measured, backend = retained_bytes(fill)
    elapsed = time.perf_counter() - started
    print(
        f"  kept {len(backend._documents)} documents, estimated"
        f" {backend.cached_bytes / 2**20:.1f} MB, measured {measured / 2**20:.1f} MB"
        f" (budget {budget / 2**20:.0f} MB), in {elapsed:.1f} s"
    )


if __name__ == "__main__":
    main()
