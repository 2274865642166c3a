from saleor.graphql.core.dataloaders import DataLoader

from saleor_o2o import pickups
from saleor_o2o.graphql.core.context import request_now


class PickupSlotsByStoreAndDateLoader(DataLoader):
    """Pickup slots of ``(store, date)`` keys: two queries for a whole store list."""

    context_key = "o2o_pickup_slots_by_store_and_date"

    def batch_load(self, keys):
        return pickups.stores_pickup_slots(
            requests=list(keys), now=request_now(self.context)
        )
