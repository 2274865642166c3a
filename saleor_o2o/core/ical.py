"""iCalendar (.ics) files for visits a shopper adds to their calendar.

Built with the `icalendar` library, never by hand: it folds long lines, escapes text
and writes the time zone, so every calendar reads the file the same way.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Optional

import pytz
from icalendar import Calendar, Event

#: Identifies this extension as the producer of the files (RFC 5545 PRODID).
PRODUCT_ID = "-//saleor-o2o//Store visits//EN"
CONTENT_TYPE = "text/calendar; charset=utf-8"


@dataclass(frozen=True)
class CalendarEvent:
    """One visit: times are aware; ``timezone`` is the store's IANA zone name."""

    uid: str
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    timezone: str
    description: str = ""
    location: str = ""
    url: str = ""
    #: Bumped each time the visit changes, so calendars replace their copy.
    sequence: int = 0
    cancelled: bool = False


def ics_bytes(event: CalendarEvent, *, stamp: Optional[dt.datetime] = None) -> bytes:
    """Return the .ics file of one event, its times in the store's time zone."""
    zone = pytz.timezone(event.timezone)
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if event.cancelled else "PUBLISH")
    entry = Event()
    entry.add("uid", event.uid)
    entry.add("dtstamp", stamp or dt.datetime.now(pytz.utc))
    entry.add("dtstart", event.starts_at.astimezone(zone))
    entry.add("dtend", event.ends_at.astimezone(zone))
    entry.add("summary", event.title)
    entry.add("sequence", event.sequence)
    entry.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    if event.description:
        entry.add("description", event.description)
    if event.location:
        entry.add("location", event.location)
    if event.url:
        entry.add("url", event.url)
    calendar.add_component(entry)
    calendar.add_missing_timezones()
    return calendar.to_ical()
