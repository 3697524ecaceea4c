"""zhudai import customers FILE [--dry-run] [--on-duplicate skip|update|report] [--owner LOGIN] [--assign-by-rules] [--json]

With --json, stdout is exactly one JSON object:
{"total", "created", "updated", "skipped", "failed", "errors": [{"row", "column", "message"}]}
Exit code 0 when the file was processed (even with failed rows); 1 with a one-line message on
stderr when it could not be read at all.
"""

from json import dumps
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from zhudai.core.context import acting
from zhudai.io import importer
from zhudai.io.models import ImportIssue, ImportRun, OnDuplicate
from zhudai.io.readers import SheetError


class Command(BaseCommand):
    help = "从 Excel/CSV 文件导入客户（以系统身份运行，并记入操作日志）。"

    def add_arguments(self, parser):
        parser.add_argument("target", choices=["customers"], help="导入对象（customers）")
        parser.add_argument("file", help=".xlsx / .xls / .ods / .csv 文件")
        parser.add_argument("--dry-run", action="store_true", help="只检查并统计，不写入数据库")
        parser.add_argument("--on-duplicate", choices=[c.value for c in OnDuplicate], default=OnDuplicate.SKIP,
                            help="遇到重复客户：skip 跳过（默认）、update 用非空值更新、report 仅报告")
        parser.add_argument("--owner", help="客户归属的业务员登录名（表格中没有业务员列或为空时）")
        parser.add_argument("--assign-by-rules", action="store_true",
                            help="没有业务员的行按线索分配规则分配（无匹配规则的进公海）")
        parser.add_argument("--json", action="store_true", help="只输出一个 JSON 对象")

    def handle(self, *args, target, file, dry_run, on_duplicate, owner, **options):
        from zhudai.accounts.models import User

        as_json = options["json"]
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件：{file}")
        owner_user = None
        if owner:
            owner_user = User.objects.filter(username=owner, is_active=True).first()
            if owner_user is None:
                raise CommandError(f"找不到启用状态的用户“{owner}”。")
        with acting(None, label="cli:import"):
            try:
                run = importer.create_run(None, path.read_bytes(), path.name, target="customer")
            except SheetError as exc:
                raise CommandError(str(exc)) from None
            run.on_duplicate, run.owner = on_duplicate, owner_user
            run.assign_by_rules = options["assign_by_rules"]
            run.save(update_fields=["on_duplicate", "owner", "assign_by_rules"])
            progress = None if as_json else self._progress
            if dry_run:
                importer.plan(run, None, on_progress=progress and (lambda n: progress(n, run.total)))
                run.refresh_from_db()
                counts = {k: run.plan[k] for k in ("total", "created", "updated", "skipped", "failed")}
                issues = run.issues.filter(dry_run=True, kind=ImportIssue.Kind.FAILED)
            else:
                importer.execute(run, None, on_progress=progress and (lambda r: progress(r.processed, 0)))
                run.refresh_from_db()
                counts = run.counts()
                issues = run.issues.filter(dry_run=False, kind=ImportIssue.Kind.FAILED)
        errors = [{"row": r, "column": c, "message": m} for r, c, m in issues.values_list("row", "column", "message")]
        if as_json:
            self.stdout.write(dumps({**counts, "errors": errors}, ensure_ascii=False))
            return
        self._report(run, counts, errors, dry_run)

    def _progress(self, done, total):
        self.stderr.write(f"\r已处理 {done:,} 行", ending="")
        self.stderr.flush()

    def _report(self, run, counts, errors, dry_run):
        self.stderr.write("")
        title = "预检结果（未写入）" if dry_run else f"导入完成（导入记录 #{run.pk}）"
        self.stdout.write(self.style.SUCCESS(title))
        self.stdout.write(f"共 {counts['total']} 行：新建 {counts['created']}，更新 {counts['updated']}，"
                          f"跳过 {counts['skipped']}，失败 {counts['failed']}")
        for error in errors[:50]:
            column = f"[{error['column']}] " if error["column"] else ""
            self.stdout.write(f"  第 {error['row']} 行 {column}{error['message']}")
        if len(errors) > 50:
            self.stdout.write(f"  … 另有 {len(errors) - 50} 条错误")
        unmapped = importer.unmapped_columns(run)
        if unmapped:
            self.stdout.write("未识别的列（未导入）：" + "、".join(unmapped))
        if run.status == ImportRun.Status.DONE and not dry_run:
            self.stdout.write(f"如需撤销：zhudai import-rollback {run.pk}")
