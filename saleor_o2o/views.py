import logging

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from graphql.error import format_error as format_graphql_error
from saleor.graphql.views import GraphQLView

from .errors import O2OError

logger = logging.getLogger("saleor_o2o.graphql")


def _original_error(error):
    while getattr(error, "original_error", None) is not None:
        error = error.original_error
    return error


class O2OGraphQLView(GraphQLView):
    """Saleor's GraphQL view serving the extended schema.

    Errors the extension raises on purpose (`O2OError`) are the client's to fix: they
    are logged without a traceback and carry their ``code`` and ``field`` under
    ``extensions``. Everything else is formatted by Saleor.
    """

    def render_playground(self, request):
        # Rendered without the request: Saleor's context processors query the
        # database, and Saleor's WSGI module GETs this page in the process that
        # forks the workers (see saleor_o2o.core.db).
        page = render_to_string("graphql/playground.html", {"api_url": request.path})
        return HttpResponse(page)

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
            "field": original.field,
        }
        return result


def pickup_desk(request):
    """The pickup desk: store staff move pickups along and hand them over."""
    return render(request, "o2o/pickup_desk.html", {"api_url": "/graphql/"})
