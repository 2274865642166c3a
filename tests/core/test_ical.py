import datetime as dt

import pytz
from icalendar import Calendar

from saleor_o2o.core.ical import CalendarEvent, ics_bytes

START = dt.datetime(2026, 3, 29, 8, 30, tzinfo=pytz.utc)  # Paris moves to CEST that day


def _event(**changes):
    values = dict(
        uid="appointment-1@example.com",
        title="Fitting; with a comma, and a semicolon",
        starts_at=START,
        ends_at=START + dt.timedelta(minutes=30),
        timezone="Europe/Paris",
        location="1 rue de Rivoli, Paris",
    )
    values.update(changes)
    return CalendarEvent(**values)


def test_times_are_written_in_the_store_time_zone_and_read_back_equal():
    parsed = Calendar.from_ical(ics_bytes(_event()))
    (entry,) = parsed.walk("VEVENT")

    start = entry.decoded("dtstart")
    assert start == START
    assert start.utcoffset() == dt.timedelta(hours=2)
    assert entry["dtstart"].params["TZID"] == "Europe/Paris"
    assert [zone["tzid"] for zone in parsed.walk("VTIMEZONE")] == ["Europe/Paris"]


def test_text_is_escaped_and_read_back_unchanged():
    (entry,) = Calendar.from_ical(ics_bytes(_event())).walk("VEVENT")

    assert str(entry["summary"]) == "Fitting; with a comma, and a semicolon"
    assert str(entry["location"]) == "1 rue de Rivoli, Paris"


def test_a_cancelled_visit_says_so_with_a_later_sequence():
    parsed = Calendar.from_ical(ics_bytes(_event(cancelled=True, sequence=2)))
    (entry,) = parsed.walk("VEVENT")

    assert str(parsed["method"]) == "CANCEL"
    assert str(entry["status"]) == "CANCELLED"
    assert entry.decoded("sequence") == 2
