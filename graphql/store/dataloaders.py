from saleor.graphql.core.dataloaders import DataLoader

from saleor_o2o.graphql.core.context import request_now
from saleor_o2o.pickup import selectors as pickup_selectors


class PickupSlotsByStoreAndDateLoader(DataLoader):
    """Pickup slots of ``(store, date)`` keys: two queries for a whole store list."""

    context_key = "o2o_pickup_slots_by_store_and_date"

    def batch_load(self, keys):
        return pickup_selectors.stores_pickup_slots(
            requests=list(keys), now=request_now(self.context)
        )
