"""Checks of input against what the database can hold, made before writing."""

import datetime as dt
from typing import Optional

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from saleor_o2o.core.errors import InvalidInput

#: The longest e-mail address stored (Django's ``EmailField`` default).
EMAIL_MAX_LENGTH = 254

#: Limits of what shoppers and staff may write into an audit trail.
NOTE_MAX_LENGTH = 500
NAME_MAX_LENGTH = 120


def text_clean(value: Optional[str], *, limit: int, name: str) -> str:
    """Return ``value`` stripped (empty for None), or refuse it over ``limit``."""
    text = (value or "").strip()
    if len(text) > limit:
        raise InvalidInput(f"Keep {name} to {limit} characters.", field=name)
    return text


def max_length_of(model, field_name: str) -> Optional[int]:
    """Return the longest text the model's column holds (None: no limit)."""
    return model._meta.get_field(field_name).max_length


def text_check(value: Optional[str], *, max_length: Optional[int], field: str) -> None:
    """Refuse text longer than ``max_length`` characters, naming the input field."""
    if value is not None and max_length is not None and len(value) > max_length:
        raise InvalidInput(
            f"Keep this to {max_length} characters (it has {len(value)}).",
            field=field,
        )


def model_text_check(model, data: dict, fields: dict, *, prefix: str = "") -> None:
    """Check every ``data[name]`` fits the model's column; ``fields`` maps model
    field names to input field names."""
    for name, api_name in fields.items():
        text_check(
            data.get(name),
            max_length=max_length_of(model, name),
            field=prefix + api_name,
        )


#: Dates and times accepted from clients: wide enough for any schedule, narrow
#: enough that converting between time zones never leaves Python's range.
EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
LATEST = dt.datetime(2999, 12, 31, tzinfo=dt.timezone.utc)


def datetime_check(
    value: Optional[dt.datetime], *, field: str, code: str = "OUT_OF_RANGE"
) -> Optional[dt.datetime]:
    """Return ``value`` as an aware datetime (UTC if it named no zone), or refuse
    one outside 1970-2999."""
    if value is None:
        return None
    try:
        offset = value.utcoffset()
    except ValueError:  # A zone a day or more from UTC parses but cannot be used.
        raise InvalidInput("Give a UTC offset below 24 hours.", field=field, code=code)
    if offset is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    try:
        inside = EARLIEST <= value <= LATEST
    except OverflowError:
        inside = False
    if not inside:
        raise InvalidInput("Give a date between 1970 and 2999.", field=field, code=code)
    return value


def shopper_email(user, email: Optional[str]) -> str:
    """Return the address to write to about a visit: a signed-in shopper's own, or
    the guest's, checked. Raise `InvalidInput` on ``email`` when a guest gives none,
    or one that is malformed or too long."""
    if user is not None and getattr(user, "is_authenticated", False):
        return user.email
    email = (email or "").strip()
    if not email:
        raise InvalidInput(
            "Give your e-mail address, or sign in.", field="email", code="REQUIRED"
        )
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput("Not an e-mail address.", field="email")
    if len(email) > EMAIL_MAX_LENGTH:
        raise InvalidInput("That e-mail address is too long.", field="email")
    return email
