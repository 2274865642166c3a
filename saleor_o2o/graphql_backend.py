"""A graphql-core backend that parses and validates each distinct query once.

graphql-core 2 parses and validates the document on every request. Both depend only
on the schema and the query text, and storefronts send the same few query strings
over and over, so the result is kept in a bounded LRU cache. Variables are not part
of the key: they are applied at execution, as before.
"""

import threading
from collections import OrderedDict
from functools import partial
from typing import Hashable, Tuple

from graphql.backend.base import GraphQLDocument
from graphql.backend.core import GraphQLCoreBackend
from graphql.execution import ExecutionResult, execute
from graphql.language.base import parse
from graphql.validation import validate

#: Distinct query strings kept; storefronts use a few dozen.
DEFAULT_MAX_DOCUMENTS = 500
#: Longer queries are not cached (and not kept in memory).
MAX_CACHED_QUERY_LENGTH = 50_000


class ValidatedDocumentBackend(GraphQLCoreBackend):
    def __init__(self, max_documents: int = DEFAULT_MAX_DOCUMENTS) -> None:
        super().__init__()
        self.max_documents = max_documents
        self._documents: "OrderedDict[Tuple[int, str], GraphQLDocument]" = OrderedDict()
        self._lock = threading.Lock()

    def document_from_string(self, schema, document_string):
        if not isinstance(document_string, str) or (
            len(document_string) > MAX_CACHED_QUERY_LENGTH
        ):
            return super().document_from_string(schema, document_string)
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
        document_ast = parse(document_string)  # Syntax errors propagate, uncached.
        errors = validate(schema, document_ast)
        if errors:
            run = partial(_invalid, errors)
        else:
            run = partial(execute, schema, document_ast, **self.execute_params)
        return GraphQLDocument(
            schema=schema,
            document_string=document_string,
            document_ast=document_ast,
            execute=run,
        )


def _invalid(errors, *args, **kwargs) -> ExecutionResult:
    return ExecutionResult(errors=errors, invalid=True)
