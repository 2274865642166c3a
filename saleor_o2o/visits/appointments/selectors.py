"""Reads of appointments: a store's types, bookable slots, a shopper's bookings.

Slots of any number of days take three queries: the store's hours exceptions over
those days, the places held per slot start (the partial index on holding
appointments by type and start answers it) and the store's occupancy (the crowding
cap).
"""

import datetime as dt
from typing import Dict, List, Optional, Sequence

import pytz
from django.db.models import Count, QuerySet
from django.utils import timezone

from saleor_o2o.core.errors import NotFound
from saleor_o2o.core.tokens import TOKEN_MAX_LENGTH, token_hash
from saleor_o2o.occupancy import rules as occupancy_rules
from saleor_o2o.occupancy import selectors as occupancy_selectors
from saleor_o2o.store import slots as slot_engine
from saleor_o2o.store.models import Store
from saleor_o2o.visits.appointments import rules
from saleor_o2o.visits.appointments.models import Appointment, AppointmentType
from saleor_o2o.visits.appointments.rules import AppointmentStatus


def appointment_types(*, store_id: int, include_inactive: bool = False) -> QuerySet:
    """Return the store's appointment types by name (active ones unless asked)."""
    qs = AppointmentType.objects.filter(store_id=store_id, deleted_at__isnull=True)
    return qs if include_inactive else qs.filter(is_active=True)


def appointment_types_by_store(store_ids: Sequence[int]) -> Dict[int, list]:
    """Return the active types of several stores in one query, by store."""
    found: Dict[int, list] = {pk: [] for pk in store_ids}
    rows = AppointmentType.objects.filter(
        store_id__in=store_ids, deleted_at__isnull=True, is_active=True
    )
    for row in rows:
        found[row.store_id].append(row)
    return found


def appointment_type_for_id(
    pk, *, store_id: Optional[int] = None, active_only: bool = True
) -> Optional[AppointmentType]:
    """Return the type with this pk (of that store, if given), with its store."""
    qs = AppointmentType.objects.filter(pk=pk, deleted_at__isnull=True)
    if active_only:
        qs = qs.filter(is_active=True, store__is_active=True)
    if store_id is not None:
        qs = qs.filter(store_id=store_id)
    return qs.select_related("store").first()


def _midnight(zone, day: dt.date) -> dt.datetime:
    return zone.localize(dt.datetime.combine(day, dt.time(0))).astimezone(pytz.utc)


def places_held(
    *,
    type_id: int,
    start: dt.datetime,
    end: dt.datetime,
    exclude_id: Optional[int] = None,
) -> Dict[dt.datetime, int]:
    """Count the places holding appointments take per slot start in [start, end)."""
    qs = Appointment.objects.filter(
        appointment_type_id=type_id,
        status__in=AppointmentStatus.HOLDING,
        starts_at__gte=start,
        starts_at__lt=end,
    )
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    rows = qs.order_by().values_list("starts_at").annotate(held=Count("id"))
    return dict(rows)


def _schedule(store: Store, first: dt.date, last: dt.date):
    # The day before counts: its overnight hours reach into the first day.
    exceptions = store.hours_exceptions.filter(
        date__gte=first - dt.timedelta(days=1), date__lte=last
    )
    return store.schedule(exceptions=list(exceptions))


def appointment_slots_for_days(
    appointment_type: AppointmentType,
    days: Sequence[dt.date],
    *,
    now: Optional[dt.datetime] = None,
    exclude_id: Optional[int] = None,
    bookable_only: bool = True,
) -> List[List[slot_engine.Slot]]:
    """Return the type's slots on each local date of `days`, with places left.

    Slots start every duration + buffer from each opening of the store, in its
    time zone, and are listed from now + the minimum notice to the last date the
    type may be booked (`bookable_only`; otherwise every slot of the day, as the
    booking check needs to tell "too soon" from "outside the hours"). Crowding may
    cap the capacity of the next slots (`occupancy.selectors.slot_cap`).
    """
    now = now or timezone.now()
    if not days:
        return []
    store = appointment_type.store
    zone = pytz.timezone(store.timezone)
    first, last = min(days), max(days)
    held = places_held(
        type_id=appointment_type.pk,
        start=_midnight(zone, first),
        # Overnight hours can put a day's last slots past midnight.
        end=_midnight(zone, last + dt.timedelta(days=2)),
        exclude_id=exclude_id,
    )
    schedule = _schedule(store, first, last)
    cap = occupancy_selectors.slot_cap(store_id=store.pk, now=now)
    if bookable_only:
        earliest = rules.earliest_start(
            now=now, min_notice_minutes=appointment_type.min_notice_minutes
        )
        last_date = rules.last_bookable_date(
            local_today=now.astimezone(zone).date(),
            book_ahead_days=appointment_type.book_ahead_days,
        )
    else:
        earliest, last_date = dt.datetime.min.replace(tzinfo=pytz.utc), None
    step = rules.step_minutes(
        duration_minutes=appointment_type.duration_minutes,
        buffer_minutes=appointment_type.buffer_minutes,
    )
    offered = [day for day in days if last_date is None or day <= last_date]
    cut = dict(
        zip(
            offered,
            slot_engine.time_slots_for_days(
                schedule,
                days=offered,
                slot_minutes=appointment_type.duration_minutes,
                capacity=appointment_type.capacity,
                earliest=earliest,
                booked=held,
                wording=slot_engine.APPOINTMENT,
                step_minutes=step,
            ),
        )
    )
    return [occupancy_rules.capped_slots(cut.get(day, ()), cap) for day in days]


def appointment_slots(
    appointment_type: AppointmentType, day: dt.date, *, now=None
) -> List[slot_engine.Slot]:
    """Return the type's bookable slots on local date `day` (full ones included)."""
    return appointment_slots_for_days(appointment_type, [day], now=now)[0]


def local_date(appointment_type: AppointmentType, at: dt.datetime) -> dt.date:
    """Return the store's local date at an instant."""
    return at.astimezone(pytz.timezone(appointment_type.store.timezone)).date()


# A shopper's bookings ----------------------------------------------------------

NOT_FOUND_MESSAGE = "No such appointment."


def _owned() -> QuerySet:
    return Appointment.objects.select_related("appointment_type", "store")


def appointments_of_user(user, *, upcoming_only: bool = False, now=None) -> QuerySet:
    """Return the appointments the logged-in shopper booked, soonest first."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Appointment.objects.none()
    qs = _owned().filter(user_id=user.pk)
    if upcoming_only:
        qs = qs.filter(ends_at__gt=now or timezone.now())
    return qs.order_by("starts_at", "pk")


def appointment_for_token(token: Optional[str]) -> Optional[Appointment]:
    """Return the appointment a manage token opens, or None."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    return _owned().filter(token_hash=token_hash(token)).first()


def appointment_for_owner(pk, user) -> Optional[Appointment]:
    """Return the appointment with this pk if `user` booked it, else None."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return _owned().filter(pk=pk, user_id=user.pk).first()


def appointment_managed(*, token=None, pk=None, user=None) -> Appointment:
    """Return the appointment a token, or its owner with its pk, may manage.

    Raise `NotFound` (one message for a wrong token, an unknown pk and another
    shopper's appointment) otherwise.
    """
    found = None
    if token:
        found = appointment_for_token(token)
        if found is not None and pk is not None and found.pk != pk:
            found = None
    elif pk is not None:
        found = appointment_for_owner(pk, user)
    if found is None:
        raise NotFound(NOT_FOUND_MESSAGE, field="token" if token else "id")
    return found


def upcoming_held(*, store_id: int, user=None, email: str = "", now) -> int:
    """Count the shopper's upcoming appointments holding a place at the store."""
    qs = Appointment.objects.filter(
        store_id=store_id, status__in=AppointmentStatus.HOLDING, ends_at__gt=now
    )
    if user is not None:
        qs = qs.filter(user_id=user.pk)
    else:
        qs = qs.filter(user__isnull=True, email__iexact=email)
    return qs.count()
