from saleor.graphql.core.dataloaders import DataLoader

from saleor_o2o.pickup import selectors as pickup_selectors


class TransitionsByPickupIdLoader(DataLoader):
    """Audit trails of many pickups in one query."""

    context_key = "o2o_transitions_by_pickup_id"

    def batch_load(self, keys):
        trails = pickup_selectors.transitions_by_pickup(keys)
        return [trails[key] for key in keys]


class PickupByOrderIdLoader(DataLoader):
    """The pickups of many orders (shown with `me { orders }`) in one query."""

    context_key = "o2o_pickup_by_order_id"

    def batch_load(self, keys):
        by_order = pickup_selectors.pickups_by_order(keys)
        return [by_order.get(key) for key in keys]
