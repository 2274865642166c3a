"""Opening hours written as text: ``wk(MON, "22:00", "02:00", True)``."""

import datetime as dt
from typing import Sequence

import pytest

from saleor_o2o.core.errors import InvalidInput
from saleor_o2o.store.hours import DateException, Interval, Schedule, WeeklyInterval

# 2024-01-01 is a Monday.
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def t(text: str) -> dt.time:
    hour, minute = text.split(":")
    return dt.time(int(hour), int(minute))


def iv(opens: str, closes: str, next_day: bool = False) -> Interval:
    return Interval(t(opens), t(closes), closes_next_day=next_day)


def wk(weekday: int, opens: str, closes: str, next_day: bool = False):
    return WeeklyInterval(weekday, iv(opens, closes, next_day))


def schedule(
    weekly: Sequence[WeeklyInterval] = (),
    exceptions: Sequence[DateException] = (),
    timezone: str = "UTC",
) -> Schedule:
    return Schedule(timezone, tuple(weekly), tuple(exceptions))


def raises_invalid(code: str, field: str, call, *args) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        call(*args)
    assert info.value.code == code
    assert info.value.field == field
    return info.value
