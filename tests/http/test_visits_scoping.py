"""Served by uwsgi's forked workers, two stores' desks at once: a clerk of each store
and an app narrowed to the first (Bearer token) list, check in, mark no-shows and
release try-on holds, all in one batch of requests. Each moves only its own store's
appointments and reservations, gets NOT_FOUND (INVALID_CODE for a typed code) for
the other store's, is named as the actor of what it did, and the app's webhook
hears only of its store."""

import datetime as dt
from typing import Dict, List

import pytest
from django.utils import timezone
from saleor.order.models import Order
from saleor.warehouse.models import Stock

from saleor_o2o.core import codes
from saleor_o2o.visits.appointments.models import Appointment, AppointmentType
from saleor_o2o.visits.appointments.rules import AppointmentStatus
from saleor_o2o.visits.try_on import rules as try_on_rules
from saleor_o2o.visits.try_on.models import TryOnReservation
from saleor_o2o.webhook import services as webhook_services
from saleor_o2o.webhook.events import O2OEventType
from saleor_o2o.webhook.models import O2OEvent

from fixtures.try_on import reserve
from helpers.api import gid
from helpers.desk import app_narrowed_to, clerk_of, daytime_zone, front_of
from helpers.servers import wait_until
from helpers.webhooks import webhook_of

pytestmark = [pytest.mark.slow]

APPOINTMENTS = """
query($store: ID) {
  appointments(first: 100, storeId: $store) { edges { node { id code } } }
}
"""
TRY_ONS = """
query($store: ID) {
  tryOnReservations(first: 100, storeId: $store) { edges { node { id email } } }
}
"""
NODES = """
query($appointment: ID!, $reservation: ID!) {
  appointment(id: $appointment) { id }
  tryOnReservation(id: $reservation) { id }
}
"""
CHECK_IN = """
mutation($id: ID, $code: String, $store: ID) {
  appointmentCheckIn(id: $id, code: $code, storeId: $store) {
    appointment { id status } appointmentErrors { field code }
  }
}
"""
NO_SHOW = """
mutation($id: ID!) {
  appointmentMarkNoShow(id: $id) {
    appointment { id status } appointmentErrors { field code }
  }
}
"""
RELEASE = """
mutation($id: ID!) {
  tryOnRelease(id: $id, note: "Not today") {
    tryOnReservation { id status } tryOnErrors { field code }
  }
}
"""
CONVERT = """
mutation($id: ID!) {
  tryOnConvert(id: $id) { order { id } tryOnErrors { field code } }
}
"""
#: What each actor owns at its store, of each kind.
EACH = {"by_code": 2, "by_id": 2, "no_show": 2, "try_on": 3}
APPOINTMENT_KINDS = ("by_code", "by_id", "no_show")
SUBSCRIBED = (
    O2OEventType.APPOINTMENT_CHECKED_IN,
    O2OEventType.APPOINTMENT_NO_SHOW,
    O2OEventType.TRY_ON_RELEASED,
)


def unique_codes(count: int) -> List[str]:
    found = set()
    while len(found) < count:
        found.add(codes.new_code(codes.HANDOVER_CODE_LENGTH))
    return sorted(found)


def appointment_at(kind, starts_at, code, n):
    return Appointment.objects.create(
        appointment_type=kind,
        store=kind.store,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=30),
        email=f"visitor{n}@example.com",
        name=f"Visitor {n}",
        token_hash=f"{n:064d}",
        code=code,
    )


@pytest.fixture
def desks(
    transactional_db,
    o2o_active,
    site_settings,
    variant,
    store_factory,
    webhook_receiver,
):
    """Two stores in a time zone in the middle of its day, the desk work of three
    actors (store A's clerk and an app narrowed to A; store B's clerk): for each,
    appointments to check in by code and by ID, overdue ones to mark as no-shows,
    and try-on holds to release."""
    now = timezone.now()
    zone = daytime_zone(now)
    store_a = store_factory("Paris Louvre", 48.8606, 2.3376, timezone=zone)
    store_b = store_factory("Paris Bastille", 48.8532, 2.3692, timezone=zone)
    app = app_narrowed_to([store_a])
    webhook = webhook_of(app, webhook_receiver.url)
    webhook.secret_key = webhook_receiver.secret
    webhook.save(update_fields=["secret_key"])
    webhook_services.webhook_subscriptions_set(webhook=webhook, event_types=SUBSCRIBED)
    actors = {
        "clerk_a": (clerk_of(store_a, "clerk-a@example.com"), store_a),
        "app_a": (app, store_a),
        "clerk_b": (clerk_of(store_b, "clerk-b@example.com"), store_b),
    }
    kinds = {}
    for store in (store_a, store_b):
        kinds[store.pk] = AppointmentType.objects.create(
            store=store, name="Fitting", duration_minutes=30, capacity=20
        )
        Stock.objects.create(
            warehouse=store.warehouse, product_variant=variant, quantity=20
        )
    code_pool = iter(unique_codes(len(actors) * EACH["by_code"]))
    work = {}
    n = 0
    for name, (_who, store) in actors.items():
        kind, owned = kinds[store.pk], {}
        owned["by_code"] = []
        for _ in range(EACH["by_code"]):
            n += 1
            owned["by_code"].append(appointment_at(kind, now, next(code_pool), n))
        for key, starts_at in (
            ("by_id", now),
            ("no_show", now - dt.timedelta(hours=1)),
        ):
            owned[key] = []
            for _ in range(EACH[key]):
                n += 1
                owned[key].append(appointment_at(kind, starts_at, f"X{n}", n))
        owned["try_on"] = [
            reserve(store, variant, 1, email=f"{name}-{i}@example.com").reservation
            for i in range(EACH["try_on"])
        ]
        work[name] = owned
    O2OEvent.objects.all().delete()  # Only the race's events are counted below.
    return actors, work


def test_two_stores_desks_and_an_app_at_once_each_reach_only_their_own(
    saleor_server, desks, webhook_receiver, race
):
    actors, work = desks
    fronts = {
        name: front_of(saleor_server.url, who) for name, (who, _) in actors.items()
    }
    store_of = {name: store for name, (_, store) in actors.items()}
    foreign = {
        "clerk_a": ["clerk_b"],
        "app_a": ["clerk_b"],
        "clerk_b": ["clerk_a", "app_a"],
    }

    def store_ids(name, type_name):
        """The IDs of the appointments (or reservations) at `name`'s store."""
        kinds = ["try_on"] if type_name == "TryOnReservation" else APPOINTMENT_KINDS
        return {
            gid(type_name, obj.pk)
            for other in actors
            if store_of[other] == store_of[name]
            for kind in kinds
            for obj in work[other][kind]
        }

    def errors_of(answer, field, errors):
        if answer.get("errors") or answer["data"][field] is None:
            return answer.get("errors")
        return [error["code"] for error in answer["data"][field][errors]]

    def check_in(name, variables, expected):
        answer = fronts[name].post(CHECK_IN, variables)
        codes_seen = errors_of(answer, "appointmentCheckIn", "appointmentErrors")
        if expected is None:
            return codes_seen == [] and _status(answer, "appointmentCheckIn") == (
                "CHECKED_IN"
            )
        return codes_seen == [expected]

    def no_show(name, target, expected):
        answer = fronts[name].post(NO_SHOW, {"id": gid("Appointment", target.pk)})
        codes_seen = errors_of(answer, "appointmentMarkNoShow", "appointmentErrors")
        if expected is None:
            return codes_seen == [] and _status(answer, "appointmentMarkNoShow") == (
                "NO_SHOW"
            )
        return codes_seen == [expected]

    def release(name, target, expected):
        answer = fronts[name].post(RELEASE, {"id": gid("TryOnReservation", target.pk)})
        codes_seen = errors_of(answer, "tryOnRelease", "tryOnErrors")
        if expected is None:
            return codes_seen == [] and _status(answer, "tryOnRelease") == "RELEASED"
        return codes_seen == [expected]

    def convert_foreign(name, target):
        answer = fronts[name].post(CONVERT, {"id": gid("TryOnReservation", target.pk)})
        return errors_of(answer, "tryOnConvert", "tryOnErrors") == ["NOT_FOUND"]

    def lists(name):
        """Both desk lists show exactly the store's objects, and never a shopper's
        check-in code to the desk."""
        seen = fronts[name].post(APPOINTMENTS)["data"]["appointments"]["edges"]
        held = fronts[name].post(TRY_ONS)["data"]["tryOnReservations"]["edges"]
        return (
            {edge["node"]["id"] for edge in seen} == store_ids(name, "Appointment")
            and all(edge["node"]["code"] is None for edge in seen)
            and {edge["node"]["id"] for edge in held}
            == store_ids(name, "TryOnReservation")
        )

    def lists_foreign_store(name):
        """Naming the other store is NOT_FOUND; its objects read as null."""
        other = store_of[foreign[name][0]]
        refused = [
            fronts[name].post(query, {"store": gid("Store", other.pk)})
            for query in (APPOINTMENTS, TRY_ONS)
        ]
        theirs = work[foreign[name][0]]
        nodes = fronts[name].post(
            NODES,
            {
                "appointment": gid("Appointment", theirs["by_id"][0].pk),
                "reservation": gid("TryOnReservation", theirs["try_on"][0].pk),
            },
        )["data"]
        return all(
            [error["extensions"]["code"] for error in answer["errors"]] == ["NOT_FOUND"]
            for answer in refused
        ) and nodes == {"appointment": None, "tryOnReservation": None}

    calls = []
    for name in actors:
        mine = work[name]
        for target in mine["by_code"]:
            # Typed as a shopper shows it: lower case, with a dash.
            code = f"{target.code[:3]}-{target.code[3:]}".lower()
            calls.append(
                lambda n=name, c=code: ("in", n, check_in(n, {"code": c}, None))
            )
        for target in mine["by_id"]:
            calls.append(
                lambda n=name, t=target: (
                    "in",
                    n,
                    check_in(n, {"id": gid("Appointment", t.pk)}, None),
                )
            )
        for target in mine["no_show"]:
            calls.append(lambda n=name, t=target: ("no-show", n, no_show(n, t, None)))
        for target in mine["try_on"]:
            calls.append(lambda n=name, t=target: ("release", n, release(n, t, None)))
        for other in foreign[name]:
            theirs = work[other]
            store = gid("Store", store_of[other].pk)
            for t in theirs["by_code"]:
                calls += [
                    lambda n=name, c=t.code: (
                        "their code",
                        n,
                        check_in(n, {"code": c}, "INVALID_CODE"),
                    ),
                    lambda n=name, c=t.code, s=store: (
                        "their code there",
                        n,
                        check_in(n, {"code": c, "store": s}, "NOT_FOUND"),
                    ),
                ]
            for t in theirs["by_id"]:
                calls.append(
                    lambda n=name, t=t: (
                        "their id",
                        n,
                        check_in(n, {"id": gid("Appointment", t.pk)}, "NOT_FOUND"),
                    )
                )
            for t in theirs["no_show"]:
                calls.append(
                    lambda n=name, t=t: ("their no-show", n, no_show(n, t, "NOT_FOUND"))
                )
            for t in theirs["try_on"]:
                calls += [
                    lambda n=name, t=t: ("their hold", n, release(n, t, "NOT_FOUND")),
                    lambda n=name, t=t: ("their sale", n, convert_foreign(n, t)),
                ]
        calls += [lambda n=name: ("lists", n, lists(n))] * 3
        calls += [lambda n=name: ("foreign lists", n, lists_foreign_store(n))] * 2

    outcomes = race(calls, workers=24)

    wrong = [outcome for outcome in outcomes if not outcome[2]]
    assert not wrong, wrong[:10]
    assert 60 <= len(outcomes) <= 120, len(outcomes)
    _assert_each_moved_only_its_own(actors, work)
    _assert_the_app_heard_only_of_its_store(actors, webhook_receiver)


def _status(answer, field) -> str:
    payload = answer["data"][field]
    node = payload.get("appointment") or payload.get("tryOnReservation") or {}
    return node.get("status", "")


def _actor_ids(who) -> Dict[str, object]:
    from saleor.app.models import App

    if isinstance(who, App):
        return {"user_id": None, "app_id": gid("App", who.pk)}
    return {"user_id": gid("User", who.pk), "app_id": None}


def _assert_each_moved_only_its_own(actors, work) -> None:
    """Every object ended where its own actor moved it, with that actor recorded
    (in the appointment events and on the reservation); nothing was sold."""
    moved_by = {}
    for name, (who, _store) in actors.items():
        owned = work[name]
        for key, status in (
            ("by_code", AppointmentStatus.CHECKED_IN),
            ("by_id", AppointmentStatus.CHECKED_IN),
            ("no_show", AppointmentStatus.NO_SHOW),
        ):
            for appointment in owned[key]:
                appointment.refresh_from_db()
                assert appointment.status == status, (name, key, appointment.pk)
                moved_by[gid("Appointment", appointment.pk)] = _actor_ids(who)
        for reservation in owned["try_on"]:
            reservation.refresh_from_db()
            assert reservation.status == try_on_rules.RELEASED
            assert (reservation.closed_by_user, reservation.closed_by_app) == (
                (None, who) if "app" in name else (who, None)
            )
    events = O2OEvent.objects.filter(
        type__in=[
            O2OEventType.APPOINTMENT_CHECKED_IN,
            O2OEventType.APPOINTMENT_NO_SHOW,
        ]
    )
    actors_seen = {
        event.payload["id"]: {
            key: event.payload["actor"][key] for key in ("user_id", "app_id")
        }
        for event in events
    }
    assert actors_seen == moved_by
    assert events.count() == len(moved_by)
    assert not Order.objects.exists()
    assert not TryOnReservation.objects.filter(status=try_on_rules.HELD).exists()


def _assert_the_app_heard_only_of_its_store(actors, receiver) -> None:
    store_a = actors["app_a"][1]
    expected = {
        event.pk
        for event in O2OEvent.objects.filter(type__in=SUBSCRIBED)
        if event.payload["store"]["id"] == gid("Store", store_a.pk)
    }
    per_store = 2 * (EACH["by_code"] + EACH["by_id"] + EACH["no_show"] + EACH["try_on"])
    assert len(expected) == per_store
    wait_until(
        lambda: len(receiver.accepted_keys()) >= per_store,
        timeout=30,
        what="the app's webhook deliveries",
    )
    delivered = receiver.accepted()
    assert all(request["verified"] for request in delivered)
    assert {request["data"]["store"]["id"] for request in delivered} == {
        gid("Store", store_a.pk)
    }
    assert {request["data"]["event_id"] for request in delivered} == expected
