"""Served by uwsgi's forked workers, signed-in shoppers and guests at once: each reads
and writes their own appointments, try-on reservations and event RSVPs (by account
or by token) while the others do too, and never sees, gets or moves another's."""

import datetime as dt
from collections import Counter
from typing import Dict, List, Set

import pytest
from django.utils import timezone
from graphql_jwt.shortcuts import get_token
from saleor.account.models import User
from saleor.warehouse.models import Stock

from saleor_o2o.store.models import StockHold
from saleor_o2o.visits.appointments import booking, selectors
from saleor_o2o.visits.appointments.models import Appointment
from saleor_o2o.visits.events import rsvp
from saleor_o2o.visits.events.models import StoreEventRsvp
from saleor_o2o.visits.try_on.models import TryOnReservation

from fixtures.events import make_event
from fixtures.try_on import reserve
from helpers.api import gid
from helpers.storefront import HttpStorefront

pytestmark = [pytest.mark.slow]

MINE = """
{
  me {
    email
    appointments(first: 20) { edges { node { id email code } } }
  }
  myTryOnReservations(first: 20) { edges { node { id email } } }
  myStoreEventRsvps { id email }
}
"""
BY_TOKEN = """
query($appointment: String!, $reservation: String!) {
  appointment(token: $appointment) { id email code }
  tryOnReservation(token: $reservation) { id email }
}
"""
BY_ID = """
query($appointment: ID!, $reservation: ID!) {
  appointment(id: $appointment) { id }
  tryOnReservation(id: $reservation) { id }
}
"""
BOOK = """
mutation($input: AppointmentBookInput!) {
  appointmentBook(input: $input) {
    appointment { id email } appointmentErrors { field code }
  }
}
"""
RSVP = """
mutation($event: ID!, $email: String) {
  storeEventRsvp(eventId: $event, email: $email) {
    rsvp { id email } storeEventErrors { field code }
  }
}
"""
CANCEL_THEIRS = """
mutation($appointment: ID!, $reservation: ID!) {
  appointmentCancel(id: $appointment) { appointmentErrors { field code } }
  tryOnCancel(id: $reservation) { tryOnErrors { field code } }
}
"""
CANCEL_MINE = """
mutation($id: ID, $token: String) {
  tryOnCancel(id: $id, token: $token) {
    tryOnReservation { id email status } tryOnErrors { field code }
  }
}
"""
EACH = 3
ROUNDS = 4


def free_slots(appointment_type, count: int) -> List[dt.datetime]:
    """The first `count` slot starts from tomorrow with every place free."""
    today, found = timezone.now().date(), []
    for offset in range(1, 10):
        for slot in selectors.appointment_slots(
            appointment_type, today + dt.timedelta(days=offset)
        ):
            if slot.remaining == appointment_type.capacity:
                found.append(slot.start)
                if len(found) == count:
                    return found
    raise AssertionError("no free slots in the next days")


@pytest.fixture
def shoppers(
    transactional_db,
    o2o_active,
    site_settings,
    variant,
    store,
    appointment_type_factory,
):
    """EACH signed-in shoppers and EACH guests, each with an appointment, a try-on
    reservation and an RSVP of their own, made with the services."""
    Stock.objects.create(
        warehouse=store.warehouse, product_variant=variant, quantity=20
    )
    kind = appointment_type_factory(capacity=4 * EACH)
    first, later = free_slots(kind, 2)
    events = [make_event(store, slug="tasting"), make_event(store, slug="launch")]
    people = []
    for n in range(2 * EACH):
        user, email = None, f"guest{n}@example.com"
        if n < EACH:
            user = User.objects.create_user(f"shopper{n}@example.com", "password")
            email = user.email
        appointment, appointment_token = booking.appointment_book(
            appointment_type_id=kind.pk,
            starts_at=first,
            user=user,
            email=None if user else email,
        )
        held = reserve(
            store, variant, 1, **({"user": user} if user else {"email": email})
        )
        rsvp.store_event_rsvp(event_id=events[0].pk, user=user, email=email)
        people.append(
            {
                "user": user,
                "email": email,
                "appointment": appointment,
                "appointment_token": appointment_token,
                "reservation": held.reservation,
                "reservation_token": held.token,
            }
        )
    return people, kind, later, events[1]


def test_shoppers_and_guests_at_once_each_reach_only_their_own(
    saleor_server, shoppers, race
):
    people, kind, later, second_event = shoppers
    url = saleor_server.url
    for person in people:
        user = person["user"]
        person["front"] = HttpStorefront(url, get_token(user) if user else None)
    # What each request showed of whose objects: checked against the database after.
    seen: List[Dict] = []

    def show(n, kind_name, ids: Set[str], emails: Set[str], codes: Set = frozenset()):
        seen.append(
            {"n": n, "kind": kind_name, "ids": ids, "emails": emails, "codes": codes}
        )
        return emails <= {people[n]["email"]}

    def mine(n):
        data = people[n]["front"].post(MINE)["data"]
        visits = [e["node"] for e in data["me"]["appointments"]["edges"]]
        holds = [e["node"] for e in data["myTryOnReservations"]["edges"]]
        rsvps = data["myStoreEventRsvps"]
        return (
            data["me"]["email"] == people[n]["email"]
            and show(
                n,
                "appointment",
                {v["id"] for v in visits},
                {v["email"] for v in visits},
                {v["code"] for v in visits},
            )
            and show(n, "try_on", {h["id"] for h in holds}, {h["email"] for h in holds})
            and show(n, "rsvp", {r["id"] for r in rsvps}, {r["email"] for r in rsvps})
        )

    def by_token(n):
        person = people[n]
        data = person["front"].post(
            BY_TOKEN,
            {
                "appointment": person["appointment_token"],
                "reservation": person["reservation_token"],
            },
        )["data"]
        visit, hold = data["appointment"], data["tryOnReservation"]
        return (
            show(n, "appointment", {visit["id"]}, {visit["email"]}, {visit["code"]})
            and show(n, "try_on", {hold["id"]}, {hold["email"]})
            and visit["id"] == gid("Appointment", person["appointment"].pk)
            and hold["id"] == gid("TryOnReservation", person["reservation"].pk)
        )

    def anonymous_lists(n):
        data = people[n]["front"].post(MINE)["data"]
        return data == {
            "me": None,
            "myTryOnReservations": {"edges": []},
            "myStoreEventRsvps": [],
        }

    def theirs(n):
        """Another shopper's appointment and reservation, by ID."""
        other = people[(n + 1) % len(people)]
        return {
            "appointment": gid("Appointment", other["appointment"].pk),
            "reservation": gid("TryOnReservation", other["reservation"].pk),
        }

    def read_theirs(n):
        data = people[n]["front"].post(BY_ID, theirs(n))["data"]
        return data == {"appointment": None, "tryOnReservation": None}

    def cancel_theirs(n):
        data = people[n]["front"].post(CANCEL_THEIRS, theirs(n))["data"]
        return [
            [error["code"] for error in data["appointmentCancel"]["appointmentErrors"]],
            [error["code"] for error in data["tryOnCancel"]["tryOnErrors"]],
        ] == [["NOT_FOUND"], ["NOT_FOUND"]]

    def book(n):
        person = people[n]
        data = {
            "typeId": gid("AppointmentType", kind.pk),
            "startsAt": later.isoformat(),
        }
        if not person["user"]:
            data["email"] = person["email"]
        answer = person["front"].post(BOOK, {"input": data})["data"]["appointmentBook"]
        visit = answer["appointment"]
        return not answer["appointmentErrors"] and show(
            n, "appointment", {visit["id"]}, {visit["email"]}
        )

    def rsvp_second(n):
        person = people[n]
        variables = {"event": gid("StoreEvent", second_event.pk)}
        if not person["user"]:
            variables["email"] = person["email"]
        answer = person["front"].post(RSVP, variables)["data"]["storeEventRsvp"]
        made = answer["rsvp"]
        return not answer["storeEventErrors"] and show(
            n, "rsvp", {made["id"]}, {made["email"]}
        )

    def cancel_mine(n):
        """Guests by the manage token, signed-in shoppers by ID."""
        person = people[n]
        variables = {"token": person["reservation_token"]}
        if person["user"]:
            variables = {"id": gid("TryOnReservation", person["reservation"].pk)}
        answer = person["front"].post(CANCEL_MINE, variables)
        hold = answer["data"]["tryOnCancel"]["tryOnReservation"]
        return hold["status"] == "CANCELLED" and show(
            n, "try_on", {hold["id"]}, {hold["email"]}
        )

    signed_in = [mine, read_theirs, mine, cancel_theirs]
    guest = [by_token, anonymous_lists, read_theirs, by_token]
    writes = {0: book, 1: rsvp_second}
    calls = []
    for round_ in range(ROUNDS):
        for n, person in enumerate(people):
            reads = signed_in if person["user"] else guest
            calls += [
                lambda n=n, f=f: (f.__name__, n, f(n))
                for f in (reads[round_], reads[(round_ + 1) % len(reads)])
            ]
            write = writes.get(round_) or (cancel_mine if round_ == 2 else mine)
            if write is mine and not person["user"]:
                write = by_token
            calls.append(lambda n=n, f=write: (f.__name__, n, f(n)))

    outcomes = race(calls, workers=24)

    wrong = [outcome for outcome in outcomes if not outcome[2]]
    assert not wrong, wrong[:10]
    assert len(outcomes) == 3 * ROUNDS * len(people)
    _assert_everything_shown_was_their_own(people, seen)


def _assert_everything_shown_was_their_own(people, seen) -> None:
    for n, person in enumerate(people):
        user, email = person["user"], person["email"]
        owner = {"user": user} if user else {"user__isnull": True, "email": email}
        own = {
            "appointment": {
                gid("Appointment", pk)
                for pk in Appointment.objects.filter(**owner).values_list(
                    "pk", flat=True
                )
            },
            "try_on": {
                gid("TryOnReservation", pk)
                for pk in TryOnReservation.objects.filter(**owner).values_list(
                    "pk", flat=True
                )
            },
            "rsvp": {
                gid("StoreEventRsvp", pk)
                for pk in StoreEventRsvp.objects.filter(
                    **({"user": user} if user else {"user__isnull": True}),
                    email=email.lower(),
                ).values_list("pk", flat=True)
            },
        }
        own_codes = set(
            Appointment.objects.filter(**owner).values_list("code", flat=True)
        )
        mine = [entry for entry in seen if entry["n"] == n]
        assert mine, n
        for entry in mine:
            assert entry["ids"] <= own[entry["kind"]], (n, entry)
            assert entry["codes"] <= own_codes, (n, entry)
        # Each got what they asked for: two bookings, two RSVPs, the hold cancelled.
        assert len(own["appointment"]) == len(own["rsvp"]) == 2, (n, own)
        assert set(
            TryOnReservation.objects.filter(**owner).values_list("status", flat=True)
        ) == {"cancelled"}


RESERVE_FOR_VISIT = """
mutation($input: TryOnReserveInput!) {
  tryOnReserve(input: $input) { tryOnReservation { id } tryOnErrors { field code } }
}
"""
CANCEL_VISIT = """
mutation($token: String!) {
  appointmentCancel(token: $token) {
    appointment { status } appointmentErrors { field code }
  }
}
"""


def test_holding_items_for_a_visit_while_cancelling_it_never_keeps_them(
    saleor_server, shoppers, variant, store, race
):
    """Each shopper asks to hold an item for their visit while cancelling the visit
    (two tabs): either the hold is refused, or it ends with the visit at once."""
    people = shoppers[0]
    url = saleor_server.url
    calls = []
    for person in people:
        user = person["user"]
        front = HttpStorefront(url, get_token(user) if user else None)
        data = {
            "storeId": gid("Store", store.pk),
            "lines": [{"variantId": gid("ProductVariant", variant.pk), "quantity": 1}],
            "appointmentId": gid("Appointment", person["appointment"].pk),
        }
        if not user:
            data["email"] = person["email"]
        calls += [
            lambda f=front, d=data: f.post(RESERVE_FOR_VISIT, {"input": d})["data"][
                "tryOnReserve"
            ],
            lambda f=front, t=person["appointment_token"]: f.post(
                CANCEL_VISIT, {"token": t}
            )["data"]["appointmentCancel"],
        ]

    answers = race(calls)

    cancelled = [a["appointment"]["status"] for a in answers[1::2]]
    assert cancelled == ["CANCELLED"] * len(people), answers
    reserved = Counter(
        "held" if a["tryOnReservation"] else a["tryOnErrors"][0]["code"]
        for a in answers[::2]
    )
    assert set(reserved) <= {"held", "APPOINTMENT_UNAVAILABLE"}, reserved
    for_visits = TryOnReservation.objects.filter(appointment__isnull=False)
    assert for_visits.count() == reserved["held"]
    still_held = for_visits.filter(status="held").values_list("pk", flat=True)
    assert list(still_held) == []
    assert not StockHold.objects.filter(try_on_line__reservation__in=for_visits)
