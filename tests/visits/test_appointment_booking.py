"""Booking, moving and cancelling appointments: slot rules, tokens, owners, races."""

import datetime as dt
import hashlib

import pytest
from saleor.account.models import User

from saleor_o2o.core.errors import O2OError
from saleor_o2o.visits.appointments import booking, notices, selectors, services
from saleor_o2o.visits.appointments.models import Appointment, AppointmentType
from saleor_o2o.visits.appointments.rules import AppointmentStatus

from fixtures.visits import paris
from helpers.api import code_of
from helpers.concurrency import race

#: Monday 22 March 2027, 08:15 in Paris.
NOW = paris(2027, 3, 22, 8, 15)
TUESDAY_10 = paris(2027, 3, 23, 10, 0)


def book(appointment_type, start=TUESDAY_10, *, now=NOW, **extra):
    extra.setdefault("email", "guest@example.com")
    return booking.appointment_book(
        appointment_type_id=appointment_type.pk, starts_at=start, now=now, **extra
    )


def test_booking_stores_only_the_hash_of_the_token(appointment_type):
    appointment, token = book(appointment_type, name="Ada", note="Size 38")
    assert len(token) >= 43
    stored = Appointment.objects.get(pk=appointment.pk)
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {stored.token_hash, stored.code}
    assert stored.ends_at == TUESDAY_10 + dt.timedelta(minutes=30)
    assert (stored.email, stored.name, stored.note) == (
        "guest@example.com",
        "Ada",
        "Size 38",
    )
    assert len(stored.code) == 6
    assert selectors.appointment_for_token(token) == stored
    assert selectors.appointment_for_token(token + "x") is None


def test_a_logged_in_shopper_books_under_their_own_email(appointment_type):
    user = User.objects.create_user("ada@example.com", "password")
    appointment, _token = book(appointment_type, user=user, email="other@example.com")
    assert (appointment.user, appointment.email) == (user, "ada@example.com")


@pytest.mark.parametrize(
    "extra, code, field",
    [
        ({"email": ""}, "REQUIRED", "email"),
        ({"email": "not-an-address"}, "INVALID", "email"),
        ({"name": "x" * 121}, "OUT_OF_RANGE", "name"),
        ({"note": "x" * 1001}, "OUT_OF_RANGE", "note"),
    ],
)
def test_contact_details_are_checked(appointment_type, extra, code, field):
    with pytest.raises(O2OError) as error:
        book(appointment_type, **extra)
    assert (error.value.code, error.value.field) == (code, field)


@pytest.mark.parametrize(
    "start, code",
    [
        (paris(2027, 3, 22, 7, 30), "SLOT_PAST"),
        (paris(2027, 3, 22, 8, 30), "SLOT_UNAVAILABLE"),  # before opening time
        (paris(2027, 3, 22, 9, 0), "SLOT_TOO_SOON"),  # within the hour's notice
        (paris(2027, 3, 23, 10, 10), "SLOT_UNAVAILABLE"),  # not a slot's start
        (paris(2027, 3, 23, 19, 0), "SLOT_UNAVAILABLE"),  # closing time
        (paris(2027, 3, 28, 10, 0), "SLOT_UNAVAILABLE"),  # Sunday: closed
        (paris(2027, 4, 22, 10, 0), "SLOT_TOO_FAR"),  # 31 days ahead
    ],
)
def test_only_bookable_slots_are_booked(appointment_type, start, code):
    assert code_of(lambda: book(appointment_type, start)) == code


def test_a_full_slot_is_refused(appointment_type):
    book(appointment_type, email="one@example.com")
    book(appointment_type, email="two@example.com")
    assert code_of(lambda: book(appointment_type)) == "SLOT_FULL"


def test_naive_start_and_inactive_type_are_refused(appointment_type):
    assert code_of(lambda: book(appointment_type, dt.datetime(2027, 3, 23, 10))) == (
        "INVALID"
    )
    services.appointment_type_update(
        appointment_type=appointment_type, data={"is_active": False}
    )
    assert code_of(lambda: book(appointment_type)) == "NOT_FOUND"


def test_a_shopper_holds_a_few_upcoming_appointments_at_most(appointment_type_factory):
    appointment_type = appointment_type_factory(capacity=10)
    for hour in range(10, 15):
        book(appointment_type, paris(2027, 3, 23, hour, 0), email="Many@example.com")
    later = paris(2027, 3, 23, 16, 0)
    assert code_of(lambda: book(appointment_type, later, email="many@example.com")) == (
        "TOO_MANY_APPOINTMENTS"
    )


def test_reschedule_moves_and_frees_the_old_place(appointment_type_factory):
    appointment_type = appointment_type_factory(capacity=1)
    appointment, _ = book(appointment_type)
    eleven = paris(2027, 3, 23, 11, 0)
    moved = booking.appointment_reschedule(
        appointment=appointment, starts_at=eleven, now=NOW
    )
    assert (moved.starts_at, moved.ends_at) == (
        eleven,
        eleven + dt.timedelta(minutes=30),
    )
    other, _ = book(appointment_type, email="next@example.com")
    assert other.starts_at == TUESDAY_10
    assert (
        code_of(
            lambda: booking.appointment_reschedule(
                appointment=appointment, starts_at=TUESDAY_10, now=NOW
            )
        )
        == "SLOT_FULL"
    )
    # Its own slot counts it once: staying put is allowed.
    booking.appointment_reschedule(appointment=appointment, starts_at=eleven, now=NOW)


def test_changes_end_change_until_minutes_before_the_start(appointment_type):
    appointment, _ = book(appointment_type)
    late = TUESDAY_10 - dt.timedelta(minutes=119)
    assert (
        code_of(lambda: booking.appointment_cancel(appointment=appointment, now=late))
        == "TOO_LATE_TO_CHANGE"
    )
    assert (
        code_of(
            lambda: booking.appointment_reschedule(
                appointment=appointment, starts_at=paris(2027, 3, 24, 10, 0), now=late
            )
        )
        == "TOO_LATE_TO_CHANGE"
    )
    in_time = TUESDAY_10 - dt.timedelta(minutes=120)
    cancelled = booking.appointment_cancel(appointment=appointment, now=in_time)
    assert (cancelled.status, cancelled.cancelled_at) == (
        AppointmentStatus.CANCELLED,
        in_time,
    )
    assert (
        code_of(lambda: booking.appointment_cancel(appointment=appointment, now=NOW))
        == "NOT_CHANGEABLE"
    )


def test_tokens_and_owners_manage_only_their_own(appointment_type):
    ada = User.objects.create_user("ada@example.com", "password")
    bob = User.objects.create_user("bob@example.com", "password")
    mine, token = book(appointment_type, user=ada)
    guest, guest_token = book(appointment_type, email="guest@example.com")
    assert selectors.appointment_managed(token=token) == mine
    assert selectors.appointment_managed(pk=mine.pk, user=ada) == mine
    refused = [
        lambda: selectors.appointment_managed(token="wrong"),
        lambda: selectors.appointment_managed(token=token[:-1]),
        lambda: selectors.appointment_managed(pk=mine.pk, user=bob),
        lambda: selectors.appointment_managed(pk=guest.pk, user=ada),
        lambda: selectors.appointment_managed(pk=mine.pk, user=None),
        lambda: selectors.appointment_managed(token=guest_token, pk=mine.pk),
    ]
    messages = set()
    for call in refused:
        with pytest.raises(O2OError) as error:
            call()
        assert error.value.code == "NOT_FOUND"
        messages.add(error.value.message)
    assert messages == {selectors.NOT_FOUND_MESSAGE}


def test_every_move_is_notified_in_its_transaction(appointment_type, monkeypatch):
    from django.db import connection

    seen = []
    monkeypatch.setattr(
        notices,
        "appointment_notify",
        lambda appointment, notice: seen.append((notice, connection.in_atomic_block)),
    )
    appointment, _ = book(appointment_type)
    booking.appointment_reschedule(
        appointment=appointment, starts_at=paris(2027, 3, 23, 11, 0), now=NOW
    )
    booking.appointment_cancel(appointment=appointment, now=NOW)
    assert seen == [
        (notices.BOOKED, True),
        (notices.RESCHEDULED, True),
        (notices.CANCELLED, True),
    ]


def test_type_delete_refuses_upcoming_and_keeps_history(appointment_type_factory):
    booked = appointment_type_factory(name="Booked")
    appointment, _ = book(booked)
    with pytest.raises(O2OError) as error:
        services.appointment_type_delete(appointment_type=booked, now=NOW)
    assert error.value.code == "HAS_APPOINTMENTS"
    services.appointment_type_delete(
        appointment_type=booked, now=appointment.ends_at + dt.timedelta(minutes=1)
    )
    kept = AppointmentType.objects.get(pk=booked.pk)
    assert (kept.is_active, kept.deleted_at is not None) == (False, True)
    assert selectors.appointment_type_for_id(booked.pk, active_only=False) is None
    never = appointment_type_factory(name="Never booked")
    services.appointment_type_delete(appointment_type=never, now=NOW)
    assert not AppointmentType.objects.filter(pk=never.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_racing_for_the_last_places_books_exactly_the_capacity(
    appointment_type_factory,
):
    appointment_type = appointment_type_factory(capacity=3)
    outcomes = race(
        8,
        lambda index: book(appointment_type, email=f"racer{index}@example.com"),
    )
    assert outcomes == ["SLOT_FULL"] * 5 + ["won"] * 3
    assert Appointment.objects.filter(starts_at=TUESDAY_10).count() == 3


def test_a_long_account_name_is_cut_to_fit_not_refused(appointment_type):
    """Saleor's names hold 256 + 256 characters; the booking keeps what fits."""
    shopper = User.objects.create_user(
        "long@example.com", "x", first_name="A" * 200, last_name="B" * 200
    )

    appointment, _token = book(appointment_type, user=shopper, email=None)

    assert appointment.name == "A" * 120
    assert appointment.email == "long@example.com"
