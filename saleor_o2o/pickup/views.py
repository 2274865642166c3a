"""The pickup desk page for store staff."""

import secrets

from django.template.loader import render_to_string

from saleor_o2o.core.pages import page_response


def pickup_desk(request):
    """The pickup desk: store staff move pickups and local deliveries along and
    hand them over.

    The page holds a staff token: it may not be framed by another site
    (clickjacking), and runs only its own script and style (a nonce per response).
    """
    nonce = secrets.token_urlsafe(18)
    page = render_to_string(
        "o2o/pickup_desk.html", {"api_url": "/graphql/", "nonce": nonce}
    )
    policy = (
        f"default-src 'none'; script-src 'nonce-{nonce}'; "
        f"style-src 'nonce-{nonce}'; connect-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )
    return page_response(page, policy)
