"""Pages of the extension's lists: Relay pagination with typed errors, as in Saleor."""

import graphene
from django.core.exceptions import ValidationError
from django.db import DataError, transaction
from graphql.error import GraphQLError
from saleor.graphql.core.connection import (
    connection_from_queryset_slice,
    from_global_cursor,
)

from saleor_o2o.core.errors import InvalidInput
from saleor_o2o.core.limits import MAX_PAGE_SIZE


def page_args_check(args: dict, *, name: str) -> None:
    """Refuse pagination arguments no page can answer, with typed errors."""
    first, last = args.get("first"), args.get("last")
    if first is None and last is None:
        raise InvalidInput(
            f"Give `first` or `last` to page through `{name}`.",
            field="first",
            code="REQUIRED",
        )
    for field, value in (("first", first), ("last", last)):
        if value is not None and value < 0:
            raise InvalidInput(
                f"`{field}` cannot be negative.", field=field, code="OUT_OF_RANGE"
            )
        if value is not None and value > MAX_PAGE_SIZE:
            raise InvalidInput(
                f"Requesting {value} records on the `{name}` connection exceeds the "
                f"`{field}` limit of {MAX_PAGE_SIZE} records.",
                field=field,
                code="OUT_OF_RANGE",
            )
    if first is not None and last is not None:
        raise InvalidInput("Give `first` or `last`, not both.", field="last")
    if first is not None and args.get("before") is not None:
        raise InvalidInput("`first` pages forward: use `after`.", field="before")
    if last is not None and args.get("after") is not None:
        raise InvalidInput("`last` pages backward: use `before`.", field="after")


def _bad_cursor(field: str) -> InvalidInput:
    return InvalidInput(
        "Not a cursor of this list: use `endCursor` or `startCursor` of a page.",
        field=field,
        code="GRAPHQL_ERROR",
    )


def _cursor_check(cursor: str, field: str) -> None:
    try:
        values = from_global_cursor(cursor)
    except (ValueError, TypeError, UnicodeError):
        raise _bad_cursor(field)
    if not isinstance(values, list) or not all(
        value is None or isinstance(value, str) for value in values
    ):
        raise _bad_cursor(field)


def queryset_page(
    qs, args: dict, *, sort_fields, direction: str, connection_type, name
):
    """Return one page of ``qs`` ordered by ``sort_fields`` (``direction`` "" or "-").

    ``totalCount`` counts the whole queryset.
    """
    page_args_check(args, name=name)
    for field in ("after", "before"):
        if args.get(field) is not None:
            _cursor_check(args[field], field)
    try:
        # A savepoint: a cursor value the database refuses must not end the request's
        # transaction.
        with transaction.atomic():
            connection = connection_from_queryset_slice(
                qs,
                {
                    **args,
                    "sort_by": {"field": list(sort_fields), "direction": direction},
                },
                connection_type=connection_type,
                edge_type=connection_type.Edge,
                pageinfo_type=graphene.relay.PageInfo,
            )
    except (ValidationError, ValueError, TypeError, DataError, GraphQLError):
        raise _bad_cursor("after" if args.get("after") else "before")
    connection.iterable = qs
    return connection
