"""Loading stores with what their GraphQL fields read, in a fixed number of queries."""

from datetime import timedelta

from django.db.models import Prefetch
from django.utils import timezone
from graphql.language import ast

from saleor_o2o.store.models import StoreHoursException

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


def with_related(qs, info=None):
    """Fetch what the store nodes answer with, in a fixed number of queries."""
    requested = requested_fields(info) if info is not None else None
    if requested is None or requested & {"address", "warehouse"}:
        qs = qs.select_related("warehouse__address")
    if requested is not None and not requested & SCHEDULE_FIELDS:
        return qs
    recent = timezone.now().date() - timedelta(days=2)
    return qs.prefetch_related(
        Prefetch(
            "hours_exceptions",
            queryset=StoreHoursException.objects.filter(date__gte=recent),
        )
    )
