from saleor.graphql.core.dataloaders import DataLoader

from ... import pickups


class PickupSlotsByStoreAndDateLoader(DataLoader):
    """Pickup slots of ``(store, date)`` keys: two queries for a whole store list."""

    context_key = "o2o_pickup_slots_by_store_and_date"

    def batch_load(self, keys):
        now = getattr(self.context, "_o2o_now", None)
        return pickups.stores_pickup_slots(requests=list(keys), now=now)
