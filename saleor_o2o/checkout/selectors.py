"""Reads of the Saleor checkouts being completed."""

from typing import Optional

from saleor.checkout.models import Checkout


def checkout_for_token(*, token) -> Optional[Checkout]:
    """Return the checkout with this token, or None."""
    return Checkout.objects.filter(token=token).first()
