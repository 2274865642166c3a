from collections import defaultdict

from saleor.graphql.core.dataloaders import DataLoader

from saleor_o2o.pickup import models as pickup_models


class TransitionsByPickupIdLoader(DataLoader):
    """Audit trails of many pickups in one query."""

    context_key = "o2o_transitions_by_pickup_id"

    def batch_load(self, keys):
        trails = defaultdict(list)
        rows = pickup_models.PickupTransition.objects.filter(pickup_id__in=keys)
        for transition in rows.select_related("user", "app").order_by(
            "created_at", "pk"
        ):
            trails[transition.pickup_id].append(transition)
        return [trails[key] for key in keys]


class PickupByOrderIdLoader(DataLoader):
    """The pickups of many orders (shown with `me { orders }`) in one query."""

    context_key = "o2o_pickup_by_order_id"

    def batch_load(self, keys):
        pickups = pickup_models.Pickup.objects.filter(order_id__in=keys).select_related(
            "order", "store"
        )
        by_order = {pickup.order_id: pickup for pickup in pickups}
        return [by_order.get(key) for key in keys]
