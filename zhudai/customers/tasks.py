"""Nightly: new leads nobody followed up for LEAD_POOL_TAKE_BACK_DAYS go back to the pool."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from zhudai.core.context import acting

from . import assignment


@db_periodic_task(crontab(hour="2", minute="30"))
@lock_task("lead-pool-take-back")
def take_back_stale_leads():
    with acting(None, label="scheduler:pool"):
        assignment.take_back()
