"""saleor-o2o: online-to-offline commerce for Saleor 2.10."""

default_app_config = "saleor_o2o.apps.O2OConfig"
