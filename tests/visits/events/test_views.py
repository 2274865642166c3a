"""The public event page (link-preview tags, escaping), its .ics, the cancel page."""

import re
from html import unescape

import pytest
from django.test import Client

from saleor_o2o.visits.events import rsvp
from saleor_o2o.visits.events.models import StoreEventRsvp

NASTY = 'Say "hi" & <script>alert(1)</script>'


def meta(html: str, key: str) -> str:
    [value] = re.findall(
        r'<meta (?:property|name)="%s" content="([^"]*)">' % re.escape(key), html
    )
    return unescape(value)


@pytest.fixture
def nasty_event(o2o_active, store, store_event_factory):
    return store_event_factory(
        store,
        title=NASTY,
        slug="nasty",
        description=NASTY + " " + "word " * 100,
        image_url='https://cdn.example.com/e.jpg?a=1&b="2"',
    )


def test_the_page_previews_well_and_escapes_the_event(nasty_event):
    response = Client().get("/o2o/events/nasty/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>" not in html
    assert meta(html, "og:title") == NASTY
    assert meta(html, "twitter:title") == NASTY
    assert meta(html, "og:type") == "website"
    # Absolute, on the shop's own domain (Saleor's site settings).
    assert re.match(r"^https?://[^/]+/o2o/events/nasty/$", meta(html, "og:url"))
    assert meta(html, "og:image") == 'https://cdn.example.com/e.jpg?a=1&b="2"'
    assert meta(html, "twitter:card") == "summary_large_image"
    description = meta(html, "og:description")
    assert description.startswith(NASTY) and len(description) <= 200
    assert "&lt;script&gt;" in html
    # Headers like the extension's other pages; no script may run at all.
    assert "script-src" not in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_ics(nasty_event):
    response = Client().get("/o2o/events/nasty.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content.decode()
    assert "BEGIN:VCALENDAR" in body and 'SUMMARY:Say "hi" & <script>' in body
    assert "DTSTART;TZID=Europe/Paris:" in body


def test_unpublished_or_unknown_events_are_not_found(
    o2o_active, store, store_event_factory
):
    store_event_factory(store, slug="draft", is_published=False)
    for path in ("/o2o/events/draft/", "/o2o/events/draft.ics", "/o2o/events/no/"):
        assert Client().get(path).status_code == 404


def test_the_page_is_off_with_the_plugin(configure_o2o, store, store_event_factory):
    configure_o2o(active=False)
    store_event_factory(store, slug="launch")
    assert Client().get("/o2o/events/launch/").status_code == 404


def test_get_asks_post_cancels(o2o_active, store_event):
    made = rsvp.store_event_rsvp(event_id=store_event.pk, email="a@example.com")
    path = f"/o2o/event-rsvps/{made.token}/cancel/"
    client = Client()
    for _ in range(2):  # A link preview or scanner fetching it changes nothing.
        response = client.get(path)
        assert response.status_code == 200
        assert 'id="cancel-question"' in response.content.decode()
    assert StoreEventRsvp.objects.get().status == "confirmed"
    response = client.post(path)
    assert 'id="cancel-done"' in response.content.decode()
    assert StoreEventRsvp.objects.get().status == "cancelled"
    assert 'id="cancel-done"' in client.get(path).content.decode()
    assert client.get(f"/o2o/event-rsvps/{'0' * 64}/cancel/").status_code == 404
    assert client.put(path).status_code == 405


@pytest.mark.django_db(transaction=True)
def test_the_page_renders_in_chromium(browser, live_url, o2o_active, store_factory):
    from selenium.webdriver.common.by import By

    from fixtures.events import make_event

    store = store_factory("Paris Louvre", 48.8606, 2.3376)
    make_event(store, title=NASTY, slug="nasty")
    browser.get(f"{live_url}/o2o/events/nasty/")
    assert browser.title == NASTY
    assert browser.find_element(By.ID, "event-title").text == NASTY
    places = browser.find_element(By.ID, "event-places").text
    assert "Paris Louvre" in places
    # Had the title's script run, its alert would fail the calls above.
    og = browser.find_element(By.CSS_SELECTOR, 'meta[property="og:title"]')
    assert og.get_attribute("content") == NASTY
