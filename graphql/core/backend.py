"""A graphql-core backend that holds each request to the endpoint's limits, and
parses and validates each distinct query once.

graphql-core 2 parses and validates the document on every request. Both depend only
on the schema and the query text, and storefronts send the same few query strings
over and over, so the result is kept in an LRU cache bounded in entries and in
estimated memory. Variables are not part of the key: they are applied at execution,
as before.

Validation runs when the document is first executed, as graphql-core's own backend
does it (``graphql.backend.core.execute_and_validate``, called at execution), so it
happens inside Saleor's error handling: a document that breaks validation, or that
is nested too deeply to be validated, is answered with HTTP 400 and its errors,
never a server error.

The limits of `saleor_o2o.core.limits` are checked before any resolver runs and refused
the same way, with an ``extensions.code``:

- ``QUERY_TOO_LONG`` before the text is parsed;
- ``TOO_MANY_SELECTIONS`` before validation, whose time grows with the square of
  the fields that answer under one name;
- ``QUERY_TOO_DEEP``, ``TOO_MANY_ALIASES``, then ``OUT_OF_RANGE`` (a `first`/`last`
  above `limits.MAX_PAGE_SIZE`) and ``QUERY_TOO_COSTLY`` for the operation that
  runs: measured once per document and operation, and again with the request's
  variables when they set a list's size.
"""

import threading
from collections import OrderedDict
from functools import partial
from typing import Dict, Hashable, List, Mapping, Optional, Tuple

import graphql.backend.core
from graphql.backend.base import GraphQLDocument
from graphql.backend.core import GraphQLCoreBackend
from graphql.error import GraphQLError
from graphql.execution import ExecutionResult
from graphql.language.base import parse
from graphql.language.visitor import ParallelVisitor, TypeInfoVisitor, visit
from graphql.utils.type_info import TypeInfo
from graphql.validation.rules import specified_rules
from graphql.validation.validation import ValidationContext

from saleor_o2o.core import limits
from saleor_o2o.core.errors import QueryTooComplex
from saleor_o2o.graphql.core.query_cost import (
    DocumentSize,
    OperationMeasure,
    document_size,
    measure_operation,
)

#: Distinct query strings kept; storefronts use a few dozen.
DEFAULT_MAX_DOCUMENTS = 500
#: Longer queries are not cached (and not kept in memory).
MAX_CACHED_QUERY_LENGTH = 50_000

#: Validation errors answered for one document; validation stops there (as
#: graphql-js's ``maxErrors``). 250 conflicting fields made 15,625 errors (8 MB).
MAX_VALIDATION_ERRORS = 100

#: What a cached document costs in memory, estimated from its text and AST. Measured
#: with tracemalloc (text, AST, validation, measures) on documents of 8 to 24,000
#: nodes (bench/query_limits.py): 170-280 bytes a node, about 400 a validation error
#: (at most `MAX_VALIDATION_ERRORS`, counted as if the document had them); the text
#: is held twice (the query, and the names and values parsed from it); 6 kB for the
#: smallest document. The estimate came out 1.3 to 1.9 times the measure.
BYTES_PER_NODE = 300
BYTES_PER_ERROR = 400
BYTES_PER_CHARACTER = 2
BYTES_PER_DOCUMENT = 4096


def estimated_bytes(document_string: str, size: DocumentSize) -> int:
    """Return the memory a cached document is counted as taking."""
    return (
        BYTES_PER_DOCUMENT
        + BYTES_PER_CHARACTER * len(document_string)
        + BYTES_PER_NODE * size.nodes
        + BYTES_PER_ERROR * min(size.nodes, MAX_VALIDATION_ERRORS)
    )


class _TooManyErrors(Exception):
    pass


class _CappedValidationContext(ValidationContext):
    __slots__ = ()

    def report_error(self, error):
        super().report_error(error)
        if len(self.get_errors()) >= MAX_VALIDATION_ERRORS:
            raise _TooManyErrors


def validate(schema, document_ast) -> List[GraphQLError]:
    """Validate as graphql-core does, stopping at `MAX_VALIDATION_ERRORS` errors."""
    type_info = TypeInfo(schema)
    context = _CappedValidationContext(schema, document_ast, type_info)
    visitors = [rule(context) for rule in specified_rules]
    try:
        visit(document_ast, TypeInfoVisitor(type_info, ParallelVisitor(visitors)))
    except _TooManyErrors:
        return [
            *context.get_errors(),
            GraphQLError(
                f"Too many validation errors: validation stopped after "
                f"{MAX_VALIDATION_ERRORS}."
            ),
        ]
    return context.get_errors()


class _Checks:
    """What is known of one document, computed once: its size, the measures of its
    operations, the outcome of validation."""

    def __init__(self, size: DocumentSize) -> None:
        self.size = size
        self.errors: Optional[List[GraphQLError]] = None
        self.measures: Dict[Tuple[Optional[str], int], OperationMeasure] = {}
        self.lock = threading.Lock()

    def measure(
        self, schema, document_ast, operation_name: Optional[str], list_size: int
    ) -> Optional[OperationMeasure]:
        key = (operation_name, list_size)
        with self.lock:
            measure = self.measures.get(key)
            if measure is None:
                measure = measure_operation(
                    schema, document_ast, operation_name, list_size=list_size
                )
                if measure is not None:  # Only names the document has are kept.
                    self.measures[key] = measure
        return measure


#: What graphene's scalars raise for a value they cannot read.
_COERCION_ERRORS = (ValueError, TypeError, IndexError, OverflowError, ArithmeticError)


def _too_deep(what: str) -> GraphQLError:
    return GraphQLError(f"The query is nested too deeply to be {what}.")


def _parse(document_string: str):
    try:
        return parse(document_string)  # Syntax errors propagate: Saleor answers 400.
    except RecursionError:
        raise ValueError(str(_too_deep("read")))


def refusal(error: QueryTooComplex) -> ExecutionResult:
    """Return the answer to a request refused before it runs (HTTP 400)."""
    graphql_error = GraphQLError(error.message)
    graphql_error.original_error = error  # Formatted with its code by the view.
    return ExecutionResult(errors=[graphql_error], invalid=True)


def _over(value: int, limit: Optional[int]) -> bool:
    return limit is not None and value > limit


def _limits_error(
    schema,
    document_ast,
    checks: _Checks,
    *,
    operation_name: Optional[str],
    variables: Optional[Mapping],
    query_limits: limits.QueryLimits,
) -> Optional[QueryTooComplex]:
    """Return why the request is refused before it runs, if it is."""
    selections = checks.size.selections
    if _over(selections, query_limits.max_selections):
        return QueryTooComplex(
            f"The query has {selections} selections (fields and fragments); at "
            f"most {query_limits.max_selections} are accepted.",
            code="TOO_MANY_SELECTIONS",
        )
    try:
        measure = checks.measure(
            schema, document_ast, operation_name, query_limits.list_size
        )
    except RecursionError:
        return QueryTooComplex(str(_too_deep("measured")), code="QUERY_TOO_DEEP")
    if measure is None:
        return None  # No operation runs: graphql-core says why.
    if _over(measure.depth, query_limits.max_depth):
        return QueryTooComplex(
            f"The query nests fields {measure.depth} deep; at most "
            f"{query_limits.max_depth} levels are accepted.",
            code="QUERY_TOO_DEEP",
        )
    if _over(measure.aliases, query_limits.max_aliases):
        return QueryTooComplex(
            f"The query has {measure.aliases} aliased fields; at most "
            f"{query_limits.max_aliases} are accepted.",
            code="TOO_MANY_ALIASES",
        )
    if measure.reads_variables:
        measure = measure_operation(
            schema,
            document_ast,
            operation_name,
            variables=variables,
            list_size=query_limits.list_size,
        )
    page = measure.largest_page if measure else None
    if page is not None and page.size > limits.MAX_PAGE_SIZE:
        return QueryTooComplex(
            f"Requesting {page.size} records on `{page.field}` exceeds the "
            f"`{page.argument}` limit of {limits.MAX_PAGE_SIZE} records.",
            field=page.argument,
            code="OUT_OF_RANGE",
        )
    if measure is not None and _over(measure.cost, query_limits.max_cost):
        return QueryTooComplex(
            f"The query could cost {measure.cost} (fields, times the items of the "
            f"lists they are in); at most {query_limits.max_cost} is accepted: ask "
            "for smaller pages or fewer fields.",
            code="QUERY_TOO_COSTLY",
        )
    return None


def _execute(schema, document_ast, checks: _Checks, *args, **kwargs):
    """Check the limits, validate the document once, then execute it through
    graphql-core's backend."""
    refused = _limits_error(
        schema,
        document_ast,
        checks,
        operation_name=kwargs.get("operation_name"),
        variables=kwargs.get("variable_values", kwargs.get("variables")),
        query_limits=limits.query_limits(),
    )
    if refused is not None:
        return refusal(refused)
    with checks.lock:
        if checks.errors is None:
            try:
                checks.errors = validate(schema, document_ast)
            except RecursionError:
                checks.errors = [_too_deep("checked")]
    if checks.errors:
        return ExecutionResult(errors=checks.errors, invalid=True)
    kwargs["validate"] = False
    try:
        # Looked up at call time, as graphql-core's own backend does.
        return graphql.backend.core.execute_and_validate(
            schema, document_ast, *args, **kwargs
        )
    except _COERCION_ERRORS as error:
        # Raised before any field runs (errors of fields are in the result): a
        # variable's value that its scalar type cannot read, such as "" for a UUID.
        return ExecutionResult(
            errors=[GraphQLError(f"Invalid variable value: {error}")], invalid=True
        )


class ValidatedDocumentBackend(GraphQLCoreBackend):
    """The backend of ``/graphql/``: limits, and a cache of validated documents.

    ``max_bytes`` bounds the cache's estimated memory (`estimated_bytes`); by
    default the ``O2O_DOCUMENT_CACHE_BYTES`` setting, read as documents are added.
    """

    def __init__(
        self,
        max_documents: int = DEFAULT_MAX_DOCUMENTS,
        max_bytes: Optional[int] = None,
    ) -> None:
        super().__init__()
        self.max_documents = max_documents
        self.max_bytes = max_bytes
        self._documents: "OrderedDict[Hashable, Tuple[GraphQLDocument, int]]" = (
            OrderedDict()
        )
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def cached_bytes(self) -> int:
        """Return the estimated memory the cached documents take."""
        return self._bytes

    def document_from_string(self, schema, document_string):
        if not isinstance(document_string, str):
            return super().document_from_string(schema, document_string)
        max_length = limits.query_limits().max_length
        if _over(len(document_string), max_length):
            # A ValueError: Saleor answers it with HTTP 400, as a syntax error.
            raise QueryTooComplex(
                f"The query has {len(document_string)} characters; at most "
                f"{max_length} are accepted.",
                code="QUERY_TOO_LONG",
            )
        if len(document_string) > MAX_CACHED_QUERY_LENGTH:
            return self._build(schema, document_string)[0]
        key: Hashable = (id(schema), document_string)
        with self._lock:
            entry = self._documents.get(key)
            if entry is not None:
                self._documents.move_to_end(key)
                return entry[0]
        document, size = self._build(schema, document_string)
        self._keep(key, document, estimated_bytes(document_string, size))
        return document

    def _keep(self, key: Hashable, document: GraphQLDocument, cost: int) -> None:
        budget = self.max_bytes
        if budget is None:
            budget = limits.document_cache_bytes()
        if cost > budget:
            return  # Would push out everything else: served, not kept.
        with self._lock:
            previous = self._documents.pop(key, None)
            if previous is not None:  # Built twice at once: keep one.
                self._bytes -= previous[1]
            self._documents[key] = (document, cost)
            self._bytes += cost
            while self._bytes > budget or len(self._documents) > self.max_documents:
                _, (_, evicted_cost) = self._documents.popitem(last=False)
                self._bytes -= evicted_cost

    def _build(
        self, schema, document_string: str
    ) -> Tuple[GraphQLDocument, DocumentSize]:
        document_ast = _parse(document_string)
        size = document_size(document_ast)
        document = GraphQLDocument(
            schema=schema,
            document_string=document_string,
            document_ast=document_ast,
            execute=partial(
                _execute, schema, document_ast, _Checks(size), **self.execute_params
            ),
        )
        return document, size
