"""Who works at a store's desk in the HTTP tests: clerks and apps narrowed to
stores, with the storefront objects that post as them."""

import datetime as dt
from typing import Sequence

import pytz
from django.contrib.auth.models import Permission
from django.utils import timezone
from graphql_jwt.shortcuts import get_token
from saleor.account.models import User
from saleor.app.models import App

from saleor_o2o.store import access
from saleor_o2o.store.reach import CLERK, EVERYWHERE

from helpers.storefront import HttpStorefront

#: Time zones far enough apart that one of them is always in the middle of its day.
ZONES = ("Europe/Paris", "Asia/Tokyo", "America/New_York")


def clerk_of(store, email: str) -> User:
    """Return a new staff user with MANAGE_ORDERS, a clerk of `store` only."""
    user = User.objects.create_user(email, "password", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="manage_orders"))
    access.store_staff_set(store=store, user=user, role=CLERK, by=EVERYWHERE)
    return user


def app_narrowed_to(stores: Sequence, name: str = "Desk app") -> App:
    """Return a new active app with MANAGE_ORDERS, acting in `stores` only."""
    app = App.objects.create(name=name, is_active=True)
    app.permissions.add(Permission.objects.get(codename="manage_orders"))
    access.app_stores_set(app=app, store_ids=[s.pk for s in stores], by=EVERYWHERE)
    return app


def front_of(url: str, who) -> HttpStorefront:
    """Return a storefront posting as `who`: a user (JWT) or an app (Bearer)."""
    if isinstance(who, App):
        front = HttpStorefront(url)
        front.headers["Authorization"] = f"Bearer {who.tokens.create().auth_token}"
        return front
    return HttpStorefront(url, get_token(who))


def daytime_zone(now: dt.datetime) -> str:
    """Return a time zone where `now` is between 02:00 and 21:00, so that a
    moment an hour either side of it is still on the same local day."""
    for zone in ZONES:
        if 2 <= timezone.localtime(now, pytz.timezone(zone)).hour < 21:
            return zone
    raise AssertionError(f"No zone of {ZONES} is in its day at {now}.")
