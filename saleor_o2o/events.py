"""O2O events, recorded in the same transaction as the change that causes them.

Rows of `O2OEvent` form an outbox: the webhook deliverer reads them after commit, so
an event exists exactly when its change does. Payloads follow Saleor's webhooks: JSON
with global IDs.
"""

from typing import Any, Dict

import graphene
from django.db import transaction

from .models import O2OEvent


class O2OEventType:
    """Event types, as sent in ``X-Saleor-Event``."""

    STORE_STOCK_LOW = "store_stock_low"

    CHOICES = [(STORE_STOCK_LOW, "A variant's stock for pickup at a store is low")]


def global_id(type_name: str, pk: Any) -> str:
    return graphene.Node.to_global_id(type_name, pk)


def event_record(*, type: str, payload: Dict[str, Any]) -> O2OEvent:
    """Record an event; must run inside the transaction that makes the change."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("Record events inside the transaction of their change.")
    return O2OEvent.objects.create(type=type, payload=payload)
