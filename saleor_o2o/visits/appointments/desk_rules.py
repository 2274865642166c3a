"""The desk's timing and codes (pure): the day an appointment may be checked in,
when it becomes a no-show, when the shopper is reminded, and the check-in code as
typed or scanned. Decided from aware datetimes and the store's time zone.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Optional

import pytz

from saleor_o2o.core import codes
from saleor_o2o.core.errors import InvalidInput

#: Prefix of the QR payload that encodes an appointment's check-in code.
QR_PREFIX = "o2o:appointment:"

#: After its start, how long a booked appointment waits before it is a no-show.
NO_SHOW_GRACE = dt.timedelta(minutes=15)
#: How long before its start the shopper is reminded of an appointment.
REMIND_BEFORE = dt.timedelta(hours=24)


def qr_payload(code: str) -> str:
    """Return the text a QR code carries for an appointment's check-in code."""
    return codes.qr_payload(QR_PREFIX, code)


def normalise_code(text: str) -> str:
    """Return a check-in code as typed or scanned (no prefix, spaces, dashes, case)."""
    return codes.normalise(text, prefix=QR_PREFIX)


@dataclass(frozen=True)
class DeskPolicy:
    """When an appointment becomes a no-show, and when its reminder is due."""

    no_show_grace: dt.timedelta = NO_SHOW_GRACE
    remind_before: dt.timedelta = REMIND_BEFORE

    def no_show_from(self, starts_at: dt.datetime) -> dt.datetime:
        """Return the moment a booked appointment may be marked as a no-show."""
        return starts_at + self.no_show_grace

    def is_no_show(self, starts_at: dt.datetime, now: dt.datetime) -> bool:
        return now >= self.no_show_from(starts_at)

    def reminder_due(
        self,
        starts_at: dt.datetime,
        now: dt.datetime,
        *,
        reminded_at: Optional[dt.datetime],
        confirmed_at: Optional[dt.datetime],
    ) -> bool:
        """Return whether to remind now: once, in the window before the start, and
        not when the last confirmation was sent within that window already."""
        if reminded_at is not None or self.remind_before <= dt.timedelta(0):
            return False
        remind_at = starts_at - self.remind_before
        if confirmed_at is not None and confirmed_at >= remind_at:
            return False
        return remind_at <= now < starts_at


def local_day(at: dt.datetime, zone: str) -> dt.date:
    """Return the calendar day of an instant in a store's time zone."""
    return at.astimezone(pytz.timezone(zone)).date()


#: The desk lists the appointments of a day up to this many days from today.
MAX_DESK_DAYS = 366


def check_desk_day(day: dt.date, *, today: dt.date) -> None:
    """Raise `InvalidInput` on the field ``date`` unless the desk may list ``day``."""
    if abs((day - today).days) > MAX_DESK_DAYS:
        raise InvalidInput(
            f"Give a date within {MAX_DESK_DAYS} days of today.",
            field="date",
            code="OUT_OF_RANGE",
        )


def day_bounds(day: dt.date, zone: str):
    """Return the first instant of ``day`` and of the next day in ``zone`` (UTC)."""
    tz = pytz.timezone(zone)

    def start(of: dt.date) -> dt.datetime:
        return tz.normalize(tz.localize(dt.datetime.combine(of, dt.time()))).astimezone(
            pytz.utc
        )

    return start(day), start(day + dt.timedelta(days=1))


def is_same_day(starts_at: dt.datetime, now: dt.datetime, zone: str) -> bool:
    """Return whether an appointment is on today's date at the store."""
    return local_day(starts_at, zone) == local_day(now, zone)
