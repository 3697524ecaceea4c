"""zhudai import-rollback RUN_ID: undo an import (created customers deleted unless worked on since,
overwritten values restored), as the system, audited."""

from django.core.management.base import BaseCommand, CommandError

from zhudai.core.context import acting
from zhudai.io import importer
from zhudai.io.models import ImportRun


class Command(BaseCommand):
    help = "回滚一次导入：删除它新建的客户（之后已有跟进的除外），恢复它覆盖的值。"

    def add_arguments(self, parser):
        parser.add_argument("run_id", type=int, help="导入记录编号")

    def handle(self, *args, run_id, **options):
        run = ImportRun.objects.filter(pk=run_id).first()
        if run is None:
            raise CommandError(f"找不到导入记录 #{run_id}。")
        with acting(None, label="cli:import-rollback"):
            try:
                result = importer.rollback(run, None)
            except ValueError as exc:
                raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(
            f"已回滚导入 #{run_id}：删除 {result['removed']} 位客户，恢复 {result['restored']} 位客户的原值，"
            f"保留 {result['kept']} 位已有后续跟进的客户。"))
