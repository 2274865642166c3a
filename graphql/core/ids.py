import uuid
from typing import Any, Callable, Optional

import graphene
from django.core.exceptions import ValidationError

from saleor_o2o.core.errors import O2OError


def pk_from_global_id(
    global_id: str,
    type_name: str,
    *,
    field: str,
    wrong_type_code: str = "NOT_FOUND",
    key: Callable[[Any], Any] = int,
):
    """Return the pk inside a Relay ID of ``type_name``, or raise a typed error.

    A malformed ID (not base64, no ``Type:pk``, or a pk ``key`` refuses, such as
    ``Store:abc``) is ``GRAPHQL_ERROR``; another type's ID is ``wrong_type_code``
    (mutations answer ``GRAPHQL_ERROR`` there, as Saleor's do).
    """
    try:
        found_type, pk = graphene.Node.from_global_id(global_id)
        pk = key(pk) if pk else None
    except (Exception, ValidationError):  # Bad base64, no ":", a key `key` refuses.
        found_type, pk = None, None
    if pk is None:
        raise O2OError(
            f"Couldn't resolve id: {global_id}.", field=field, code="GRAPHQL_ERROR"
        )
    if found_type != type_name:
        raise O2OError(
            f"{global_id} is not the ID of a {type_name}.",
            field=field,
            code=wrong_type_code,
        )
    return pk


def checkout_token(checkout_id) -> Optional[uuid.UUID]:
    """Return the token in a Checkout ID, or None if it is not one."""
    try:
        type_name, token = graphene.Node.from_global_id(checkout_id)
        return uuid.UUID(token) if type_name == "Checkout" else None
    except (TypeError, ValueError, AttributeError):
        return None
