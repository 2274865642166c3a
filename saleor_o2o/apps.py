from django.apps import AppConfig


class O2OConfig(AppConfig):
    name = "saleor_o2o"
    label = "saleor_o2o"
    verbose_name = "Online to offline"

    def ready(self):
        from .core.db import fork_safety_install

        fork_safety_install()
