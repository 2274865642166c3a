"""The pickup desk page for store staff."""

import secrets

from django.http import HttpResponse
from django.template.loader import render_to_string


def pickup_desk(request):
    """The pickup desk: store staff move pickups along and hand them over.

    The page holds a staff token: it may not be framed by another site
    (clickjacking), and runs only its own script and style (a nonce per response).
    """
    nonce = secrets.token_urlsafe(18)
    page = render_to_string(
        "o2o/pickup_desk.html", {"api_url": "/graphql/", "nonce": nonce}
    )
    response = HttpResponse(page)
    response["Content-Security-Policy"] = (
        f"default-src 'none'; script-src 'nonce-{nonce}'; "
        f"style-src 'nonce-{nonce}'; connect-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )
    response["X-Frame-Options"] = "DENY"
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    return response
