"""Celery's tasks exist before the first request, in every process."""

import os
import subprocess
import sys

CHECK = """
import django
django.setup()
from saleor.celeryconf import app
assert app.finalized, "Celery is finalised when Django starts"
task = app.tasks["saleor_o2o.tasks.deliver_webhooks_task"]
assert task.request_stack is not None, "the task is bound to the app"
print("ok")
"""


def test_django_start_finalises_celery_with_every_o2o_task_bound(tmp_path):
    # A fresh interpreter: in this one, the test run has used Celery already.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "saleor_o2o.sandbox.settings"}
    done = subprocess.run(
        [sys.executable, "-c", CHECK],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("ok")
