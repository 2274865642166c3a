"""Codes shoppers show at a store (pickup handover, offer redemption).

Both kinds are read aloud, typed or scanned from a QR code at a counter, so they
share one alphabet and one way of reading back what was typed.
"""

import re
import secrets

#: No 0/O or 1/I to misread at the counter.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

_SEPARATORS = re.compile(r"[\s\-]+")


def new_code(length: int) -> str:
    """Return a random code of ``length`` characters of `ALPHABET`."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


#: Length of a handover code (pickups, local deliveries).
HANDOVER_CODE_LENGTH = 6


def new_handover_code(open_rows) -> str:
    """Return a new handover code no row of ``open_rows`` (a queryset of the open
    pickups or deliveries) holds, so a code names one open handover."""
    while True:
        code = new_code(HANDOVER_CODE_LENGTH)
        if not open_rows.filter(code=code).exists():
            return code


def qr_payload(prefix: str, code: str) -> str:
    """Return the text a QR code carries for a code."""
    return prefix + code


def normalise(text: str, *, prefix: str) -> str:
    """Return a code as typed or scanned: no QR prefix, whitespace, dashes or case."""
    text = (text or "").strip()
    if text.lower().startswith(prefix):
        text = text[len(prefix) :]
    return _SEPARATORS.sub("", text).upper()
