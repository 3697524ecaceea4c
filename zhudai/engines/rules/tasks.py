"""The scheduler tick: every minute, every enabled rule, once (a lock keeps two ticks apart; the
firings' unique key keeps two schedulers on two machines from acting twice)."""

from huey import crontab
import datetime

from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from zhudai.core.context import acting

from . import services


@db_periodic_task(crontab(minute="*"))
@lock_task("rules-tick")
def rules_tick():
    with acting(None, label="scheduler:rules"):
        services.tick()


@db_task()
def handle_events(subject_key, event, pks, changed, at):
    """The event rules for records that one commit changed (one, or an import's chunk)."""
    with acting(None, label="rules:event"):
        moment = datetime.datetime.fromisoformat(at)
        for pk in pks:
            services.handle_event(subject_key, event, pk, changed, moment)
