"""Local delivery through Saleor's own checkout: the chosen store's stock and window
are reserved before the payment and the order allocated from that store only.

Hooks called by `checkout.completion` (the contract; filled in by the checkout work).
"""

from saleor.checkout.models import Checkout
from saleor.order.models import Order


def is_local_delivery(shipping_method_id) -> bool:
    """Return whether a checkout or order with this method is delivered locally."""
    return False


def checkout_local_delivery_reserve(*, checkout: Checkout) -> None:
    """Reserve the checkout's lines at its chosen store, and its window place, or
    raise a refusal (a ``ValidationError`` with a checkout error code)."""
    raise NotImplementedError


def order_local_delivery_allocate(*, order: Order) -> None:
    """Allocate the order from its chosen store only and create its delivery."""
    raise NotImplementedError


def checkout_local_delivery_release(*, checkout_token) -> None:
    """Free the window place a failed completion held."""
