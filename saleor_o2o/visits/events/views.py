"""The public pages of store events: the event (with link-preview tags), its .ics,
and the page that gives an RSVP's place back.

Rendered without the request (no context processors, hence no query before uwsgi
forks) and autoescaped: an event's text goes into attributes and the page as text.
Giving a place back is a POST; a GET only shows what the POST will do, so a link
scanner or preview that follows the e-mail's link never cancels anything.
"""

import secrets

from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from saleor_o2o.core.errors import O2OError
from saleor_o2o.core.ical import CONTENT_TYPE
from saleor_o2o.core.pages import page_response
from saleor_o2o.core.settings import get_o2o_settings
from saleor_o2o.visits.events import calendar, rsvp, rules, selectors

#: Link previews show about this much of the description.
PREVIEW_LENGTH = 200


def _policy(nonce: str) -> str:
    return (
        f"default-src 'none'; style-src 'nonce-{nonce}'; img-src https:; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )


def _published_or_404(slug: str):
    if not get_o2o_settings().active:
        raise Http404("No such event.")
    event = selectors.published_event(slug=slug)
    if event is None:
        raise Http404("No such event.")
    return event


def _preview(text: str) -> str:
    text = " ".join((text or "").split())
    if len(text) <= PREVIEW_LENGTH:
        return text
    return text[: PREVIEW_LENGTH - 1].rsplit(" ", 1)[0] + "…"


@require_GET
def store_event_page(request, slug):
    """An event's public page, with Open Graph and Twitter card tags."""
    event = _published_or_404(slug)
    stores = calendar.event_stores(event)
    nonce = secrets.token_urlsafe(18)
    zone = calendar.event_timezone(stores)
    with timezone.override(zone):
        page = render_to_string(
            "o2o/store_event.html",
            {
                "event": event,
                "stores": stores,
                "places": [calendar.store_place(store) for store in stores],
                "preview": _preview(event.description),
                "url": calendar.event_url(event),
                "calendar_url": calendar.event_calendar_url(event),
                "is_over": event.ends_at <= timezone.now(),
                "nonce": nonce,
            },
        )
    return page_response(page, _policy(nonce))


@require_GET
def store_event_ics(request, slug):
    """An event's .ics file."""
    event = _published_or_404(slug)
    response = HttpResponse(calendar.event_ics(event), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{event.slug}.ics"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-cache"
    return response


# The token in the URL is the credential: no session, so no CSRF cookie to check.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def store_event_rsvp_cancel(request, token):
    """GET: what giving the place back means, and a button; POST: give it back."""
    if not get_o2o_settings().active:
        raise Http404("No such RSVP.")
    found = rsvp.rsvp_for_token(token)
    if found is None:
        raise Http404("No such RSVP.")
    state, error = "confirm", ""
    if found.status == rules.RsvpStatus.CANCELLED:
        state = "cancelled"
    elif request.method == "POST":
        try:
            found = rsvp.store_event_rsvp_cancel(token=token)
            state = "cancelled"
        except O2OError as failure:
            state, error = "refused", failure.message
    elif found.event.starts_at <= timezone.now():
        state, error = "refused", "The event has started."
    nonce = secrets.token_urlsafe(18)
    stores = calendar.event_stores(found.event)
    with timezone.override(calendar.event_timezone(stores)):
        page = render_to_string(
            "o2o/store_event_cancel.html",
            {
                "event": found.event,
                "rsvp": found,
                "state": state,
                "error": error,
                "nonce": nonce,
            },
        )
    response = page_response(page, _policy(nonce))
    response["X-Robots-Tag"] = "noindex"
    return response
