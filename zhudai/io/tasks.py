"""Background work for imports: the dry run and the run itself, as the user who started them."""

from django.utils import timezone
from huey.contrib.djhuey import db_task

from zhudai.core.context import acting

from . import importer
from .models import ImportRun
from .readers import SheetError


def _user(user_id):
    from zhudai.accounts.models import User

    return User.objects.filter(pk=user_id, is_active=True).first() if user_id else None


@db_task()
def plan_import(run_id, user_id):
    run = ImportRun.objects.get(pk=run_id)
    user = _user(user_id)

    def progress(rows):
        ImportRun.objects.filter(pk=run_id).update(total=rows, heartbeat_at=timezone.now())

    with acting(user, label="job:import-plan"):
        try:
            importer.plan(run, user, on_progress=progress)
        except SheetError as exc:
            ImportRun.objects.filter(pk=run_id).update(status=ImportRun.Status.FAILED, message=str(exc)[:500])


@db_task()
def execute_import(run_id, user_id):
    run = ImportRun.objects.get(pk=run_id)
    user = _user(user_id)
    with acting(user, label="job:import"):
        try:
            importer.execute(run, user)
        except SheetError as exc:
            ImportRun.objects.filter(pk=run_id).update(status=ImportRun.Status.FAILED, message=str(exc)[:500])
