"""A graphql-core backend that parses and validates each distinct query once.

graphql-core 2 parses and validates the document on every request. Both depend only
on the schema and the query text, and storefronts send the same few query strings
over and over, so the result is kept in a bounded LRU cache. Variables are not part
of the key: they are applied at execution, as before.

Validation runs when the document is first executed, as graphql-core's own backend
does it (``graphql.backend.core.execute_and_validate``, called at execution), so it
happens inside Saleor's error handling: a document that breaks validation, or that
is nested too deeply to be validated, is answered with HTTP 400 and its errors,
never a server error.
"""

import threading
from collections import OrderedDict
from functools import partial
from typing import Hashable, List, Optional, Tuple

import graphql.backend.core
from graphql.backend.base import GraphQLDocument
from graphql.backend.core import GraphQLCoreBackend
from graphql.error import GraphQLError
from graphql.execution import ExecutionResult
from graphql.language.base import parse
from graphql.validation import validate

#: Distinct query strings kept; storefronts use a few dozen.
DEFAULT_MAX_DOCUMENTS = 500
#: Longer queries are not cached (and not kept in memory).
MAX_CACHED_QUERY_LENGTH = 50_000


class _Validation:
    """The outcome of validating one document, computed once."""

    def __init__(self) -> None:
        self.errors: Optional[List[GraphQLError]] = None
        self.lock = threading.Lock()


#: What graphene's scalars raise for a value they cannot read.
_COERCION_ERRORS = (ValueError, TypeError, IndexError, OverflowError, ArithmeticError)


def _too_deep(what: str) -> GraphQLError:
    return GraphQLError(f"The query is nested too deeply to be {what}.")


def _parse(document_string: str):
    try:
        return parse(document_string)  # Syntax errors propagate: Saleor answers 400.
    except RecursionError:
        raise ValueError(str(_too_deep("read")))


def _execute(schema, document_ast, validation: _Validation, *args, **kwargs):
    """Validate the document once, then execute it through graphql-core's backend."""
    with validation.lock:
        if validation.errors is None:
            try:
                validation.errors = validate(schema, document_ast)
            except RecursionError:
                validation.errors = [_too_deep("checked")]
    if validation.errors:
        return ExecutionResult(errors=validation.errors, invalid=True)
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
    def __init__(self, max_documents: int = DEFAULT_MAX_DOCUMENTS) -> None:
        super().__init__()
        self.max_documents = max_documents
        self._documents: "OrderedDict[Tuple[int, str], GraphQLDocument]" = OrderedDict()
        self._lock = threading.Lock()

    def document_from_string(self, schema, document_string):
        if not isinstance(document_string, str):
            return super().document_from_string(schema, document_string)
        if len(document_string) > MAX_CACHED_QUERY_LENGTH:
            return self._build(schema, document_string)
        key: Hashable = (id(schema), document_string)
        with self._lock:
            document = self._documents.get(key)
            if document is not None:
                self._documents.move_to_end(key)
                return document
        document = self._build(schema, document_string)
        with self._lock:
            self._documents[key] = document
            while len(self._documents) > self.max_documents:
                self._documents.popitem(last=False)
        return document

    def _build(self, schema, document_string: str) -> GraphQLDocument:
        document_ast = _parse(document_string)
        return GraphQLDocument(
            schema=schema,
            document_string=document_string,
            document_ast=document_ast,
            execute=partial(
                _execute, schema, document_ast, _Validation(), **self.execute_params
            ),
        )
