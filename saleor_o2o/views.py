import logging
import math
import secrets
from typing import Optional

from django.template.loader import render_to_string
from graphql.error import GraphQLError
from graphql.error import format_error as format_graphql_error
from graphql.execution import ExecutionResult
from saleor.graphql.views import GraphQLView

from saleor_o2o import playground
from saleor_o2o.core import geocoding, limits
from saleor_o2o.core.errors import O2OError, QueryTooComplex
from saleor_o2o.core.pages import page_response
from saleor_o2o.graphql.core.backend import refusal
from saleor_o2o.graphql.core.fields import api_field

logger = logging.getLogger("saleor_o2o.graphql")

NUL_MESSAGE = "Text may not contain the NUL character (\\u0000)."
NOT_FINITE_MESSAGE = "Numbers must be finite (not NaN or Infinity)."


def _unreadable(value) -> Optional[str]:
    """Say why decoded variables cannot be stored, if they cannot: a NUL character
    (PostgreSQL refuses it in text) or a number that is not finite (JSON allows no
    NaN, but Python's decoder reads it)."""
    if isinstance(value, str):
        return NUL_MESSAGE if "\x00" in value else None
    if isinstance(value, float):
        return None if math.isfinite(value) else NOT_FINITE_MESSAGE
    if isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    if isinstance(value, (list, tuple)):
        for item in value:
            reason = _unreadable(item)
            if reason:
                return reason
    return None


def _original_error(error):
    while getattr(error, "original_error", None) is not None:
        error = error.original_error
    return error


class O2OGraphQLView(GraphQLView):
    """Saleor's GraphQL view serving the extended schema.

    Errors the extension raises on purpose (`O2OError`) are the client's to fix: they
    are logged without a traceback and carry their ``code`` and ``field`` under
    ``extensions``. Everything else is formatted by Saleor.

    Each HTTP request may hold at most ``O2O_QUERY_MAX_BATCH`` operations and geocode
    ``O2O_GEOCODING_PLACES_PER_REQUEST`` places given as text, a batch included; the
    backend (`graphql.core.backend`) holds each operation to the other limits.
    """

    def handle_query(self, request):
        # One budget of geocoded places for the whole HTTP request, batch included.
        places = limits.geocoding_places_per_request()
        with geocoding.places_per_request(places):
            return super().handle_query(request)

    @staticmethod
    def parse_body(request):
        data = GraphQLView.parse_body(request)
        # Saleor answers a JSON array of operations one by one: count them.
        request._o2o_operations = len(data) if isinstance(data, list) else 1
        return data

    def execute_graphql_request(self, request, data):
        operations = getattr(request, "_o2o_operations", 1)
        max_batch = limits.query_limits().max_batch
        if max_batch is not None and operations > max_batch:
            return refusal(
                QueryTooComplex(
                    f"The request holds {operations} operations; at most "
                    f"{max_batch} are accepted in one request.",
                    code="TOO_MANY_OPERATIONS",
                )
            )
        query, variables, _operation = self.get_graphql_params(request, data)
        # Checked for Saleor's fields as for the extension's: the database would
        # fail on them. In the query text, NUL also hides in a string's escape.
        reason = _unreadable(variables) or _unreadable(query)
        if reason is None and isinstance(query, str) and "\\u0000" in query:
            reason = NUL_MESSAGE
        if reason:
            return ExecutionResult(errors=[GraphQLError(reason)], invalid=True)
        return super().execute_graphql_request(request, data)

    def render_playground(self, request):
        # Rendered without the request: Saleor's context processors query the
        # database, and Saleor's WSGI module GETs this page in the process that
        # forks the workers (see saleor_o2o.core.db).
        nonce = secrets.token_urlsafe(18)
        assets_url = playground.graphiql_assets_url()
        context = {
            "api_url": request.path,
            "nonce": nonce,
            "graphiql_assets": assets_url and playground.page_assets(assets_url),
        }
        page = render_to_string("graphql/playground.html", context)
        policy = playground.content_security_policy(nonce=nonce, assets_url=assets_url)
        return page_response(page, policy)

    @classmethod
    def format_error(cls, error):
        original = _original_error(error)
        if not isinstance(original, O2OError):
            return super().format_error(error)
        logger.info("A query was refused: %s (%s)", original, original.code)
        result = format_graphql_error(error)
        result["extensions"] = {
            "exception": {"code": type(original).__name__},
            "code": original.code,
            "field": api_field(original.field),
        }
        return result
