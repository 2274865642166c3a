"""Celery task names are part of what merchants configure: they never move."""

from django.conf import settings
from saleor.celeryconf import app

import saleor_o2o.tasks


def test_every_scheduled_task_is_registered_under_its_name():
    scheduled = {
        entry["task"]
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"].startswith("saleor_o2o.")
    }

    assert scheduled
    assert scheduled <= set(app.tasks)


def test_every_o2o_task_keeps_the_name_it_had_before_the_concept_packages():
    names = {getattr(saleor_o2o.tasks, name).name for name in saleor_o2o.tasks.__all__}
    o2o_tasks = {name for name in app.tasks if "saleor_o2o" in name}

    assert o2o_tasks == names
    assert names == {f"saleor_o2o.tasks.{name}" for name in saleor_o2o.tasks.__all__}
