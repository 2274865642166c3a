"""Settings for the demo server and the test suite: Saleor's own, plus the extension.

A merchant's project makes the same three changes to its settings (see README).
"""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/saleor_o2o")
os.environ.setdefault("SECRET_KEY", "saleor-o2o-sandbox-not-for-production")

from saleor.settings import *  # noqa: E402,F401,F403
from saleor.settings import INSTALLED_APPS, PLUGINS  # noqa: E402

# 1. The app (models, migrations, tasks, templates, commands).
INSTALLED_APPS = [*INSTALLED_APPS, "saleor_o2o"]
# 2. The plugin: merchants switch it on and configure it on the Plugins page.
PLUGINS = [*PLUGINS, "saleor_o2o.plugin.O2OPlugin"]
# 3. The URLconf: /graphql/ serves Saleor's schema extended with the O2O fields.
ROOT_URLCONF = "saleor_o2o.urls"

CELERY_BEAT_SCHEDULE = {
    "o2o-geocode-pending-stores": {
        "task": "saleor_o2o.tasks.geocode_pending_stores_task",
        "schedule": 600.0,
    },
}

LOGGING_O2O_LEVEL = os.environ.get("O2O_LOG_LEVEL", "INFO")
