"""Items held for an appointment follow the appointment when it moves or is
cancelled (`visits.try_on.follow`), through the booking services."""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction

from saleor_o2o.core.errors import O2OError
from saleor_o2o.store.models import StockHold
from saleor_o2o.visits.appointments import booking
from saleor_o2o.visits.try_on import rules
from saleor_o2o.visits.try_on.models import TryOnReservation

from fixtures.try_on import reserve
from fixtures.visits import paris

#: Monday 22 March 2027, 08:15 in Paris.
NOW = paris(2027, 3, 22, 8, 15)
TUESDAY_10 = paris(2027, 3, 23, 10, 0)


@pytest.fixture
def held_for_visit(appointment_type, try_on_store, variant):
    """A guest's 10:00 fitting on Tuesday, with 2 of the 3 units held for it."""
    appointment, _token = booking.appointment_book(
        appointment_type_id=appointment_type.pk,
        starts_at=TUESDAY_10,
        now=NOW,
        email="guest@example.com",
    )
    reserved = reserve(
        try_on_store, variant, 2, appointment_id=appointment.pk, now=NOW
    ).reservation
    assert reserved.held_until == appointment.ends_at
    return appointment, reserved


def _holds_until(reservation):
    return set(
        StockHold.objects.filter(
            pk__in=reservation.lines.values("hold_id")
        ).values_list("held_until", flat=True)
    )


def test_a_moved_visit_moves_the_hold(held_for_visit):
    appointment, reserved = held_for_visit
    later = paris(2027, 3, 24, 15, 0)

    moved = booking.appointment_reschedule(
        appointment=appointment, starts_at=later, now=NOW + dt.timedelta(hours=1)
    )

    reserved.refresh_from_db()
    assert reserved.status == rules.HELD
    assert reserved.held_until == moved.ends_at == later + dt.timedelta(minutes=30)
    assert _holds_until(reserved) == {moved.ends_at}


def test_a_visit_moved_beyond_the_longest_hold_ends_the_hold(
    held_for_visit, try_on_store, variant
):
    appointment, reserved = held_for_visit

    booking.appointment_reschedule(
        appointment=appointment,
        starts_at=paris(2027, 3, 30, 10, 0),  # 8 days away: too far to hold stock.
        now=NOW + dt.timedelta(hours=1),
    )

    reserved.refresh_from_db()
    assert reserved.status == rules.EXPIRED
    assert "7 days" in reserved.note
    assert not StockHold.objects.exists()
    assert reserve(try_on_store, variant, 3, email="other@example.com", now=NOW)


def test_a_cancelled_visit_puts_the_items_back_on_sale(
    held_for_visit, try_on_store, variant
):
    appointment, reserved = held_for_visit

    booking.appointment_cancel(appointment=appointment, now=NOW)

    reserved.refresh_from_db()
    assert reserved.status == rules.EXPIRED
    assert reserved.note == "The appointment was cancelled."
    assert reserved.emails.filter(kind=rules.EXPIRED).exists()
    assert not StockHold.objects.exists()
    assert reserve(try_on_store, variant, 3, email="other@example.com", now=NOW)


def test_a_hold_without_a_visit_is_left_alone(appointment_type, try_on_store, variant):
    appointment, _token = booking.appointment_book(
        appointment_type_id=appointment_type.pk,
        starts_at=TUESDAY_10,
        now=NOW,
        email="guest@example.com",
    )
    plain = reserve(try_on_store, variant, 1, now=NOW).reservation

    booking.appointment_cancel(appointment=appointment, now=NOW)

    assert TryOnReservation.objects.get(pk=plain.pk).status == rules.HELD


def test_a_hold_asked_for_while_its_visit_is_being_cancelled_is_refused(
    transactional_db, appointment_type, try_on_store, variant
):
    """The cancellation has locked the visit and found no hold to end, but has not
    committed: a reservation for that visit waits for it, then is refused. (It read
    the visit as still booked and kept the units until the visit's end before.)"""
    appointment, _token = booking.appointment_book(
        appointment_type_id=appointment_type.pk,
        starts_at=TUESDAY_10,
        now=NOW,
        email="guest@example.com",
    )
    outcome = []

    def reserve_for_the_visit():
        try:
            reserve(try_on_store, variant, 1, appointment_id=appointment.pk, now=NOW)
            outcome.append("held")
        except O2OError as error:
            outcome.append(error.code)
        finally:
            connection.close()

    with transaction.atomic():
        booking.appointment_cancel(appointment=appointment, now=NOW)
        reserving = threading.Thread(target=reserve_for_the_visit)
        reserving.start()
        reserving.join(timeout=1)  # Blocked on the visit's lock (or done, before).
    reserving.join(timeout=30)

    assert outcome == ["APPOINTMENT_UNAVAILABLE"]
    assert not TryOnReservation.objects.filter(status=rules.HELD).exists()
    assert not StockHold.objects.exists()
