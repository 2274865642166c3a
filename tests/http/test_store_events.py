"""Served by uwsgi's forked workers: many shoppers at once RSVP for an event's last
places; exactly as many as there are places get one."""

import pytest
import requests
from graphql_jwt.shortcuts import get_token
from saleor.account.models import User

from saleor_o2o.visits.events.models import StoreEventRsvp
from saleor_o2o.visits.events.rules import RsvpStatus

from helpers.api import gid
from helpers.storefront import HttpStorefront

pytestmark = [pytest.mark.slow]

RSVP = """
mutation($event: ID!) {
  storeEventRsvp(eventId: $event) {
    cancelToken storeEventErrors { code }
  }
}
"""
SHOPPERS = 12


@pytest.fixture
def last_places(transactional_db, o2o_active, store_factory):
    from saleor_o2o.visits.events import rsvp

    from fixtures.events import make_event

    store = store_factory("Paris Louvre", 48.8606, 2.3376)
    event = make_event(store, capacity=3, slug="last-places")
    rsvp.store_event_rsvp(event_id=event.pk, email="early@example.com")
    shoppers = [
        User.objects.create_user(f"racer{n}@example.com", "password")
        for n in range(SHOPPERS)
    ]
    return event, shoppers


def test_the_last_places_go_to_as_many_shoppers(saleor_server, last_places, race):
    event, shoppers = last_places
    fronts = [HttpStorefront(saleor_server.url, get_token(user)) for user in shoppers]

    def attempt(front):
        answer = front.post(RSVP, {"event": gid("StoreEvent", event.pk)})
        result = answer["data"]["storeEventRsvp"]
        codes = [error["code"] for error in result["storeEventErrors"]]
        return "won" if result["cancelToken"] and not codes else codes[0]

    outcomes = sorted(race([lambda f=f: attempt(f) for f in fronts]))

    assert outcomes == ["EVENT_FULL"] * (SHOPPERS - 2) + ["won", "won"]
    confirmed = StoreEventRsvp.objects.filter(event=event, status=RsvpStatus.CONFIRMED)
    assert confirmed.count() == 3
    # The public page is served by the forked workers too.
    page = requests.get(
        saleor_server.url.replace("/graphql/", "/o2o/events/last-places/"), timeout=30
    )
    assert page.status_code == 200 and 'property="og:title"' in page.text
