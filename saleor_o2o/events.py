"""O2O events, recorded in the same transaction as the change that causes them.

Rows of `O2OEvent` form an outbox: the webhook deliverer reads them after commit, so
an event exists exactly when its change does. Payloads follow Saleor's webhooks: JSON
with global IDs.
"""

from typing import Any, Dict, List, Sequence

import graphene
from django.db import transaction

from .models import O2OEvent


class O2OEventType:
    """Event types, as sent in ``X-Saleor-Event``."""

    STORE_STOCK_LOW = "store_stock_low"
    OFFER_CLAIMED = "offer_claimed"
    OFFER_REDEEMED = "offer_redeemed"

    CHOICES = [
        (STORE_STOCK_LOW, "A variant's stock for pickup at a store is low"),
        (OFFER_CLAIMED, "A shopper claimed an in-store offer"),
        (OFFER_REDEEMED, "An offer was redeemed in a store"),
    ]


def global_id(type_name: str, pk: Any) -> str:
    return graphene.Node.to_global_id(type_name, pk)


def _require_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Record events inside the transaction of their change.")


def events_record(*, type: str, payloads: Sequence[Dict[str, Any]]) -> List[O2OEvent]:
    """Record events of one type; must run inside the transaction of their change."""
    _require_transaction()
    return O2OEvent.objects.bulk_create(
        [O2OEvent(type=type, payload=payload) for payload in payloads], batch_size=1000
    )
