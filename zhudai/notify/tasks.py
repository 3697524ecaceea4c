"""The delivery worker: nudged after each commit that queued a message, and every minute anyway."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from zhudai.core.context import acting

from . import services


@db_task()
def deliver_pending():
    with acting(None, label="job:notify"):
        services.deliver_all()


@db_periodic_task(crontab(minute="*"))
@lock_task("notify-deliver-tick")
def deliver_tick():
    """Catches what the nudges missed: retries that came due, deferred SMS, a worker restart."""
    with acting(None, label="scheduler:notify"):
        services.deliver_all()
