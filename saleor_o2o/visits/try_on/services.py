"""Reserving items to try at a store, and ending the hold: cancelled by the
shopper, released by the store, expired by the beat task.

Locks, in the order of docs/design/click-and-collect.md: reserving locks the store
row (FOR NO KEY UPDATE, as pickup reservations do), then the shopper's appointment
if the items are held for one, then the store's stock rows of the items in
primary-key order (`reservations.stocks_lock`), and only then writes the holds,
so a hold and a checkout racing for the last unit are serialised on the stock row
and never both get it. Ending a hold locks the reservation row and drops
its holds (which only gives units back, so it needs no stock lock); the sale at the
desk (`sale`) locks the stock rows first, then the reservation row.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import List, Optional, Sequence

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from saleor.product.models import ProductVariant

from saleor_o2o.core.actors import Actor
from saleor_o2o.core.db import rows_lock
from saleor_o2o.core.errors import NotFound, O2OError
from saleor_o2o.core.tokens import TOKEN_MAX_LENGTH, new_token, token_hash
from saleor_o2o.core.validation import NOTE_MAX_LENGTH, shopper_email, text_clean
from saleor_o2o.store import holds, reservations, supply
from saleor_o2o.store.models import Store
from saleor_o2o.store.stock import record_stock_low_after
from saleor_o2o.visits.appointments.models import Appointment
from saleor_o2o.visits.appointments.rules import AppointmentStatus
from saleor_o2o.visits.try_on import rules
from saleor_o2o.visits.try_on.emails import try_on_email_record
from saleor_o2o.visits.try_on.models import TryOnLine, TryOnReservation
from saleor_o2o.visits.try_on.payloads import EVENT_FOR_STATUS, try_on_payload
from saleor_o2o.webhook.events import events_record

#: Reservations one run of the beat task closes at most (the next run goes on).
EXPIRY_BATCH = 500


@dataclass(frozen=True)
class Reserved:
    """A new reservation and its manage token (shown to the shopper once)."""

    reservation: TryOnReservation
    token: str


def _variants_check(lines: Sequence[supply.Line]) -> List[ProductVariant]:
    """Return the lines' variants, or raise for an unknown one or one stores do not
    keep in stock (digital, or stock not tracked)."""
    found = ProductVariant.objects.select_related("product__product_type").in_bulk(
        [line.variant_id for line in lines]
    )
    variants = []
    for index, line in enumerate(lines):
        variant = found.get(line.variant_id)
        if variant is None:
            raise NotFound("No such product variant.", field=f"lines.{index}.variantId")
        if not (variant.track_inventory and variant.is_shipping_required()):
            raise O2OError(
                "That item is not kept in store stock, so it cannot be held.",
                field=f"lines.{index}.variantId",
                code="NOT_STOCKED",
            )
        variants.append(variant)
    return variants


def _appointment_view(appointment_id, *, store: Store, user, email: str):
    """Return the shopper's appointment, locked, as the rules see it, or raise
    NOT_FOUND for one that is not theirs.

    Locked until commit, so that a cancellation or move of the visit running at the
    same time either comes first (and the hold is judged by the visit as it is
    then) or waits and then finds the new hold to end or move (`follow`).
    """
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .filter(pk=appointment_id)
        .first()
    )
    if appointment is None:
        raise NotFound("No such appointment.", field="appointment_id")
    signed_in = user is not None and getattr(user, "is_authenticated", False)
    if signed_in:
        mine = appointment.user_id == user.pk
    else:
        mine = (
            appointment.user_id is None
            and appointment.email.casefold() == email.casefold()
        )
    if not mine:
        raise NotFound("No such appointment.", field="appointment_id")
    if appointment.store_id != store.pk:
        raise O2OError(
            "That appointment is at another store.",
            field="appointment_id",
            code="APPOINTMENT_UNAVAILABLE",
        )
    return appointment, rules.AppointmentView(
        store_id=appointment.store_id,
        ends_at=appointment.ends_at,
        is_holding=appointment.status in AppointmentStatus.HOLDING,
    )


def open_count(*, user, email: str, now: datetime) -> int:
    """Return how many reservations the shopper (account or e-mail) holds now."""
    mine = Q(email__iexact=email)
    if user is not None and getattr(user, "is_authenticated", False):
        mine |= Q(user=user)
    return TryOnReservation.objects.filter(
        mine, status=rules.HELD, held_until__gt=now
    ).count()


def _short(plan: supply.AllocationPlan, lines, available) -> O2OError:
    missing = plan.short[0]
    index = next(
        i for i, line in enumerate(lines) if line.variant_id == missing.variant_id
    )
    units = available.get(missing.variant_id, 0)
    return O2OError(
        f"The store can hold {units} of that item now.",
        field=f"lines.{index}.quantity",
        code="INSUFFICIENT_STOCK",
    )


def try_on_reserve(
    *,
    store_id: int,
    lines: Sequence[supply.Line],
    user=None,
    email: Optional[str] = None,
    appointment_id: Optional[int] = None,
    now: Optional[datetime] = None,
) -> Reserved:
    """Hold ``lines`` at the store for the shopper, or raise a typed error.

    Only units the store can promise for pickup are held (after safety stock,
    Saleor's allocations, checkouts' reservations and other holds), until the end
    of the appointment or the hold period.
    """
    now = now or timezone.now()
    lines = rules.check_lines(lines)
    email = shopper_email(user, email)
    variants = _variants_check(lines)
    with transaction.atomic():
        rows_lock(Store._meta.db_table, [store_id], mode="NO KEY UPDATE")
        store = Store.objects.filter(pk=store_id, is_active=True).first()
        if store is None:
            raise NotFound("No such store.", field="store_id")
        appointment, view = None, None
        if appointment_id is not None:
            appointment, view = _appointment_view(
                appointment_id, store=store, user=user, email=email
            )
        held_until = rules.hold_end(now=now, appointment=view)
        rules.check_open_count(open_count(user=user, email=email, now=now))

        stocks = reservations.stocks_lock(
            reservations.store_source(store), [line.variant_id for line in lines]
        )
        units = reservations.stock_units(stocks, safety_stock=store.pickup_safety_stock)
        available = {unit.variant_id: unit.available for unit in units}
        plan = supply.allocation_plan(lines, units)
        if not plan.is_complete:
            raise _short(plan, lines, available)

        token = new_token()
        reservation = TryOnReservation.objects.create(
            store=store,
            user=user if user is not None and user.is_authenticated else None,
            email=email,
            token_hash=token_hash(token),
            appointment=appointment,
            held_until=held_until,
            created_at=now,
        )
        held = holds.holds_create(plan.takes, held_until=held_until)
        hold_of = {take.variant_id: hold for take, hold in zip(plan.takes, held)}
        TryOnLine.objects.bulk_create(
            TryOnLine(
                reservation=reservation,
                variant=variant,
                product_sku=variant.sku,
                quantity=line.quantity,
                hold=hold_of[line.variant_id],
            )
            for line, variant in zip(lines, variants)
        )
        record_stock_low_after(store, available, plan.takes)
        _record(reservation)
        try_on_email_record(reservation=reservation, kind="reserved")
    return Reserved(reservation=reservation, token=token)


def _record(reservation: TryOnReservation) -> None:
    events_record(
        type=EVENT_FOR_STATUS[reservation.status],
        payloads=[try_on_payload(reservation)],
        store_id=reservation.store_id,
    )


def try_on_locked(pk: int, *, skip_locked: bool = False):
    """Return the reservation locked for this transaction, or None."""
    return (
        TryOnReservation.objects.select_for_update(
            of=("self",), skip_locked=skip_locked
        )
        .select_related("store")
        .filter(pk=pk)
        .first()
    )


def try_on_close(
    reservation: TryOnReservation,
    status: str,
    actor: Actor,
    *,
    now: datetime,
    note: str = "",
    order=None,
) -> TryOnReservation:
    """Move a locked reservation out of HELD: drop its holds, record who and why,
    the event and the shopper's e-mail. The caller checked the transition."""
    hold_ids = list(
        reservation.lines.filter(hold__isnull=False).values_list("hold_id", flat=True)
    )
    holds.holds_release(hold_ids)
    reservation.status = status
    reservation.closed_at = now
    reservation.closed_by_type = actor.kind
    reservation.closed_by_user = actor.user
    reservation.closed_by_app = actor.app
    reservation.note = note
    reservation.order = order
    reservation.save(
        update_fields=[
            "status",
            "closed_at",
            "closed_by_type",
            "closed_by_user",
            "closed_by_app",
            "note",
            "order",
        ]
    )
    _record(reservation)
    if status in (rules.RELEASED, rules.EXPIRED):
        try_on_email_record(reservation=reservation, kind=status)
    return reservation


def _move(reservation_id: int, status: str, actor: Actor, *, note: str, now):
    with transaction.atomic():
        reservation = try_on_locked(reservation_id)
        if reservation is None:
            raise NotFound("No such reservation.", field="id")
        rules.check_transition(reservation.status, status, actor=actor.kind)
        rules.check_held(
            status=reservation.status, held_until=reservation.held_until, now=now
        )
        return try_on_close(reservation, status, actor, now=now, note=note)


def try_on_release(
    reservation: TryOnReservation, actor: Actor, *, note: Optional[str] = None
) -> TryOnReservation:
    """Release the items (staff or an app of the store): back in stock at once."""
    note = text_clean(note, limit=NOTE_MAX_LENGTH, name="note")
    return _move(reservation.pk, rules.RELEASED, actor, note=note, now=timezone.now())


def try_on_cancel(reservation: TryOnReservation, actor: Actor) -> TryOnReservation:
    """Cancel the reservation as its shopper (the caller proved they are)."""
    return _move(reservation.pk, rules.CANCELLED, actor, note="", now=timezone.now())


def try_on_for_token(token: Optional[str]) -> TryOnReservation:
    """Return the reservation whose manage token this is, or raise INVALID_TOKEN."""
    found = None
    if token and len(token) <= TOKEN_MAX_LENGTH:
        found = (
            TryOnReservation.objects.select_related("store")
            .filter(token_hash=token_hash(token))
            .first()
        )
    if found is None:
        raise O2OError(
            "That is not the manage token of a reservation.",
            field="token",
            code="INVALID_TOKEN",
        )
    return found


def try_on_expire(*, now: Optional[datetime] = None) -> List[int]:
    """Close reservations whose hold ended (beat task); return their IDs.

    Each in its own transaction under a row lock taken with SKIP LOCKED and
    re-checked once locked, so two runs at once close each reservation once.
    """
    now = now or timezone.now()
    due = TryOnReservation.objects.filter(status=rules.HELD, held_until__lte=now)
    expired = []
    for pk in list(
        due.order_by("held_until").values_list("pk", flat=True)[:EXPIRY_BATCH]
    ):
        with transaction.atomic():
            reservation = try_on_locked(pk, skip_locked=True)
            if (
                reservation is None
                or reservation.status != rules.HELD
                or reservation.held_until > now
            ):
                continue
            try_on_close(
                reservation,
                rules.EXPIRED,
                Actor.system(),
                now=now,
                note="The hold ended.",
            )
            expired.append(pk)
    return expired
