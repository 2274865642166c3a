"""Reading one value of the plugin's configuration, as Saleor stores it (text, or a
boolean for a checkbox), into a typed value, or refusing it with `InvalidInput`
naming the option."""

import math
from typing import Any, Mapping

from saleor_o2o.core.errors import InvalidInput


def positive_number(
    values: Mapping[str, str],
    name: str,
    label: str,
    *,
    unit: str,
    allow_zero: bool = False,
) -> float:
    raw = str(values.get(name) or "").strip()
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise InvalidInput(
            f"{label} must be a {'' if allow_zero else 'positive '}number of {unit}; "
            f"got {raw!r}.",
            field=name,
        )
    return value


def positive_km(values: Mapping[str, str], name: str, label: str) -> float:
    return positive_number(values, name, label, unit="kilometres")


def positive_hours(
    values: Mapping[str, str], name: str, label: str, *, allow_zero: bool = False
) -> float:
    return positive_number(values, name, label, unit="hours", allow_zero=allow_zero)


#: How a yes/no option may be stored: Saleor's checkbox stores a boolean (and an
#: empty string when cleared); a value set through the API may be a word.
TRUE_WORDS = ("true", "yes", "on", "1")
FALSE_WORDS = ("false", "no", "off", "0", "")


def yes_no(values: Mapping[str, Any], name: str, label: str) -> bool:
    raw = values.get(name)
    if isinstance(raw, bool):
        return raw
    word = str(raw if raw is not None else "").strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise InvalidInput(f"{label} must be 'yes' or 'no'; got {raw!r}.", field=name)


def method_name(values: Mapping[str, Any], name: str, label: str) -> str:
    text = str(values.get(name) or "").strip()
    if not text or len(text) > 100:
        raise InvalidInput(
            f"{label} needs a name of at most 100 characters.", field=name
        )
    return text
