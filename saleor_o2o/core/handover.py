"""Handover codes: the proof that the shopper is there, for pickups and deliveries.

The shopper shows a code (typed, read aloud, or scanned from a QR code); staff or the
courier check it. Wrong codes count on the row being handed over
(``failed_code_attempts``, ``code_locked_until``): the `MAX_CODE_ATTEMPTS`-th wrong
one in a row refuses every code for `LOCKOUT`, and a manager may release the lock.
The policy is pure (`check_code`); `code_attempt`, `code_refusal` and `code_unlock`
apply it to a row the caller has locked.
"""

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from saleor_o2o.core import codes
from saleor_o2o.core.errors import O2OError

#: Wrong codes allowed before the handover is locked, and for how long.
MAX_CODE_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=15)


def code_matches(given: str, expected: str, *, prefix: str) -> bool:
    """Compare a typed or scanned code with the expected one, in constant time."""
    return hmac.compare_digest(
        codes.normalise(given, prefix=prefix).encode("utf-8"),
        expected.upper().encode("utf-8"),
    )


@dataclass(frozen=True)
class CodeCheck:
    """The outcome of a code check: matched, and the attempt counter to store."""

    matched: bool
    failed_attempts: int
    locked_until: Optional[datetime]


class CodeLocked(O2OError):
    """Too many wrong codes: the handover refuses codes for a while."""

    code = "CODE_LOCKED"


class WrongCode(O2OError):
    """The code given is not the expected one."""

    code = "INVALID_CODE"


def check_code(
    given: str,
    expected: str,
    *,
    prefix: str,
    failed_attempts: int,
    locked_until: Optional[datetime],
    now: datetime,
    noun: str = "pickup",
) -> CodeCheck:
    """Check a code under the lock-out policy; raise `CodeLocked` while locked.

    A right code resets the counter; the `MAX_CODE_ATTEMPTS`-th wrong one locks the
    handover for `LOCKOUT`, after which counting starts again.
    """
    if locked_until is not None and now < locked_until:
        raise CodeLocked(
            f"Too many wrong codes: this {noun} accepts codes again at "
            f"{locked_until:%H:%M} UTC. Check the shopper's order instead.",
            field="code",
        )
    if locked_until is not None:
        failed_attempts = 0
    if code_matches(given, expected, prefix=prefix):
        return CodeCheck(matched=True, failed_attempts=0, locked_until=None)
    failed_attempts += 1
    if failed_attempts >= MAX_CODE_ATTEMPTS:
        return CodeCheck(False, failed_attempts, now + LOCKOUT)
    return CodeCheck(False, failed_attempts, None)


def code_is_locked(*, locked_until: Optional[datetime], now: datetime) -> bool:
    """Return whether the handover refuses every code now."""
    return locked_until is not None and now < locked_until


def code_attempt(row, given: str, *, prefix: str, now: datetime, noun: str):
    """Check ``given`` against a locked row's code; count a wrong one on the row.

    Return the `CodeCheck`. The caller commits its transaction whatever the outcome
    (so wrong codes count), then raises `code_refusal` for a wrong one.
    """
    check = check_code(
        given,
        row.code,
        prefix=prefix,
        failed_attempts=row.failed_code_attempts,
        locked_until=row.code_locked_until,
        now=now,
        noun=noun,
    )
    if not check.matched:
        row.failed_code_attempts = check.failed_attempts
        row.code_locked_until = check.locked_until
        row.save(update_fields=["failed_code_attempts", "code_locked_until"])
    return check


def code_refusal(check: CodeCheck, *, noun: str) -> O2OError:
    """Return the error telling why a wrong code was refused."""
    if check.locked_until is not None:
        return CodeLocked(
            f"Wrong code; after too many wrong codes this {noun} accepts codes "
            f"again at {check.locked_until:%H:%M} UTC.",
            field="code",
        )
    left = MAX_CODE_ATTEMPTS - check.failed_attempts
    return WrongCode(
        f"This is not the {noun}'s code ({left} more tries before a lock-out).",
        field="code",
    )


#: The fields a right code resets (with the change that hands the row over).
CODE_RESET = {"failed_code_attempts": 0, "code_locked_until": None}


def code_unlock(row, *, now: datetime, noun: str) -> None:
    """Release the lock of a locked row, or raise NOT_LOCKED if it has none."""
    if not code_is_locked(locked_until=row.code_locked_until, now=now):
        raise O2OError(
            f"This {noun} accepts codes: there is no lock to release.",
            field="id",
            code="NOT_LOCKED",
        )
    for name, value in CODE_RESET.items():
        setattr(row, name, value)
    row.save(update_fields=list(CODE_RESET))
