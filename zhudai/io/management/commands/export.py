"""zhudai export customers --out FILE.xlsx|FILE.csv: every customer with full values, as the system."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from zhudai.audit.choices import Action
from zhudai.audit.services import record
from zhudai.core.context import acting
from zhudai.io.exporter import write_csv, write_xlsx


class Command(BaseCommand):
    help = "把全部客户导出为 .xlsx 或 .csv（完整值，以系统身份运行并记入操作日志）。"

    def add_arguments(self, parser):
        parser.add_argument("target", choices=["customers"])
        parser.add_argument("--out", required=True, help="输出文件，扩展名 .xlsx 或 .csv")

    def handle(self, *args, target, out, **options):
        from zhudai.customers.models import Customer
        from zhudai.customers.spreadsheet import columns_for, export_rows

        path = Path(out)
        suffix = path.suffix.lower()
        if suffix not in (".xlsx", ".csv"):
            raise CommandError("输出文件的扩展名应为 .xlsx 或 .csv。")
        if not path.parent.is_dir():
            raise CommandError(f"目录不存在：{path.parent}")
        with acting(None, label="cli:export"):
            columns = columns_for(None)
            header = [c.label for c in columns]
            try:
                if suffix == ".csv":
                    rows = export_rows(Customer.objects.order_by("pk"), columns, reveal=None, escape_formulas=True)
                    with path.open("wb") as fh:
                        count = write_csv(fh, header, rows, prepared=True)
                else:
                    rows = export_rows(Customer.objects.order_by("pk"), columns, reveal=None)
                    count = write_xlsx(path, header, rows, sheet_name="客户",
                                       text_columns={n for n, c in enumerate(columns) if c.sensitive})
            except OSError as exc:
                raise CommandError(f"无法写入文件：{exc.strerror}") from None
            record(Action.EXPORT, object_type="customer", object_repr=path.name,
                   extra={"rows": count, "file": path.name, "format": suffix[1:], "full_values": True})
        self.stdout.write(self.style.SUCCESS(f"已导出 {count} 位客户到 {path}"))
