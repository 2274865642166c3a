"""Pages the extension serves itself (GraphiQL, the pickup desk), with the headers
a page holding a staff token needs."""

from django.http import HttpResponse


def page_response(page: str, policy: str) -> HttpResponse:
    """Answer with a page that may not be framed and runs what `policy` allows."""
    response = HttpResponse(page)
    response["Content-Security-Policy"] = policy
    response["X-Frame-Options"] = "DENY"
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    # Each response has its own nonce.
    response["Cache-Control"] = "no-store"
    return response
