"""What the store fields requested read, so stores are loaded with it in a fixed
number of queries (`store.selectors.stores_with_related`)."""

from typing import Dict

from graphql.language import ast

#: Store fields that need the address.
ADDRESS_FIELDS = {"address", "warehouse"}
#: Store fields that need the hours exceptions.
SCHEDULE_FIELDS = {"isOpenNow", "nextOpening", "closesAt", "openingHoursExceptions"}


def requested_fields(info) -> set:
    """Return the names of the fields requested on the store nodes (one level)."""
    names = set()
    pending = list(info.field_asts)
    while pending:
        node = pending.pop()
        for selection in getattr(node.selection_set, "selections", None) or ():
            name = getattr(getattr(selection, "name", None), "value", None)
            if isinstance(selection, ast.FragmentSpread):
                pending.append(info.fragments[name])
            elif isinstance(selection, ast.InlineFragment) or name in ("edges", "node"):
                pending.append(selection)
            else:
                names.add(name)
    return names


def store_related(info=None) -> Dict[str, bool]:
    """Return the relations to fetch with the store nodes, as
    `stores_with_related` takes them: those their requested fields read, or all of
    them without `info`."""
    requested = requested_fields(info) if info is not None else None
    return {
        "with_address": requested is None or bool(requested & ADDRESS_FIELDS),
        "with_hours_exceptions": requested is None or bool(requested & SCHEDULE_FIELDS),
    }
