"""Tokens a shopper manages a visit with: a booking, a hold, a place at an event.

A token is shown to its shopper once (and in their e-mails where a link needs it);
only its SHA-256 is stored and looked up, so a copy of the database lets nobody
manage anyone's visit.
"""

import hashlib
import hmac
import secrets

#: Random bytes of a new token (256 bits; 43 URL-safe characters).
TOKEN_BYTES = 32
#: Longer input is refused before hashing (no token is that long).
TOKEN_MAX_LENGTH = 128


def new_token() -> str:
    """Return a new token (URL-safe, unguessable)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """Return the hex SHA-256 a token is stored and looked up as (surrounding
    spaces, as pasted from an e-mail, ignored)."""
    return hashlib.sha256((token or "").strip().encode("utf-8")).hexdigest()


def token_matches(token: str, stored_hash: str) -> bool:
    """Compare a token given with a stored hash, in constant time."""
    return hmac.compare_digest(token_hash(token), stored_hash)
