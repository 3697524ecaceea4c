"""Background work for imports (the dry run and the run) and exports, as the user who started them."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

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


@db_task()
def export_customers(export_id):
    """Write an .xlsx export in the background, then keep it encrypted for its owner to download."""
    import tempfile

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.http import QueryDict

    from zhudai.audit.choices import Action
    from zhudai.audit.services import record
    from zhudai.customers.spreadsheet import export_query, export_rows
    from zhudai.security.crypto import cipher

    from .exporter import write_xlsx
    from .models import ExportRun

    export = ExportRun.objects.select_related("created_by").get(pk=export_id)
    user = export.created_by
    with acting(user, label="job:export"):
        try:
            customers, columns, reveal = export_query(user, QueryDict(export.query))
            total = customers.count()
            ExportRun.objects.filter(pk=export_id).update(status=ExportRun.Status.RUNNING, total=total)
            with tempfile.TemporaryFile() as out:
                count = write_xlsx(out, [c.label for c in columns], export_rows(customers, columns, reveal=reveal),
                                   sheet_name="客户", text_columns={n for n, c in enumerate(columns) if c.sensitive},
                                   on_progress=lambda n: ExportRun.objects.filter(pk=export_id).update(done=n))
                out.seek(0)
                path = default_storage.save(f"exports/{timezone.now():%Y/%m}/{export_id}.bin",
                                            ContentFile(cipher().encrypt_bytes(out.read())))
            record(Action.EXPORT, actor=user, object_type="customer", object_repr="客户列表",
                   extra={"rows": count, "format": "xlsx", "filters": export.query[:500], "export": export_id})
            ExportRun.objects.filter(pk=export_id).update(status=ExportRun.Status.DONE, done=count, file_path=path,
                                                          finished_at=timezone.now())
        except Exception as exc:
            ExportRun.objects.filter(pk=export_id).update(status=ExportRun.Status.FAILED, message=str(exc)[:500])
            raise


@db_periodic_task(crontab(minute="41"))
def purge_old_exports():
    """Export files hold personal data: they are kept for a day, then deleted."""
    import datetime

    from django.core.files.storage import default_storage

    from .models import ExportRun

    cutoff = timezone.now() - datetime.timedelta(days=1)
    for export in ExportRun.objects.filter(created_at__lt=cutoff).exclude(file_path=""):
        default_storage.delete(export.file_path)
        ExportRun.objects.filter(pk=export.pk).update(file_path="", message="文件已过期删除")
