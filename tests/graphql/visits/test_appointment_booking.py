"""appointmentBook / Reschedule / Cancel, store.appointmentSlots, and a shopper's
own appointments (me.appointments, appointment(token:))."""

import datetime as dt

import pytest
from django.test import override_settings
from freezegun import freeze_time
from saleor.account.models import User

from saleor_o2o.visits.appointments.models import Appointment

from fixtures.visits import paris
from helpers.api import ApiClient, content, gid, only_error, payload

#: Monday 22 March 2027, 08:15 in Paris.
NOW = "2027-03-22T07:15:00Z"
TUESDAY_10 = paris(2027, 3, 23, 10, 0)

APPOINTMENT = "id startsAt endsAt status email name code canChange changeUntil"
BOOK = (
    """
mutation($input: AppointmentBookInput!) {
  appointmentBook(input: $input) {
    token appointment { %s } appointmentErrors { field code }
  }
}"""
    % APPOINTMENT
)
RESCHEDULE = """
mutation($token: String, $id: ID, $startsAt: DateTime!) {
  appointmentReschedule(token: $token, id: $id, startsAt: $startsAt) {
    appointment { startsAt } appointmentErrors { field code }
  }
}"""
CANCEL = """
mutation($token: String, $id: ID) {
  appointmentCancel(token: $token, id: $id) {
    appointment { status } appointmentErrors { field code }
  }
}"""
SLOTS = """
query($id: ID!, $type: ID!, $date: Date!) {
  store(id: $id) { appointmentSlots(type: $type, date: $date) {
    start end capacity remaining
  } }
}"""
BY_TOKEN = "query($token: String) { appointment(token: $token) { id status } }"
BY_ID = "query($id: ID) { appointment(id: $id) { id status } }"
MINE = """
{ me { appointments(first: 10) { edges { node { id startsAt store { name } } } } } }
"""


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time(NOW):
        yield


@pytest.fixture
def ada(db):
    return User.objects.create_user("ada@example.com", "password", is_active=True)


def book(client, appointment_type, start=TUESDAY_10, **extra):
    data = {
        "typeId": gid("AppointmentType", appointment_type.pk),
        "startsAt": start.isoformat(),
        **extra,
    }
    return payload(client.post_graphql(BOOK, {"input": data}), "appointmentBook")


def errors(answer):
    return [(e["field"], e["code"]) for e in answer["appointmentErrors"]]


def test_slots_for_shoppers(o2o_active, store, appointment_type):
    Appointment.objects.create(
        appointment_type=appointment_type,
        store=store,
        starts_at=TUESDAY_10,
        ends_at=paris(2027, 3, 23, 10, 30),
        email="a@example.com",
        token_hash="x",
        code="ABCDEF",
    )
    answer = content(
        ApiClient().post_graphql(
            SLOTS,
            {
                "id": gid("Store", store.pk),
                "type": gid("AppointmentType", appointment_type.pk),
                "date": "2027-03-23",
            },
        )
    )
    found = answer["store"]["appointmentSlots"]
    assert len(found) == 20
    assert found[2] == {
        "start": "2027-03-23T09:00:00+00:00",
        "end": "2027-03-23T09:30:00+00:00",
        "capacity": 2,
        "remaining": 1,
    }


def test_slots_of_another_stores_type_are_not_found(
    o2o_active, store, store_factory, appointment_type
):
    other = store_factory("Paris Bastille", 48.8532, 2.3692)
    error = only_error(
        ApiClient().post_graphql(
            SLOTS,
            {
                "id": gid("Store", other.pk),
                "type": gid("AppointmentType", appointment_type.pk),
                "date": "2027-03-23",
            },
        )
    )
    assert error["extensions"]["code"] == "NOT_FOUND"


def test_a_guest_books_and_manages_with_the_token(o2o_active, appointment_type):
    booked = book(ApiClient(), appointment_type, email="guest@example.com", name="Bo")
    assert booked["appointmentErrors"] == []
    token = booked["token"]
    appointment = booked["appointment"]
    assert (appointment["status"], appointment["email"], appointment["canChange"]) == (
        "BOOKED",
        "guest@example.com",
        True,
    )
    assert appointment["changeUntil"] == "2027-03-23T07:00:00+00:00"
    stored = Appointment.objects.get()
    assert token not in (stored.token_hash, stored.code)
    seen = content(ApiClient().post_graphql(BY_TOKEN, {"token": token}))
    assert seen["appointment"] == {"id": appointment["id"], "status": "BOOKED"}
    assert content(ApiClient().post_graphql(BY_TOKEN, {"token": "nope"})) == {
        "appointment": None
    }
    assert content(ApiClient().post_graphql(BY_ID, {"id": appointment["id"]})) == {
        "appointment": None
    }
    moved = payload(
        ApiClient().post_graphql(
            RESCHEDULE,
            {"token": token, "startsAt": paris(2027, 3, 23, 11, 0).isoformat()},
        ),
        "appointmentReschedule",
    )
    assert moved == {
        "appointment": {"startsAt": "2027-03-23T10:00:00+00:00"},
        "appointmentErrors": [],
    }
    cancelled = payload(
        ApiClient().post_graphql(CANCEL, {"token": token}), "appointmentCancel"
    )
    assert cancelled["appointment"] == {"status": "CANCELLED"}


def test_a_shopper_sees_and_manages_only_their_own(o2o_active, ada, appointment_type):
    ada_client = ApiClient(user=ada)
    mine = book(ada_client, appointment_type, email="ignored@example.com")
    assert mine["appointment"]["email"] == "ada@example.com"
    book(ApiClient(), appointment_type, email="guest@example.com")
    listed = content(ada_client.post_graphql(MINE))["me"]["appointments"]["edges"]
    assert [edge["node"]["id"] for edge in listed] == [mine["appointment"]["id"]]
    bob = ApiClient(
        user=User.objects.create_user("bob@example.com", "password", is_active=True)
    )
    assert content(bob.post_graphql(MINE))["me"]["appointments"]["edges"] == []
    own_id = mine["appointment"]["id"]
    assert content(ada_client.post_graphql(BY_ID, {"id": own_id}))["appointment"]
    assert content(bob.post_graphql(BY_ID, {"id": own_id})) == {"appointment": None}
    foreign = payload(bob.post_graphql(CANCEL, {"id": own_id}), "appointmentCancel")
    wrong_token = payload(
        ApiClient().post_graphql(CANCEL, {"token": "x" * 43}), "appointmentCancel"
    )
    # Another shopper's booking and a wrong token get the same answer.
    assert errors(foreign) == [("id", "NOT_FOUND")]
    assert errors(wrong_token) == [("token", "NOT_FOUND")]
    assert foreign["appointment"] is wrong_token["appointment"] is None
    assert Appointment.objects.filter(status="booked").count() == 2
    own = payload(ada_client.post_graphql(CANCEL, {"id": own_id}), "appointmentCancel")
    assert own["appointment"] == {"status": "CANCELLED"}


@pytest.mark.parametrize(
    "start, extra, error",
    [
        (paris(2027, 3, 22, 8, 0), {}, ("startsAt", "SLOT_PAST")),
        (paris(2027, 3, 22, 9, 0), {}, ("startsAt", "SLOT_TOO_SOON")),
        (paris(2027, 3, 23, 10, 10), {}, ("startsAt", "SLOT_UNAVAILABLE")),
        (paris(2027, 3, 28, 10, 0), {}, ("startsAt", "SLOT_UNAVAILABLE")),
        (paris(2027, 4, 22, 10, 0), {}, ("startsAt", "SLOT_TOO_FAR")),
        # Past the last date Python knows once moved to UTC: typed, not an overflow.
        (
            dt.datetime(
                9999, 12, 31, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5))
            ),
            {},
            ("startsAt", "SLOT_UNAVAILABLE"),
        ),
        (TUESDAY_10, {"email": None}, ("email", "REQUIRED")),
        (TUESDAY_10, {"email": "nobody"}, ("email", "INVALID")),
        (TUESDAY_10, {"note": "x" * 1001}, ("note", "OUT_OF_RANGE")),
    ],
)
def test_booking_refuses_each_bad_input(
    o2o_active, appointment_type, start, extra, error
):
    extra.setdefault("email", "guest@example.com")
    answer = book(ApiClient(), appointment_type, start, **extra)
    assert errors(answer) == [error]
    assert answer["token"] is None
    assert not Appointment.objects.exists()


def test_booking_refuses_a_full_slot_and_bad_type_ids(
    o2o_active, store, appointment_type
):
    for n in range(2):
        assert (
            errors(book(ApiClient(), appointment_type, email=f"{n}@example.com")) == []
        )
    assert errors(book(ApiClient(), appointment_type, email="late@example.com")) == [
        ("startsAt", "SLOT_FULL")
    ]
    answer = payload(
        ApiClient().post_graphql(
            BOOK,
            {
                "input": {
                    "typeId": gid("Store", store.pk),
                    "startsAt": TUESDAY_10.isoformat(),
                    "email": "a@example.com",
                }
            },
        ),
        "appointmentBook",
    )
    assert errors(answer) == [("typeId", "NOT_FOUND")]


def test_too_late_to_change_and_missing_token(o2o_active, appointment_type):
    token = book(
        ApiClient(), appointment_type, paris(2027, 3, 22, 10, 0), email="a@x.io"
    )["token"]
    answer = payload(
        ApiClient().post_graphql(CANCEL, {"token": token}), "appointmentCancel"
    )
    assert errors(answer) == [("id", "TOO_LATE_TO_CHANGE")]
    answer = payload(
        ApiClient().post_graphql(
            RESCHEDULE, {"token": token, "startsAt": TUESDAY_10.isoformat()}
        ),
        "appointmentReschedule",
    )
    assert errors(answer) == [("id", "TOO_LATE_TO_CHANGE")]
    answer = payload(ApiClient().post_graphql(CANCEL, {}), "appointmentCancel")
    assert errors(answer) == [("token", "REQUIRED")]


@override_settings(O2O_ANONYMOUS_BOOKINGS_PER_HOUR=2)
def test_guests_are_rate_limited_per_address(o2o_active, ada, appointment_type_factory):
    appointment_type = appointment_type_factory(capacity=10)
    outcomes = [
        errors(book(ApiClient(), appointment_type, email=f"g{n}@example.com"))
        for n in range(3)
    ]
    assert outcomes == [[], [], [(None, "TOO_MANY_REQUESTS")]]
    # Logged-in shoppers are not counted per address.
    assert errors(book(ApiClient(user=ada), appointment_type)) == []


def test_booking_is_off_while_the_plugin_is_inactive(configure_o2o, appointment_type):
    configure_o2o(active=False)
    answer = book(ApiClient(), appointment_type, email="a@example.com")
    assert errors(answer) == [(None, "FEATURE_DISABLED")]
