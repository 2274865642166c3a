"""The day the pickup-slot tests book: Tuesday 24 November 2026, in Paris."""

import datetime as dt

import pytz
from saleor.checkout.models import Checkout

PARIS = pytz.timezone("Europe/Paris")
#: Tuesday 24 November 2026, 08:00 in Paris; stores open 09:00-19:00, 2 h lead time.
NOW = PARIS.localize(dt.datetime(2026, 11, 24, 8, 0)).astimezone(pytz.utc)


def local(hour):
    return PARIS.localize(dt.datetime(2026, 11, 24, hour)).astimezone(pytz.utc)


def new_checkout(variant):
    checkout = Checkout.objects.create(email="shopper@example.com")
    checkout.lines.create(variant=variant, quantity=1)
    return checkout
