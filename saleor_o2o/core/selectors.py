"""Reads of Saleor's own data that no concept owns (the API's entity guard)."""


def address_owned_by(*, user, address_id) -> bool:
    """Return whether the address is one of the user's own."""
    return user.addresses.filter(pk=address_id).exists()
