"""The appointment desk over GraphQL: today's list scoped to the clerk's stores,
check-in by code or ID, no-shows after the grace period, with typed errors."""

import datetime as dt
from datetime import timedelta

import pytest
import pytz
from freezegun import freeze_time
from saleor.account.models import User

from saleor_o2o.store.models import AppStore, StoreMembership
from saleor_o2o.visits.appointments.models import Appointment
from saleor_o2o.webhook.events import O2OEventType
from saleor_o2o.webhook.models import O2OEvent

from helpers.api import ApiClient, assert_permission_denied, content, gid, payload

PARIS = pytz.timezone("Europe/Paris")
#: Tuesday 2 March 2027, 09:50 in Paris: the desk's "now".
NOW = PARIS.localize(dt.datetime(2027, 3, 2, 9, 50)).astimezone(pytz.utc)
TEN = PARIS.localize(dt.datetime(2027, 3, 2, 10, 0)).astimezone(pytz.utc)

APPOINTMENTS = """
query Desk($storeId: ID, $date: Date, $statuses: [AppointmentStatusEnum!]) {
  appointments(first: 50, storeId: $storeId, date: $date, statuses: $statuses) {
    totalCount
    edges { node {
      id status startsAt name email noShowFrom nextStatuses
      appointmentType { name } store { name }
    } }
  }
}
"""

CHECK_IN = """
mutation CheckIn($id: ID, $code: String, $storeId: ID) {
  appointmentCheckIn(id: $id, code: $code, storeId: $storeId) {
    appointment { id status checkedInAt }
    appointmentErrors { field code message }
  }
}
"""

NO_SHOW = """
mutation NoShow($id: ID!) {
  appointmentMarkNoShow(id: $id) {
    appointment { id status }
    appointmentErrors { field code message }
  }
}
"""


@pytest.fixture(autouse=True)
def _now():
    with freeze_time(NOW):
        yield


@pytest.fixture
def clerk(store, permission_manage_orders):
    return clerk_of(store, permission_manage_orders, "clerk@example.com")


def clerk_of(store, permission, email):
    user = User.objects.create_user(email, "password", is_staff=True)
    user.user_permissions.add(permission)
    StoreMembership.objects.create(user=user, store=store, role="clerk")
    return ApiClient(user=user)


@pytest.fixture
def other_clerk(appointment_desk_other_store, permission_manage_orders):
    store = appointment_desk_other_store.store
    return clerk_of(store, permission_manage_orders, "lyon@example.com")


@pytest.fixture
def appointment(appointment_desk_factory):
    return appointment_desk_factory(TEN, code="ABC234")


def ids(response):
    data = content(response)["appointments"]
    return [edge["node"]["id"] for edge in data["edges"]]


def check_in(client, **variables):
    return payload(client.post_graphql(CHECK_IN, variables), "appointmentCheckIn")


def error_code(result):
    [error] = result["appointmentErrors"]
    return error["code"]


# The list --------------------------------------------------------------------------


def test_the_desk_lists_todays_appointments_of_the_clerks_store(
    clerk, appointment_desk_factory, appointment_desk_other_store
):
    later = appointment_desk_factory(TEN + timedelta(hours=3))
    first = appointment_desk_factory(TEN)
    appointment_desk_factory(TEN + timedelta(days=1))  # Tomorrow.
    appointment_desk_factory(TEN - timedelta(days=1))  # Yesterday.
    appointment_desk_factory(TEN, kind=appointment_desk_other_store)  # Lyon.

    response = clerk.post_graphql(APPOINTMENTS)

    assert ids(response) == [gid("Appointment", a.pk) for a in (first, later)]
    node = content(response)["appointments"]["edges"][0]["node"]
    assert node["appointmentType"] == {"name": "Fitting"}
    assert node["nextStatuses"] == ["CHECKED_IN", "NO_SHOW", "CANCELLED"]
    assert node["noShowFrom"] == (TEN + timedelta(minutes=15)).isoformat()


def test_another_day_and_statuses(clerk, appointment_desk_factory):
    tomorrow = appointment_desk_factory(TEN + timedelta(days=1))
    appointment_desk_factory(TEN + timedelta(days=1, hours=1), status="cancelled")

    response = clerk.post_graphql(
        APPOINTMENTS, {"date": "2027-03-03", "statuses": ["BOOKED"]}
    )

    assert ids(response) == [gid("Appointment", tomorrow.pk)]


def test_a_date_far_from_today_is_a_typed_error(clerk):
    """Not an overflow past the last date Python knows (a 500 before)."""
    for far in ("9999-12-31", "0001-01-01", "2029-03-02"):
        answer = clerk.post_graphql(APPOINTMENTS, {"date": far}).json()

        assert answer["data"]["appointments"] is None
        (error,) = answer["errors"]
        assert "within 366 days of today" in error["message"], error


def test_another_stores_clerk_sees_none_and_not_the_store(
    other_clerk, appointment, store
):
    assert ids(other_clerk.post_graphql(APPOINTMENTS)) == []
    response = other_clerk.post_graphql(
        APPOINTMENTS, {"storeId": gid("Store", store.pk)}
    )
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "NOT_FOUND"


def test_an_app_narrowed_to_a_store_sees_only_its_appointments(
    app_api_client,
    app,
    permission_manage_orders,
    appointment,
    appointment_desk_factory,
    appointment_desk_other_store,
):
    lyon = appointment_desk_factory(TEN, kind=appointment_desk_other_store)
    AppStore.objects.create(app=app, store=appointment_desk_other_store.store)

    response = app_api_client.post_graphql(
        APPOINTMENTS, permissions=[permission_manage_orders]
    )

    assert ids(response) == [gid("Appointment", lyon.pk)]
    result = payload(
        app_api_client.post_graphql(CHECK_IN, {"code": "ABC234"}), "appointmentCheckIn"
    )
    assert error_code(result) == "INVALID_CODE"
    result = payload(
        app_api_client.post_graphql(CHECK_IN, {"id": gid("Appointment", lyon.pk)}),
        "appointmentCheckIn",
    )
    assert result["appointment"]["status"] == "CHECKED_IN"


@pytest.mark.parametrize("query", [APPOINTMENTS])
def test_the_list_needs_manage_orders(appointment, query):
    user = User.objects.create_user("nobody@example.com", "password", is_staff=True)
    for client in (ApiClient(), ApiClient(user=user)):
        assert_permission_denied(client.post_graphql(query))


# Check-in --------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["abc-234", "o2o:appointment:ABC234"])
def test_a_clerk_checks_a_shopper_in_by_code_or_qr(
    clerk, appointment, monkeypatch, typed
):
    arrivals = []
    monkeypatch.setattr(
        "saleor_o2o.visits.appointments.desk_services.occupancy_arrival",
        lambda **kwargs: arrivals.append(kwargs),
    )

    result = check_in(clerk, code=typed)

    assert result["appointmentErrors"] == []
    assert result["appointment"]["status"] == "CHECKED_IN"
    appointment.refresh_from_db()
    assert appointment.checked_in_at == NOW
    assert arrivals == [
        {"store_id": appointment.store_id, "source": "appointment", "at": NOW}
    ]
    [event] = O2OEvent.objects.filter(type=O2OEventType.APPOINTMENT_CHECKED_IN)
    assert event.payload["status"] == "CHECKED_IN"
    assert event.payload["actor"]["type"] == "STAFF"


def test_a_clerk_checks_in_by_id(clerk, appointment):
    result = check_in(clerk, id=gid("Appointment", appointment.pk))

    assert result["appointment"]["status"] == "CHECKED_IN"


def test_a_late_no_show_is_checked_in_the_same_day(clerk, appointment_desk_factory):
    late = appointment_desk_factory(TEN - timedelta(hours=1), status="no_show")

    result = check_in(clerk, code=late.code)

    assert result["appointment"]["status"] == "CHECKED_IN"


@pytest.mark.parametrize(
    "starts,status,variables,code",
    [
        (TEN, "booked", {"code": "ZZZ999"}, "INVALID_CODE"),
        (TEN, "booked", {"code": "  "}, "REQUIRED"),
        (TEN, "booked", {}, "REQUIRED"),
        (TEN + timedelta(days=1), "booked", {"code": "ABC234"}, "NOT_TODAY"),
        (TEN - timedelta(days=1), "booked", {"code": "ABC234"}, "NOT_TODAY"),
        (TEN, "checked_in", {"code": "ABC234"}, "ALREADY_CHECKED_IN"),
        (TEN, "cancelled", {"code": "ABC234"}, "CANCELLED"),
        (TEN, "booked", {"id": "not-an-id"}, "GRAPHQL_ERROR"),
        (TEN, "booked", {"id": gid("Store", 1)}, "GRAPHQL_ERROR"),
        (TEN, "booked", {"id": gid("Appointment", 0)}, "NOT_FOUND"),
    ],
)
def test_check_in_refusals(
    clerk, appointment_desk_factory, starts, status, variables, code
):
    appointment_desk_factory(
        starts, status=status, code="ABC234", checked_in_at=NOW if status else None
    )

    result = check_in(clerk, **variables)

    assert error_code(result) == code
    assert result["appointment"] is None
    assert not O2OEvent.objects.filter(type=O2OEventType.APPOINTMENT_CHECKED_IN)


def test_another_stores_appointment_is_not_found(other_clerk, appointment):
    by_id = check_in(other_clerk, id=gid("Appointment", appointment.pk))
    by_code = check_in(other_clerk, code="ABC234")
    in_store = check_in(
        other_clerk, code="ABC234", storeId=gid("Store", appointment.store_id)
    )

    assert error_code(by_id) == "NOT_FOUND"
    assert error_code(by_code) == "INVALID_CODE"
    assert error_code(in_store) == "NOT_FOUND"
    assert Appointment.objects.get().status == "booked"


def test_a_code_shared_by_two_stores_today_needs_the_store(
    staff_api_client,
    permission_manage_orders,
    appointment,
    appointment_desk_factory,
    appointment_desk_other_store,
):
    appointment_desk_factory(TEN, kind=appointment_desk_other_store, code="ABC234")
    staff_api_client.user.user_permissions.add(permission_manage_orders)

    result = check_in(staff_api_client, code="ABC234")
    assert error_code(result) == "STORE_REQUIRED"

    result = check_in(
        staff_api_client, code="ABC234", storeId=gid("Store", appointment.store_id)
    )
    assert result["appointment"]["id"] == gid("Appointment", appointment.pk)


def test_check_in_needs_manage_orders(appointment):
    user = User.objects.create_user("nobody@example.com", "password", is_staff=True)
    StoreMembership.objects.create(user=user, store=appointment.store, role="clerk")
    for client in (ApiClient(), ApiClient(user=user)):
        assert_permission_denied(client.post_graphql(CHECK_IN, {"code": "ABC234"}))
        assert_permission_denied(
            client.post_graphql(NO_SHOW, {"id": gid("Appointment", appointment.pk)})
        )
    assert Appointment.objects.get().status == "booked"


# No-shows --------------------------------------------------------------------------


def test_a_no_show_is_marked_after_the_grace_period(clerk, appointment_desk_factory):
    past = appointment_desk_factory(NOW - timedelta(minutes=15))
    soon = appointment_desk_factory(NOW - timedelta(minutes=14))

    done = payload(
        clerk.post_graphql(NO_SHOW, {"id": gid("Appointment", past.pk)}),
        "appointmentMarkNoShow",
    )
    early = payload(
        clerk.post_graphql(NO_SHOW, {"id": gid("Appointment", soon.pk)}),
        "appointmentMarkNoShow",
    )

    assert done["appointment"]["status"] == "NO_SHOW"
    assert error_code(early) == "TOO_EARLY"
    [event] = O2OEvent.objects.filter(type=O2OEventType.APPOINTMENT_NO_SHOW)
    assert event.payload["id"] == gid("Appointment", past.pk)


@pytest.mark.parametrize("status", ["checked_in", "cancelled", "no_show"])
def test_only_a_booked_appointment_becomes_a_no_show(
    clerk, appointment_desk_factory, status
):
    gone = appointment_desk_factory(NOW - timedelta(hours=1), status=status)

    result = payload(
        clerk.post_graphql(NO_SHOW, {"id": gid("Appointment", gone.pk)}),
        "appointmentMarkNoShow",
    )

    assert error_code(result) == "INVALID_TRANSITION"


def test_another_stores_clerk_cannot_mark_a_no_show(other_clerk, appointment):
    with freeze_time(TEN + timedelta(hours=1)):
        result = payload(
            other_clerk.post_graphql(
                NO_SHOW, {"id": gid("Appointment", appointment.pk)}
            ),
            "appointmentMarkNoShow",
        )

    assert error_code(result) == "NOT_FOUND"
    assert Appointment.objects.get().status == "booked"
