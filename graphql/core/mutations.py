import logging
from typing import Iterable, Type

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from graphql_jwt.exceptions import PermissionDenied
from saleor.graphql.core.mutations import BaseMutation
from saleor.graphql.core.types import Error
from saleor.graphql.core.utils import snake_to_camel_case

from saleor_o2o.core.errors import O2OError
from saleor_o2o.graphql.core.context import requestor_reach
from saleor_o2o.graphql.core.fields import api_field
from saleor_o2o.graphql.core.ids import pk_from_global_id
from saleor_o2o.store import access
from saleor_o2o.store.reach import CLERK

logger = logging.getLogger(__name__)


class UnknownErrorCode(AssertionError):
    """A service raised a code its mutation's error enum does not have (a bug)."""


class O2OMutation(BaseMutation):
    """A Saleor mutation whose typed errors keep the O2O error codes.

    Saleor's own `handle_errors` rewrites codes it does not know to "invalid"; this one
    keeps any code of the mutation's enum, and turns `O2OError`s into typed errors.
    """

    class Meta:
        abstract = True

    @classmethod
    def __init_subclass_with_meta__(cls, **options):
        super().__init_subclass_with_meta__(**options)
        field = cls._meta.fields.get(cls._meta.error_type_field or "")
        if field is not None:
            # Saleor describes only the list inside; describe the field itself.
            field.description = "List of errors that occurred executing the mutation."

    @classmethod
    def _error_codes(cls) -> Iterable[str]:
        enum: Type = cls._meta.error_type_class._meta.fields["code"].type
        while hasattr(enum, "of_type"):
            enum = enum.of_type
        return enum._meta.enum.__members__.keys()

    @classmethod
    def _code(cls, code) -> str:
        """Return `code` as a member of the mutation's error enum.

        Django's own validation codes ("invalid", "required") map to the generic
        members. A code the enum lacks is a bug, not the client's fault: the tests
        run with ``O2O_ERROR_CODES_STRICT`` and fail on it; in production it is
        logged as an error and answered as INVALID.
        """
        value = getattr(code, "value", code) or "INVALID"
        value = str(value).upper().replace("-", "_")
        if value in cls._error_codes():
            return value
        if getattr(settings, "O2O_ERROR_CODES_STRICT", False):
            raise UnknownErrorCode(f"{cls.__name__} has no error code {value}.")
        logger.error("%s has no error code %s; answered INVALID.", cls.__name__, value)
        return "INVALID"

    @classmethod
    def get_node_or_error(cls, info, node_id, field="id", only_type=None, qs=None):
        """Return the node, or raise a typed error for a malformed or foreign ID."""
        if only_type is not None:
            model = getattr(only_type._meta, "model", None)
            pk_from_global_id(
                node_id,
                only_type._meta.name,
                field=field,
                wrong_type_code="GRAPHQL_ERROR",
                key=model._meta.pk.to_python if model is not None else str,
            )
        return super().get_node_or_error(
            info, node_id, field=field, only_type=only_type, qs=qs
        )

    @classmethod
    def check_store(
        cls, info, store_id, *, role: str = CLERK, field: str = "id", what="store"
    ) -> None:
        """Raise unless the requestor holds `role` in the store (see `access`)."""
        access.store_check(
            requestor_reach(info.context), store_id, role=role, field=field, what=what
        )

    @classmethod
    def check_every_store(cls, info, *, field: str) -> None:
        """Raise unless the requestor acts in every store."""
        if not requestor_reach(info.context).all_stores:
            raise O2OError(
                "Only staff acting in every store may do this.",
                field=field,
                code=access.PERMISSION_DENIED,
            )

    @classmethod
    def mutate(cls, root, info, **data):
        if not cls.check_permissions(info.context):
            raise PermissionDenied()
        try:
            response = cls.perform_mutation(root, info, **data)
        except ValidationError as error:
            return cls.handle_errors(error)
        except O2OError as error:
            return cls.typed_errors([(error.field, error.message, error.code)])
        if response.errors is None:
            response.errors = []
        return response

    @classmethod
    def handle_errors(cls, error: ValidationError, **extra):
        errors = []
        if hasattr(error, "error_dict"):
            for field, field_errors in error.error_dict.items():
                field = (
                    None if field == NON_FIELD_ERRORS else snake_to_camel_case(field)
                )
                errors.extend((field, e.messages[0], e.code) for e in field_errors)
        else:
            errors.extend((None, e.messages[0], e.code) for e in error.error_list)
        return cls.typed_errors(errors, **extra)

    @classmethod
    def typed_errors(cls, errors, **extra):
        """Return the payload carrying `(field, message, code)` triples as errors."""
        typed = [
            cls._meta.error_type_class(
                field=api_field(field), message=message, code=cls._code(code)
            )
            for field, message, code in errors
        ]
        plain = [
            Error(field=api_field(field), message=message)
            for field, message, _ in errors
        ]
        extra[cls._meta.error_type_field] = typed
        return cls(errors=plain, **extra)
