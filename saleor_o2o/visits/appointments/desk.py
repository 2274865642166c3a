"""Reads of appointments for the desk: a day's list, one by ID, one by its code.

Scoped to the requestor's reach (`store.access`): a store the requestor does not
work in, and its appointments, do not exist for them.
"""

import datetime as dt
from typing import Optional, Sequence

from django.conf import settings
from django.db.models import Q, QuerySet

from saleor_o2o.core.errors import InvalidInput, NotFound, O2OError
from saleor_o2o.store.access import store_check, stores_within
from saleor_o2o.store.reach import Reach
from saleor_o2o.visits.appointments import desk_rules, rules
from saleor_o2o.visits.appointments.models import Appointment

#: Appointments sharing a typed code looked at, at most (codes are meant unique).
CODE_MATCHES_MAX = 20


def desk_policy() -> desk_rules.DeskPolicy:
    """Return the grace period and reminder lead of this deployment.

    Operators may set ``O2O_APPOINTMENT_NO_SHOW_GRACE_MINUTES`` and
    ``O2O_APPOINTMENT_REMINDER_HOURS`` (0: no reminder) in Django's settings; the
    defaults are the rules'.
    """
    grace = getattr(settings, "O2O_APPOINTMENT_NO_SHOW_GRACE_MINUTES", None)
    remind = getattr(settings, "O2O_APPOINTMENT_REMINDER_HOURS", None)
    return desk_rules.DeskPolicy(
        no_show_grace=(
            desk_rules.NO_SHOW_GRACE
            if grace is None
            else dt.timedelta(minutes=float(grace))
        ),
        remind_before=(
            desk_rules.REMIND_BEFORE
            if remind is None
            else dt.timedelta(hours=float(remind))
        ),
    )


def appointment_for_id(*, pk) -> Optional[Appointment]:
    """Return the appointment with its type and store, or None."""
    return (
        Appointment.objects.select_related("appointment_type", "store")
        .filter(pk=pk)
        .first()
    )


def _within(reach: Reach, store_id: Optional[int]) -> QuerySet:
    qs = Appointment.objects.select_related("appointment_type", "store")
    if store_id is not None:
        store_check(reach, store_id, field="storeId")
        return qs.filter(store_id=store_id)
    return qs.filter(store__in=stores_within(reach))


def appointments_for_desk(
    *,
    reach: Reach,
    now: dt.datetime,
    store_id: Optional[int] = None,
    day: Optional[dt.date] = None,
    statuses: Optional[Sequence[str]] = None,
) -> QuerySet:
    """Return the appointments of one day at the stores `reach` works in (or at one
    of them), earliest first.

    The day is each store's own: today in its time zone unless ``day`` is given.
    A store outside `reach` raises as `store_check` does, on the field `storeId`.
    """
    if day is not None:
        desk_rules.check_desk_day(day, today=now.date())
    qs = _within(reach, store_id)
    zones = set(
        stores_within(reach)
        .filter(**({"pk": store_id} if store_id is not None else {}))
        .values_list("timezone", flat=True)
    )
    on_day = Q(pk__in=[])
    for zone in sorted(zones):
        start, end = desk_rules.day_bounds(day or desk_rules.local_day(now, zone), zone)
        on_day |= Q(store__timezone=zone, starts_at__gte=start, starts_at__lt=end)
    qs = qs.filter(on_day)
    if statuses:
        qs = qs.filter(status__in=statuses)
    return qs.order_by("starts_at", "pk")


def appointment_for_code(
    *, reach: Reach, code: str, now: dt.datetime, store_id: Optional[int] = None
) -> Appointment:
    """Return the appointment a typed or scanned check-in code names.

    Today's appointments at the requestor's stores (or at ``store_id``) first; else
    one on another day (the check-in then says NOT_TODAY). A code no appointment at
    those stores holds is INVALID_CODE, whether it exists elsewhere or not.
    """
    normalised = desk_rules.normalise_code(code)
    if not normalised:
        raise InvalidInput(
            "Give the code the shopper shows (typed or scanned).",
            field="code",
            code="REQUIRED",
        )
    matches = list(_within(reach, store_id).filter(code=normalised)[:CODE_MATCHES_MAX])
    if not matches:
        raise O2OError(
            "No appointment at your store has this code: check it with the shopper.",
            field="code",
            code="INVALID_CODE",
        )
    today = [
        appointment
        for appointment in matches
        if desk_rules.is_same_day(
            appointment.starts_at, now, appointment.store.timezone
        )
    ]
    if len({appointment.store_id for appointment in today}) > 1:
        raise O2OError(
            "This code is today's at more than one of your stores: choose the store.",
            field="storeId",
            code="STORE_REQUIRED",
        )
    if today:
        open_first = sorted(
            today, key=lambda a: (a.status in rules.FINAL_STATUSES, a.starts_at)
        )
        return open_first[0]
    return min(matches, key=lambda a: abs(a.starts_at - now))


def appointment_in_reach(*, reach: Reach, pk) -> Appointment:
    """Return the appointment if `reach` works in its store, else raise NOT_FOUND."""
    appointment = appointment_for_id(pk=pk)
    if appointment is None or not reach.sees(appointment.store_id):
        raise NotFound("No such appointment.", field="id")
    return appointment
