"""Add fields to Saleor's GraphQL types.

Saleor 2.10's schema is closed. graphene builds each schema from the types' field
maps, so a field added before the extension builds its schema is served on Saleor's
type (Saleor's own schema object, built earlier, is unchanged).
"""

import graphene


def add_field(graphene_type, name: str, field: graphene.Field) -> None:
    """Add `field` as `name` (snake_case) to a Saleor type, once."""
    if name in graphene_type._meta.fields:
        raise RuntimeError(f"{graphene_type.__name__} already has a field {name!r}.")
    graphene_type._meta.fields[name] = field
