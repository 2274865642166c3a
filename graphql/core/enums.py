"""GraphQL enums generated from the domain's classes of constants."""

import graphene
from saleor.graphql.core.enums import to_enum


def choices_enum(choices_cls, *, description: str, type_name=None) -> graphene.Enum:
    """Return the enum of a class with ``CHOICES``, each value described by its label.

    The names are the values in upper case (Saleor's `to_enum`), so a status added
    to the domain appears in the API with nothing else to change.
    """
    labels = dict(choices_cls.CHOICES)
    return to_enum(
        choices_cls,
        type_name=type_name,
        description=lambda value: labels[value.value] if value else description,
    )
