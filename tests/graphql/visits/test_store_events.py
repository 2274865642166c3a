"""Store events over GraphQL: staff writes scoped to store managers, listing near
shoppers, Store.events, RSVPs and their tokens."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from saleor.account.models import User

from saleor_o2o.store import access
from saleor_o2o.store.reach import CLERK, EVERYWHERE, MANAGER
from saleor_o2o.visits.events.models import StoreEvent

from helpers.api import (
    ApiClient,
    assert_permission_denied,
    content,
    gid,
    only_error,
    payload,
)

CREATE = """
mutation($input: StoreEventCreateInput!) {
  storeEventCreate(input: $input) {
    event { id slug title isPublished capacity placesLeft stores { name } url }
    storeEventErrors { field code message }
  }
}
"""
UPDATE = """
mutation($id: ID!, $input: StoreEventUpdateInput!) {
  storeEventUpdate(id: $id, input: $input) {
    event { title capacity } storeEventErrors { field code }
  }
}
"""
DELETE = """
mutation($id: ID!) {
  storeEventDelete(id: $id) { event { id } storeEventErrors { field code } }
}
"""
NEAR = """
query($lat: Float!, $lng: Float!, $first: Int, $after: String,
      $sort: StoreEventSortField) {
  storeEvents(near: {latitude: $lat, longitude: $lng}, first: $first,
              after: $after, sortBy: $sort) {
    edges { cursor node { distanceKm store { name }
      event { title placesLeft capacity stores { name } calendarUrl } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
RSVP = """
mutation($event: ID!, $email: String) {
  storeEventRsvp(eventId: $event, email: $email) {
    rsvp { email status event { title } } cancelToken cancelUrl
    storeEventErrors { field code }
  }
}
"""
CANCEL = """
mutation($token: String!) {
  storeEventRsvpCancel(token: $token) {
    rsvp { status } storeEventErrors { field code }
  }
}
"""


@pytest.fixture
def manage_pages(db):
    return Permission.objects.get(codename="manage_pages")


def staff_client(*stores, role=MANAGER, permissions=()):
    user = User.objects.create_user(
        f"staff{User.objects.count()}@example.com", "password", is_staff=True
    )
    user.user_permissions.add(*permissions)
    for store in stores:
        access.store_staff_set(store=store, user=user, role=role, by=EVERYWHERE)
    return ApiClient(user=user)


def event_input(*stores, **changes):
    starts = timezone.now() + timedelta(days=2)
    data = {
        "title": "Latte art",
        "startsAt": starts.isoformat(),
        "endsAt": (starts + timedelta(hours=2)).isoformat(),
        "capacity": 10,
        "isPublished": True,
        "storeIds": [gid("Store", s.pk) for s in stores],
    }
    data.update(changes)
    return data


def test_create_needs_manage_pages(o2o_active, store, user_api_client, manage_pages):
    for client in (user_api_client, staff_client(store), ApiClient()):
        response = client.post_graphql(CREATE, {"input": event_input(store)})
        assert_permission_denied(response)
    assert not StoreEvent.objects.exists()


def test_create_by_a_manager_of_the_store(o2o_active, store, manage_pages):
    client = staff_client(store, permissions=[manage_pages])
    data = payload(
        client.post_graphql(CREATE, {"input": event_input(store)}), "storeEventCreate"
    )
    assert data["storeEventErrors"] == []
    assert data["event"]["slug"] == "latte-art"
    assert data["event"]["placesLeft"] == 10
    assert data["event"]["stores"] == [{"name": "Paris Louvre"}]
    assert data["event"]["url"].endswith("/o2o/events/latte-art/")


@pytest.mark.parametrize(
    "changes, field, code",
    [
        ({"title": " "}, "title", "REQUIRED"),
        ({"storeIds": []}, "storeIds", "REQUIRED"),
        ({"storeIds": ["not-an-id"]}, "storeIds", "GRAPHQL_ERROR"),
        ({"storeIds": [gid("Offer", 1)]}, "storeIds", "GRAPHQL_ERROR"),
        ({"storeIds": [gid("Store", 999999)]}, "storeIds", "NOT_FOUND"),
        ({"endsAt": "2020-01-01T00:00:00+00:00"}, "endsAt", "INVALID"),
        ({"startsAt": "0001-01-01T00:00:00+00:00"}, "startsAt", "OUT_OF_RANGE"),
        ({"imageUrl": "javascript:alert(1)"}, "imageUrl", "INVALID"),
        ({"capacity": 0}, "capacity", "OUT_OF_RANGE"),
        ({"slug": "Bad slug"}, "slug", "INVALID"),
        ({"slug": "taken"}, "slug", "UNIQUE"),
    ],
)
def test_create_typed_errors(
    o2o_active, store, manage_pages, store_event_factory, changes, field, code
):
    store_event_factory(store, slug="taken")
    client = staff_client(permissions=[manage_pages])
    access.staff_all_stores_set(user=client.user, all_stores=True, by=EVERYWHERE)
    data = payload(
        client.post_graphql(CREATE, {"input": event_input(store, **changes)}),
        "storeEventCreate",
    )
    assert [(e["field"], e["code"]) for e in data["storeEventErrors"]] == [
        (field, code)
    ]
    assert StoreEvent.objects.count() == 1


def test_writes_are_scoped_to_managers_of_every_store(
    o2o_active, store, store_factory, manage_pages, store_event_factory
):
    other = store_factory("Paris Bastille", 48.8532, 2.3692)
    manager = staff_client(store, permissions=[manage_pages])
    clerk = staff_client(store, role=CLERK, permissions=[manage_pages])
    shared = store_event_factory(store, other)
    elsewhere = store_event_factory(other)

    def errors(client, document, variables, name):
        answer = payload(client.post_graphql(document, variables), name)
        return [(e["field"], e["code"]) for e in answer["storeEventErrors"]]

    assert errors(
        manager, CREATE, {"input": event_input(store, other)}, "storeEventCreate"
    ) == [("storeIds", "NOT_FOUND")]
    assert errors(clerk, CREATE, {"input": event_input(store)}, "storeEventCreate") == [
        ("storeIds", "PERMISSION_DENIED")
    ]
    for event, expected in ((shared, "PERMISSION_DENIED"), (elsewhere, "NOT_FOUND")):
        variables = {"id": gid("StoreEvent", event.pk), "input": {"title": "Mine"}}
        assert errors(manager, UPDATE, variables, "storeEventUpdate") == [
            ("id", expected)
        ]
        assert errors(
            manager, DELETE, {"id": gid("StoreEvent", event.pk)}, "storeEventDelete"
        ) == [("id", expected)]
    # Moving their own event to another store is refused too.
    own = store_event_factory(store)
    variables = {
        "id": gid("StoreEvent", own.pk),
        "input": {"storeIds": [gid("Store", other.pk)]},
    }
    assert errors(manager, UPDATE, variables, "storeEventUpdate") == [
        ("storeIds", "NOT_FOUND")
    ]
    assert set(StoreEvent.objects.values_list("title", flat=True)) == {"Spring tasting"}


def test_an_app_narrowed_to_a_store(
    o2o_active, store, store_factory, app, manage_pages, store_event_factory
):
    other = store_factory("Paris Bastille", 48.8532, 2.3692)
    access.app_stores_set(app=app, store_ids=[store.pk], by=EVERYWHERE)
    client = ApiClient(app=app)
    app.permissions.add(manage_pages)
    mine, theirs = store_event_factory(store), store_event_factory(other)
    for event, errors in ((mine, []), (theirs, [("id", "NOT_FOUND")])):
        answer = payload(
            client.post_graphql(
                UPDATE,
                {"id": gid("StoreEvent", event.pk), "input": {"capacity": 5}},
            ),
            "storeEventUpdate",
        )
        assert [(e["field"], e["code"]) for e in answer["storeEventErrors"]] == errors


def test_update_and_delete_need_manage_pages_and_typed_ids(
    o2o_active, store, store_event, manage_pages, staff_api_client
):
    variables = {"id": gid("StoreEvent", store_event.pk), "input": {"title": "X"}}
    assert_permission_denied(staff_api_client.post_graphql(UPDATE, variables))
    assert_permission_denied(
        staff_api_client.post_graphql(DELETE, {"id": variables["id"]})
    )
    staff_api_client.user.user_permissions.add(manage_pages)
    for bad, code in (("nope", "GRAPHQL_ERROR"), (gid("Store", 1), "GRAPHQL_ERROR")):
        answer = payload(
            staff_api_client.post_graphql(DELETE, {"id": bad}), "storeEventDelete"
        )
        assert [e["code"] for e in answer["storeEventErrors"]] == [code]
    answer = payload(
        staff_api_client.post_graphql(UPDATE, {**variables, "input": {"capacity": -1}}),
        "storeEventUpdate",
    )
    assert answer["storeEventErrors"] == [{"field": "capacity", "code": "OUT_OF_RANGE"}]
    answer = payload(
        staff_api_client.post_graphql(DELETE, {"id": variables["id"]}),
        "storeEventDelete",
    )
    assert answer == {"event": {"id": variables["id"]}, "storeEventErrors": []}
    assert not StoreEvent.objects.exists()


def test_shoppers_find_events_near_them_page_by_page(
    o2o_active, api_client, store, store_factory, store_event_factory
):
    bastille = store_factory("Paris Bastille", 48.8532, 2.3692)
    store_event_factory(store, bastille, title="Both", capacity=2)
    store_event_factory(bastille, title="Bastille", capacity=None)
    store_event_factory(store, title="Hidden", is_published=False)
    variables = {"lat": 48.8606, "lng": 2.3376, "first": 1}
    first = content(api_client.post_graphql(NEAR, variables))["storeEvents"]
    [edge] = first["edges"]
    assert edge["node"]["store"] == {"name": "Paris Louvre"}
    assert edge["node"]["event"]["title"] == "Both"
    assert edge["node"]["event"]["placesLeft"] == 2
    assert edge["node"]["event"]["stores"] == [
        {"name": "Paris Bastille"},
        {"name": "Paris Louvre"},
    ]
    assert edge["node"]["event"]["calendarUrl"].endswith(".ics")
    assert first["pageInfo"]["hasNextPage"] is True
    second = content(
        api_client.post_graphql(
            NEAR, {**variables, "after": first["pageInfo"]["endCursor"]}
        )
    )["storeEvents"]
    [edge] = second["edges"]
    assert edge["node"]["event"]["title"] == "Bastille"
    assert edge["node"]["event"]["placesLeft"] is None
    assert 2 < edge["node"]["distanceKm"] < 3
    assert second["pageInfo"]["hasNextPage"] is False
    # A cursor of another ranking, or none at all, is a typed error.
    for after in (first["pageInfo"]["endCursor"], "garbage"):
        error = only_error(
            api_client.post_graphql(
                NEAR, {**variables, "after": after, "sort": "STARTS_AT"}
            )
        )
        assert error["extensions"]["code"] == "GRAPHQL_ERROR"
    # Pages past the limit are refused before anything runs (the query limits).
    response = api_client.post_graphql(NEAR, {**variables, "first": 101})
    [error] = json.loads(response.content)["errors"]
    assert error["extensions"]["code"] == "OUT_OF_RANGE"


def test_anonymous_searches_are_limited(
    settings, o2o_active, api_client, store_event, user_api_client
):
    settings.O2O_ANONYMOUS_SEARCHES_PER_MINUTE = 2
    variables = {"lat": 48.8606, "lng": 2.3376}
    for _ in range(2):
        content(api_client.post_graphql(NEAR, variables))
    error = only_error(api_client.post_graphql(NEAR, variables))
    assert error["extensions"]["code"] == "TOO_MANY_REQUESTS"
    # A logged-in shopper is not counted as anonymous.
    for _ in range(3):
        content(user_api_client.post_graphql(NEAR, variables))


STORE_EVENTS = """
query($id: ID!) { store(id: $id) { events(first: 5) { title placesLeft } } }
"""
ONE_EVENT = "query($slug: String) { storeEvent(slug: $slug) { title isPublished } }"


def test_store_events_and_unpublished_ones(
    o2o_active, api_client, store, store_event_factory, manage_pages
):
    store_event_factory(store, title="Public")
    store_event_factory(store, title="Draft", slug="draft", is_published=False)
    data = content(
        api_client.post_graphql(STORE_EVENTS, {"id": gid("Store", store.pk)})
    )
    assert data["store"]["events"] == [{"title": "Public", "placesLeft": 20}]
    assert content(api_client.post_graphql(ONE_EVENT, {"slug": "draft"})) == {
        "storeEvent": None
    }
    manager = staff_client(store, permissions=[manage_pages])
    assert content(manager.post_graphql(ONE_EVENT, {"slug": "draft"})) == {
        "storeEvent": {"title": "Draft", "isPublished": False}
    }
    # A manager of another store does not see it.
    from fixtures.store import make_store

    stranger = staff_client(
        make_store("Lyon", 45.76, 4.83, city="Lyon"), permissions=[manage_pages]
    )
    assert content(stranger.post_graphql(ONE_EVENT, {"slug": "draft"})) == {
        "storeEvent": None
    }


MINE = "{ myStoreEventRsvps { email status event { title } } }"


def test_rsvp_as_guest_and_shopper_then_cancel_by_token(
    o2o_active, api_client, user_api_client, store, store_event, customer_user
):
    event_id = gid("StoreEvent", store_event.pk)
    guest = payload(
        api_client.post_graphql(RSVP, {"event": event_id, "email": "g@example.com"}),
        "storeEventRsvp",
    )
    assert guest["storeEventErrors"] == []
    assert guest["rsvp"]["status"] == "CONFIRMED"
    assert guest["cancelUrl"].endswith(
        f"/o2o/event-rsvps/{guest['cancelToken']}/cancel/"
    )
    mine = payload(
        user_api_client.post_graphql(RSVP, {"event": event_id}), "storeEventRsvp"
    )
    assert mine["rsvp"]["email"] == customer_user.email
    # Each shopper sees their own RSVPs only; guests have none to list.
    assert content(user_api_client.post_graphql(MINE)) == {
        "myStoreEventRsvps": [
            {
                "email": customer_user.email,
                "status": "CONFIRMED",
                "event": {"title": "Spring tasting"},
            }
        ]
    }
    assert content(api_client.post_graphql(MINE)) == {"myStoreEventRsvps": []}
    for token, errors in (
        ("not-a-token", [{"field": "token", "code": "NOT_FOUND"}]),
        (guest["cancelToken"], []),
        (guest["cancelToken"], [{"field": "token", "code": "ALREADY_CANCELLED"}]),
    ):
        answer = payload(
            api_client.post_graphql(CANCEL, {"token": token}), "storeEventRsvpCancel"
        )
        assert answer["storeEventErrors"] == errors


@pytest.mark.parametrize(
    "variables, field, code",
    [
        ({"email": None}, "email", "REQUIRED"),
        ({"email": "not-an-email"}, "email", "INVALID"),
        ({"event": "garbage"}, "eventId", "GRAPHQL_ERROR"),
        ({"event": gid("Store", 1)}, "eventId", "NOT_FOUND"),
        ({"event": gid("StoreEvent", 999999)}, "eventId", "NOT_FOUND"),
    ],
)
def test_rsvp_typed_errors(o2o_active, api_client, store_event, variables, field, code):
    base = {"event": gid("StoreEvent", store_event.pk), "email": "g@example.com"}
    answer = payload(
        api_client.post_graphql(RSVP, {**base, **variables}), "storeEventRsvp"
    )
    assert answer["storeEventErrors"] == [{"field": field, "code": code}]
    assert answer["cancelToken"] is None


def test_rsvp_while_the_plugin_is_off(configure_o2o, api_client, store_event):
    configure_o2o(active=False)
    answer = payload(
        api_client.post_graphql(
            RSVP,
            {"event": gid("StoreEvent", store_event.pk), "email": "g@example.com"},
        ),
        "storeEventRsvp",
    )
    assert answer["storeEventErrors"] == [{"field": None, "code": "FEATURE_DISABLED"}]
    assert json.dumps(answer).count("cancelToken") == 1
