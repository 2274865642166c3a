"""Appointments over HTTP: shoppers and guests racing uwsgi's forked workers for
the last places of one slot. Exactly the slot's capacity is booked; everyone else
gets a typed SLOT_FULL, and each winner's token manages only their booking."""

import datetime as dt

import pytest
from django.utils import timezone
from graphql_jwt.shortcuts import get_token
from saleor.account.models import User

from saleor_o2o.visits.appointments import selectors
from saleor_o2o.visits.appointments.models import Appointment

from helpers.api import gid
from helpers.storefront import HttpStorefront

pytestmark = [pytest.mark.slow]

BOOK = """
mutation($input: AppointmentBookInput!) {
  appointmentBook(input: $input) {
    token appointment { id startsAt } appointmentErrors { field code }
  }
}"""
BY_TOKEN = "query($token: String) { appointment(token: $token) { id } }"
RACERS = 12
CAPACITY = 3


def free_slot(appointment_type):
    """The first slot from tomorrow with every place free."""
    today = timezone.now().date()
    for offset in range(1, 10):
        for slot in selectors.appointment_slots(
            appointment_type, today + dt.timedelta(days=offset)
        ):
            if slot.remaining == CAPACITY:
                return slot.start
    raise AssertionError("no free slot in the next days")


def test_racing_for_the_last_places_of_a_slot(
    saleor_server, transactional_db, o2o_active, appointment_type_factory, race
):
    appointment_type = appointment_type_factory(capacity=CAPACITY)
    start = free_slot(appointment_type)
    fronts = []
    for index in range(RACERS):
        if index % 2:
            user = User.objects.create_user(
                f"racer{index}@example.com", "password", is_active=True
            )
            fronts.append((HttpStorefront(saleor_server.url, get_token(user)), None))
        else:
            fronts.append((HttpStorefront(saleor_server.url), f"g{index}@example.com"))

    def attempt(front, email):
        data = {
            "typeId": gid("AppointmentType", appointment_type.pk),
            "startsAt": start.isoformat(),
        }
        if email:
            data["email"] = email
        answer = front.post(BOOK, {"input": data})["data"]["appointmentBook"]
        return answer

    answers = race([lambda f=f, e=e: attempt(f, e) for f, e in fronts])

    won = [a for a in answers if not a["appointmentErrors"]]
    refused = [a["appointmentErrors"] for a in answers if a["appointmentErrors"]]
    assert len(won) == CAPACITY, answers
    assert refused == [[{"field": "startsAt", "code": "SLOT_FULL"}]] * (
        RACERS - CAPACITY
    )
    assert Appointment.objects.filter(starts_at=start).count() == CAPACITY
    shopper = HttpStorefront(saleor_server.url)
    for answer in won:
        seen = shopper.post(BY_TOKEN, {"token": answer["token"]})
        assert seen["data"]["appointment"]["id"] == answer["appointment"]["id"]
