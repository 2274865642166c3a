"""Reads of try-on reservations: the desk's list for store staff and apps, and a
shopper's own reservations."""

from typing import Optional, Sequence

from django.db.models import QuerySet

from saleor_o2o.store.access import store_check, stores_within
from saleor_o2o.store.reach import Reach
from saleor_o2o.visits.try_on.models import TryOnLine, TryOnReservation


def try_on_for_id(*, pk) -> Optional[TryOnReservation]:
    """Return the reservation with its store, or None."""
    return TryOnReservation.objects.select_related("store").filter(pk=pk).first()


def try_ons_for_desk(
    *,
    reach: Reach,
    store_id: Optional[int] = None,
    statuses: Optional[Sequence[str]] = None,
) -> QuerySet:
    """Return the reservations of the stores ``reach`` works in (or of one of
    them), the soonest to end first: the order to prepare the items.

    A store outside ``reach`` raises as `store_check` does, on ``storeId``.
    """
    qs = TryOnReservation.objects.select_related("store", "order")
    if store_id is not None:
        store_check(reach, store_id, field="storeId")
        qs = qs.filter(store_id=store_id)
    else:
        qs = qs.filter(store__in=stores_within(reach))
    if statuses:
        qs = qs.filter(status__in=statuses)
    return qs.order_by("held_until", "pk")


def try_ons_of_user(*, user) -> QuerySet:
    """Return a signed-in shopper's reservations, newest first (none for others)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return TryOnReservation.objects.none()
    return TryOnReservation.objects.select_related("store", "order").filter(user=user)


def lines_by_reservation(reservation_ids: Sequence[int]):
    """Return the lines of each reservation, with their variants, in one query."""
    found = {pk: [] for pk in reservation_ids}
    rows = TryOnLine.objects.filter(reservation_id__in=reservation_ids)
    for line in rows.select_related("variant__product", "hold").order_by("pk"):
        found[line.reservation_id].append(line)
    return found
