import graphene

from ...errors import InvalidInput, NotFound


def pk_from_global_id(
    global_id: str, type_name: str, *, field: str, numeric: bool = True
) -> str:
    """Return the pk inside a Relay ID of ``type_name``, or raise a typed error."""
    try:
        found_type, pk = graphene.Node.from_global_id(global_id)
    except Exception:
        found_type, pk = None, None
    if not pk or (numeric and not str(pk).isdigit()):
        raise InvalidInput(
            f"Couldn't resolve id: {global_id}.", field=field, code="GRAPHQL_ERROR"
        )
    if found_type != type_name:
        raise NotFound(f"{global_id} is not the ID of a {type_name}.", field=field)
    return pk
