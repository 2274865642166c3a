"""Global IDs as the API spells them, for payloads written outside GraphQL."""

from typing import Any

import graphene


def global_id(type_name: str, pk: Any) -> str:
    return graphene.Node.to_global_id(type_name, pk)
