from importlib import import_module

from django.apps import AppConfig
from django.db.models.signals import post_save


class O2OConfig(AppConfig):
    name = "saleor_o2o"
    label = "saleor_o2o"
    verbose_name = "Online to offline"

    def ready(self):
        from saleor.order.models import Order

        from saleor_o2o.checkout.completion import order_stock_prelock
        from saleor_o2o.core.db import fork_safety_install

        fork_safety_install()
        # Registers every Celery task under its pinned name (`core.tasks.task_named`).
        import_module("saleor_o2o.tasks")
        post_save.connect(
            order_stock_prelock,
            sender=Order,
            dispatch_uid="saleor_o2o.checkout.completion.order_stock_prelock",
        )
