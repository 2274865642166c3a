"""Manage tokens: the secret a shopper (or guest) changes their booking with.

The token is shown once, in the booking's answer (and its e-mail); only its SHA-256
is stored, so a copy of the database lets nobody manage anyone's appointment.
"""

import hashlib
import secrets

#: Random bytes of a token (256 bits; 43 URL-safe characters).
TOKEN_BYTES = 32
#: Longer input is refused before hashing (no valid token is that long).
TOKEN_MAX_LENGTH = 128


def new_token() -> str:
    """Return a new manage token."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """Return the hex SHA-256 of a token, as stored in ``token_hash``."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
