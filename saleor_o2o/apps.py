from importlib import import_module

from django.apps import AppConfig
from django.db.models.signals import post_save


class O2OConfig(AppConfig):
    name = "saleor_o2o"
    label = "saleor_o2o"
    verbose_name = "Online to offline"

    def ready(self):
        from saleor.celeryconf import app as celery_app
        from saleor.order.models import Order
        from saleor.warehouse.models import Warehouse

        from saleor_o2o.checkout.completion import order_stock_prelock
        from saleor_o2o.checkout.saleor_alternative import (
            saleor_shipping_alternative_fix,
        )
        from saleor_o2o.core.db import fork_safety_install
        from saleor_o2o.local_delivery.method import store_saved
        from saleor_o2o.routing.services import warehouse_saved
        from saleor_o2o.store.models import Store
        from saleor_o2o.store.saleor_stock import saleor_available_quantity_fix
        from saleor_o2o.visits.appointments.notices import appointment_moved
        from saleor_o2o.visits.try_on.follow import appointment_moved as try_on_follows

        fork_safety_install()
        saleor_available_quantity_fix()
        saleor_shipping_alternative_fix()
        # Registers every Celery task under its pinned name (`core.tasks.task_named`),
        # then creates the tasks declared so far, here, in one thread. Left to the
        # first request, Celery's finalisation races with other threads of a uwsgi
        # worker: one may call a task whose class is registered but not yet bound
        # ("'NoneType' object has no attribute 'push'").
        import_module("saleor_o2o.tasks")
        celery_app.finalize()
        post_save.connect(
            order_stock_prelock,
            sender=Order,
            dispatch_uid="saleor_o2o.checkout.completion.order_stock_prelock",
        )
        appointment_moved.connect(
            try_on_follows, dispatch_uid="saleor_o2o.visits.try_on.follow"
        )
        post_save.connect(
            store_saved,
            sender=Store,
            dispatch_uid="saleor_o2o.local_delivery.method.store_saved",
        )
        post_save.connect(
            warehouse_saved,
            sender=Warehouse,
            dispatch_uid="saleor_o2o.routing.services.warehouse_saved",
        )
