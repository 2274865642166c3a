"""Store staff: who may act in which store, and how merchants say so.

Reads (`reach_of`, `stores_within`, `stores_worked_in`, `store_memberships`, the
users and apps staff name) and writes (`store_staff_set`, ...) of the rules in
`store.reach`. Writes check the reach of whoever makes them: a manager adds and
removes clerks of their own stores; only staff acting in every store name managers,
give "all stores" or narrow apps.
"""

from typing import Any, Optional, Sequence

from django.db import transaction
from django.db.models import QuerySet
from saleor.account.models import User
from saleor.app.models import App

from saleor_o2o.core.errors import InvalidInput, NotFound, O2OError
from saleor_o2o.store.models import AppStore, StaffAllStores, Store, StoreMembership
from saleor_o2o.store.reach import CLERK, EVERYWHERE, MANAGER, NOWHERE, ROLES, Reach

PERMISSION_DENIED = "PERMISSION_DENIED"


def reach_of(requestor: Any) -> Reach:
    """Return the stores a staff user or app acts in (nowhere for anyone else)."""
    if isinstance(requestor, App):
        store_ids = list(
            AppStore.objects.filter(app=requestor).values_list("store_id", flat=True)
        )
        if not store_ids:
            return EVERYWHERE
        return Reach(roles={store_id: MANAGER for store_id in store_ids})
    if requestor is None or not getattr(requestor, "is_authenticated", False):
        return NOWHERE
    if not requestor.is_active:
        return NOWHERE
    if requestor.is_superuser:
        return EVERYWHERE
    if not requestor.is_staff:
        return NOWHERE
    if StaffAllStores.objects.filter(user=requestor).exists():
        return EVERYWHERE
    return Reach(
        roles=dict(
            StoreMembership.objects.filter(user=requestor).values_list(
                "store_id", "role"
            )
        )
    )


def stores_within(reach: Reach, queryset: Optional[QuerySet] = None, role=CLERK):
    """Return the stores of `queryset` where `reach` holds at least `role`."""
    queryset = Store.objects.all() if queryset is None else queryset
    store_ids = reach.store_ids(role)
    return queryset if store_ids is None else queryset.filter(pk__in=store_ids)


def stores_worked_in(*, reach: Reach) -> QuerySet:
    """Return the stores `reach` works in (none for shoppers), by name, with their
    addresses."""
    qs = stores_within(reach) if (reach.all_stores or reach.roles) else None
    if qs is None:
        qs = Store.objects.none()
    return qs.select_related("warehouse__address").order_by("name", "slug")


def store_memberships(*, store: Store) -> QuerySet:
    """Return the memberships of the store's staff, with their users."""
    return StoreMembership.objects.filter(store=store).select_related("user", "store")


def user_for_id(*, pk, field: str) -> User:
    """Return the user with this pk, or raise NotFound on `field`."""
    user = User.objects.filter(pk=pk).first()
    if user is None:
        raise NotFound("No such user.", field=field)
    return user


def app_for_id(*, pk, field: str) -> App:
    """Return the app with this pk, or raise NotFound on `field`."""
    app = App.objects.filter(pk=pk).first()
    if app is None:
        raise NotFound("No such app.", field=field)
    return app


def store_check(
    reach: Reach, store_id: int, *, role: str = CLERK, field: str, what: str = "store"
) -> None:
    """Raise unless `reach` holds `role` in the store.

    A store the requestor does not work in does not exist for them (NOT_FOUND);
    one where their role is too low is PERMISSION_DENIED.
    """
    if not reach.sees(store_id):
        raise NotFound(f"No such {what}.", field=field)
    if not reach.can(store_id, role):
        raise O2OError(
            f"Only a {role} of the store may do this.",
            field=field,
            code=PERMISSION_DENIED,
        )


def _everywhere(by: Reach, field: str) -> None:
    if not by.all_stores:
        raise O2OError(
            "Only staff acting in every store may do this.",
            field=field,
            code=PERMISSION_DENIED,
        )


def _staff_user(user: User, field: str) -> None:
    if not (user.is_staff and user.is_active):
        raise InvalidInput(f"{user.email} is not an active staff user.", field=field)


def store_staff_set(*, store: Store, user: User, role: str, by: Reach):
    """Make `user` a clerk or manager of `store`; return the membership."""
    if role not in ROLES:
        raise InvalidInput(f"Unknown role {role!r}.", field="role")
    store_check(by, store.pk, role=MANAGER, field="storeId")
    if role == MANAGER:
        _everywhere(by, "role")
    _staff_user(user, "userId")
    with transaction.atomic():
        current = (
            StoreMembership.objects.select_for_update()
            .filter(store=store, user=user)
            .first()
        )
        if current is not None and current.role == MANAGER and role != MANAGER:
            _everywhere(by, "role")
        membership, _created = StoreMembership.objects.update_or_create(
            store=store, user=user, defaults={"role": role}
        )
    return membership


def store_staff_remove(*, store: Store, user: User, by: Reach) -> bool:
    """Take `user` off the store's staff; return whether they were on it."""
    store_check(by, store.pk, role=MANAGER, field="storeId")
    with transaction.atomic():
        membership = (
            StoreMembership.objects.select_for_update()
            .filter(store=store, user=user)
            .first()
        )
        if membership is None:
            return False
        if membership.role == MANAGER:
            _everywhere(by, "userId")
        membership.delete()
    return True


def staff_all_stores_set(*, user: User, all_stores: bool, by: Reach) -> bool:
    """Let a staff user act in every store, or only in their stores."""
    _everywhere(by, "allStores")
    if all_stores:
        _staff_user(user, "userId")
        StaffAllStores.objects.get_or_create(user=user)
    else:
        StaffAllStores.objects.filter(user=user).delete()
    return all_stores


def app_stores_set(*, app: App, store_ids: Optional[Sequence[int]], by: Reach):
    """Narrow an app to these stores, or (None) let it act in every store."""
    _everywhere(by, "storeIds")
    wanted = set(store_ids or ())
    if store_ids is not None and not wanted:
        raise InvalidInput(
            "Give at least one store, or allStores: true.",
            field="storeIds",
            code="REQUIRED",
        )
    missing = wanted - set(
        Store.objects.filter(pk__in=wanted).values_list("pk", flat=True)
    )
    if missing:
        raise NotFound("No such store.", field="storeIds")
    with transaction.atomic():
        AppStore.objects.filter(app=app).exclude(store_id__in=wanted).delete()
        have = set(AppStore.objects.filter(app=app).values_list("store_id", flat=True))
        AppStore.objects.bulk_create(
            AppStore(app=app, store_id=store_id) for store_id in wanted - have
        )
