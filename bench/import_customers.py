#!/usr/bin/env python
"""Customer import and export at 100,000 rows on SQLite, beside their peers and floors.

Run from the repo root with no arguments:  .venv/bin/python bench/import_customers.py
(`make bench` installs the bench extras: django-import-export.) It writes a realistic sheet
(~30 columns of Chinese customer data, generated, cached in bench/.work/import/), then measures,
each in a fresh process on a fresh database:

1. our import: `zhudai import customers FILE` end to end (reading, mapping, validation, duplicate
   checks, encryption, audit) — wall time and peak RSS; also 1,000,000 rows with --million;
2. the floor: reading the same file with calamine and inserting every row with executemany into
   the customer table, without any checks;
3. django-import-export: a ModelResource on the same model, bulk mode, on the first 10,000 rows
   (its rate is compared per row);
4. export of the 100,000 customers: to .csv, to .xlsx, and xlsxwriter's constant-memory mode alone
   writing the same values (the floor for .xlsx).

Prints one JSON line per figure and appends a table to bench/RESULTS.md.
Targets (issue 3): import < 15 s and < 500 MB; >= 20x django-import-export per row; <= 3x the
floor; export .csv < 5 s; .xlsx <= 1.2x xlsxwriter alone; export peak < 300 MB.
"""

import argparse
import datetime
import importlib.util
import json
import os
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib  # noqa: E402
from benchlib import ROOT  # noqa: E402

WORK = benchlib.WORK / "import"
HEADER = ["客户姓名", "身份证号码", "手机号码", "备用电话", "微信号", "婚姻状况", "户籍地址", "现居地址", "所在城市",
          "职业", "工作单位", "单位地址", "月收入", "征信情况", "负债总额", "负债情况", "名下房产", "车辆信息",
          "开户银行", "银行卡号", "贷款类型", "期望金额", "期限（月）", "资金用途", "客户来源", "当前阶段",
          "下次跟进时间", "标签", "备注", "登记日期"]


def env_for(name):
    """A fresh SQLite database for one phase."""
    home = WORK / name
    home.mkdir(parents=True, exist_ok=True)
    for f in home.glob("db.sqlite3*"):
        f.unlink()
    return benchlib.env_for(home, f"sqlite:///{home / 'db.sqlite3'}")


# ---------------------------------------------------------------- the sheet ---------------------

def make_sheet(path, rows):
    sys.path.insert(0, str(ROOT))
    import xlsxwriter

    from zhudai.core.chinese import make_id_number

    rng = random.Random(3)
    surnames = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉斌宇浩凯健俊帆帅旭宁婷雪琳晶欣怡佳雯"
    employers = ["宁夏电力公司", "银川市第一人民医院", "个体经营", "宁夏建工集团", "吴忠市教育局", "中石化宁夏分公司"]
    streets = ["兴庆区解放东街", "金凤区北京中路", "西夏区文萃南街", "利通区朝阳街", "永宁县杨和镇"]
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("客户")
    sheet.merge_range(0, 0, 0, 8, "2026年客户登记表")
    for c, title in enumerate(HEADER):
        sheet.write_string(1, c, title)
    base = datetime.date(1965, 1, 1)
    for i in range(rows):
        birth = base + datetime.timedelta(days=i % 14000)
        street = rng.choice(streets)
        values = [
            rng.choice(surnames) + "".join(rng.choice(given) for _ in range(rng.choice((1, 2)))),
            make_id_number(rng.choice(("640104", "640302", "640106")), birth, i // 14000),
            f"1{rng.choice('3589')}{i:09d}"[:11] if i % 50 else f"+86 1{rng.choice('3589')}{i:09d}"[:15],
            f"0951-{rng.randint(1000000, 9999999)}" if i % 3 == 0 else "",
            f"wx_{i}" if i % 2 else "",
            rng.choice(["已婚", "未婚", "离异", ""]),
            f"宁夏银川市{street}{rng.randint(1, 300)}号",
            f"宁夏银川市{rng.choice(streets)}{rng.randint(1, 300)}号",
            "银川",
            rng.choice(["教师", "司机", "个体户", "工程师", "护士", "销售"]),
            rng.choice(employers),
            f"银川市{rng.choice(streets)}",
            rng.choice(["8000", "1.2万", "6,500.00", "¥9000"]),
            rng.choice(["良好", "一般", "较差", "无记录"]),
            f"{rng.randint(0, 50)}万",
            rng.choice(["房贷每月3000", "信用卡2万", "无", ""]),
            rng.choice(["银川住宅一套", "", "商铺一间"]),
            rng.choice(["", "大众朗逸 2019", "丰田卡罗拉"]),
            rng.choice(["工商银行", "建设银行", "宁夏银行", "黄河农商银行"]),
            f"6222{i:015d}"[:19] if i % 4 == 0 else "",
            rng.choice(["信用贷", "抵押贷"]),
            f"{rng.randint(3, 100)}万",
            str(rng.choice([12, 24, 36, 60])),
            rng.choice(["经营周转", "装修", "购车", "消费"]),
            rng.choice(["抖音", "老客户转介绍", "中介合作", "电话营销", "门店到访"]),
            rng.choice(["新线索", "初步接洽", "资料收集中"]),
            f"2026/{rng.randint(1, 12)}/{rng.randint(1, 28)} 10:00",
            rng.choice(["", "优质客户", "有房,有车", "急用"]),
            rng.choice(["", "客户下午方便接电话", "周末联系"]),
            f"2025年{rng.randint(1, 12)}月{rng.randint(1, 28)}日",
        ]
        for c, value in enumerate(values):
            if value:
                sheet.write_string(i + 2, c, value)
    workbook.close()


# ---------------------------------------------------------------- phases (fresh process each) ---

def django_setup(migrate=True):
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from zhudai.accounts.demo import create_demo_firm

        create_demo_firm()


class PeakSampler:
    """Largest sum of resident memory over this process and its helper processes, sampled every
    20 ms from /proc (ru_maxrss of a spawned child counts the parent's pages it shared before exec)."""

    def __init__(self):
        import threading

        self.peak = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024

    @classmethod
    def _rss_kb(cls, pid):
        try:
            with open(f"/proc/{pid}/statm", "rb") as fh:  # VmRSS in pages, cheaper than parsing status
                return int(fh.read().split()[1]) * cls.PAGE_KB
        except (OSError, IndexError, ValueError):
            return 0

    def _tree(self, pid):
        pids = [pid]
        for task in Path(f"/proc/{pid}/task").glob("*/children"):
            for child in task.read_text().split():
                pids.extend(self._tree(int(child)))
        return pids

    def _run(self):
        while not self.stop.wait(0.02):
            self.peak = max(self.peak, sum(self._rss_kb(p) for p in self._tree(os.getpid())))

    def mb(self):
        self.stop.set()
        self.thread.join()
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return max(self.peak, own) / 1024


_sampler = None


def peak_mb():
    return _sampler.mb() if _sampler else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase_migrate():
    django_setup()
    print("{}")


def phase_ours(path):
    """`zhudai import customers` as a user runs it: the database was migrated by another process
    (migrating here would leave ~30 MB of migration state in the measured peak)."""
    global _sampler
    django_setup(migrate=False)
    _sampler = PeakSampler()
    from django.core.management import call_command

    t0 = time.perf_counter()
    out = __import__("io").StringIO()
    call_command("import_", "customers", path, "--json", stdout=out)
    seconds = time.perf_counter() - t0
    result = json.loads(out.getvalue())
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb(), "created": result["created"],
                      "failed": result["failed"], "errors": result["errors"][:3]}))


def phase_floor(path):
    """calamine read + executemany into the customer table: no mapping, checks, encryption or audit."""
    django_setup()
    from django.db import connection, transaction
    from python_calamine import CalamineWorkbook

    from zhudai.customers.models import Customer, Stage

    stage = Stage.objects.values_list("pk", flat=True).first()
    columns = ["name", "id_number", "mobile", "backup_phone", "wechat", "marital_status", "registered_address",
               "current_address", "city", "occupation", "employer", "employer_address", "monthly_income",
               "credit_rating", "total_debt", "debts", "house", "vehicles", "bank_name", "bank_card", "loan_type",
               "expected_amount", "term_months", "purpose", "channel_id", "stage_id", "next_follow_up_at", "note",
               "note", "created_at"]
    fields = {f.attname: f for f in Customer._meta.concrete_fields}
    extra = [a for a in fields if a not in columns and a != "id"]
    cols = list(dict.fromkeys(columns)) + extra
    defaults = [fields[a].get_default() for a in extra]
    defaults = ["{}" if isinstance(d, dict) else ("" if d is None and not fields[a].null else d)
                for a, d in zip(extra, defaults)]
    t0 = time.perf_counter()
    sheet = CalamineWorkbook.from_path(path).get_sheet_by_index(0)
    batch = []
    sql = (f"INSERT INTO customers_customer ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})")
    now = datetime.datetime.now().isoformat(" ")
    n_columns = len(dict.fromkeys(columns))
    with transaction.atomic(), connection.cursor() as cur:
        for n, row in enumerate(sheet.iter_rows()):
            if n < 2:
                continue
            values = list(row[:n_columns])
            values[12] = values[14] = values[21] = None  # money text is not a number without parsing
            values[22] = None
            values[24], values[25] = None, stage
            values[26] = values[29 - 1] = None
            values = values[:n_columns - 1] + [now]
            values = values + defaults
            values[cols.index("name_initials")] = ""
            values[cols.index("updated_at")] = now
            values[cols.index("id_number_bidx")] = None
            batch.append(values)
            if len(batch) == 5000:
                cur.executemany(sql, batch)
                batch = []
        if batch:
            cur.executemany(sql, batch)
    print(json.dumps({"seconds": time.perf_counter() - t0, "peak_mb": peak_mb()}))


def phase_die(path, rows):
    """django-import-export: ModelResource on Customer, bulk mode, the first `rows` rows."""
    django_setup()
    import tablib
    from import_export import fields, resources, widgets
    from python_calamine import CalamineWorkbook

    from zhudai.customers.models import Customer, Stage

    stage = Stage.objects.first()

    class CustomerResource(resources.ModelResource):
        name = fields.Field(attribute="name", column_name="客户姓名")
        id_number = fields.Field(attribute="id_number", column_name="身份证号码")
        mobile = fields.Field(attribute="mobile", column_name="手机号码")
        backup_phone = fields.Field(attribute="backup_phone", column_name="备用电话")
        wechat = fields.Field(attribute="wechat", column_name="微信号")
        registered_address = fields.Field(attribute="registered_address", column_name="户籍地址")
        current_address = fields.Field(attribute="current_address", column_name="现居地址")
        city = fields.Field(attribute="city", column_name="所在城市")
        occupation = fields.Field(attribute="occupation", column_name="职业")
        employer = fields.Field(attribute="employer", column_name="工作单位")
        employer_address = fields.Field(attribute="employer_address", column_name="单位地址")
        debts = fields.Field(attribute="debts", column_name="负债情况")
        house = fields.Field(attribute="house", column_name="名下房产")
        vehicles = fields.Field(attribute="vehicles", column_name="车辆信息")
        bank_name = fields.Field(attribute="bank_name", column_name="开户银行")
        bank_card = fields.Field(attribute="bank_card", column_name="银行卡号")
        purpose = fields.Field(attribute="purpose", column_name="资金用途")
        note = fields.Field(attribute="note", column_name="备注")
        stage = fields.Field(attribute="stage", column_name="当前阶段",
                             widget=widgets.ForeignKeyWidget(Stage, field="name"))

        class Meta:
            model = Customer
            use_bulk = True
            batch_size = 1000
            import_id_fields = ["id_number"]
            fields = ["name", "id_number", "mobile", "backup_phone", "wechat", "registered_address",
                      "current_address", "city", "occupation", "employer", "employer_address", "debts", "house",
                      "vehicles", "bank_name", "bank_card", "purpose", "note", "stage"]
            skip_unchanged = True

        def before_save_instance(self, instance, row, **kwargs):
            instance.stage = instance.stage if instance.stage_id else stage

    t0 = time.perf_counter()
    data = CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python(nrows=rows + 2)
    dataset = tablib.Dataset(*[[("" if v is None else v) for v in r] for r in data[2:rows + 2]], headers=data[1])
    result = CustomerResource().import_data(dataset, dry_run=False, raise_errors=False)
    seconds = time.perf_counter() - t0
    print(json.dumps({"seconds": seconds, "rows": rows, "errors": bool(result.has_errors()),
                      "created": Customer.objects.count(), "peak_mb": peak_mb()}))


def phase_export(fmt):
    django_setup(migrate=False)
    from django.core.management import call_command

    out = WORK / f"export.{fmt}"
    t0 = time.perf_counter()
    call_command("export", "customers", "--out", str(out), stdout=__import__("io").StringIO())
    print(json.dumps({"seconds": time.perf_counter() - t0, "peak_mb": peak_mb()}))


def phase_xlsx_floor():
    """xlsxwriter's constant-memory mode alone writing the values our export wrote (read back from
    our CSV export beforehand, outside the timing)."""
    import csv

    import xlsxwriter

    with open(WORK / "export.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    t0 = time.perf_counter()
    workbook = xlsxwriter.Workbook(str(WORK / "floor.xlsx"), {"constant_memory": True})
    sheet = workbook.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value:
                sheet.write_string(r, c, value)
    workbook.close()
    print(json.dumps({"seconds": time.perf_counter() - t0}))


# ---------------------------------------------------------------- orchestration ---------------

def run_phase(env, *args):
    return json.loads(benchlib.run_phase(Path(__file__).resolve(), env, *args))


def run_ours(env, sheet):
    run_phase(env, "_migrate")
    return run_phase(env, "_ours", str(sheet))


def emit(figures, metric, value, unit, **extra):
    benchlib.emit(figures, "import_customers", metric, value, unit, **extra)


def main():
    if len(sys.argv) > 1 and sys.argv[1].startswith("_"):
        phase, args = sys.argv[1], sys.argv[2:]
        {"_migrate": phase_migrate, "_ours": lambda: phase_ours(args[0]), "_floor": lambda: phase_floor(args[0]),
         "_die": lambda: phase_die(args[0], int(args[1])), "_export": lambda: phase_export(args[0]),
         "_xlsx_floor": phase_xlsx_floor}[phase]()
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--die-rows", type=int, default=10_000)
    parser.add_argument("--million", action="store_true", help="also import 1,000,000 rows (memory check)")
    parser.add_argument("--skip-die", action="store_true", help="leave out django-import-export")
    opts = parser.parse_args()
    if not opts.skip_die and importlib.util.find_spec("import_export") is None:
        raise SystemExit("django-import-export (the peer this bench compares with) is not installed: "
                         "run `make bench`, or `.venv/bin/pip install -e '.[bench]'`, or pass --skip-die.")
    WORK.mkdir(parents=True, exist_ok=True)
    sheet = WORK / f"customers-{opts.rows}.xlsx"
    if not sheet.exists():
        print(f"writing {sheet} …", file=sys.stderr)
        make_sheet(sheet, opts.rows)
    figures = []
    ours = run_ours(env_for("ours"), sheet)
    if ours["failed"]:
        print(f"note: {ours['failed']} rows failed, e.g. {ours['errors']}", file=sys.stderr)
    emit(figures, "import.ours_seconds", ours["seconds"], "s", rows=opts.rows, target="< 15 s")
    emit(figures, "import.ours_rows_per_s", opts.rows / ours["seconds"], "rows/s")
    emit(figures, "import.ours_peak_rss", ours["peak_mb"], "MB", target="< 500 MB")
    floor = run_phase(env_for("floor"), "_floor", str(sheet))
    emit(figures, "import.floor_seconds", floor["seconds"], "s", rows=opts.rows)
    emit(figures, "import.ours_vs_floor", ours["seconds"] / floor["seconds"], "x", target="<= 3 x")
    if not opts.skip_die:
        # Its own file of --die-rows rows (same generator), so it does not parse rows it never imports.
        small = WORK / f"customers-{opts.die_rows}.xlsx"
        if not small.exists():
            make_sheet(small, opts.die_rows)
        die = run_phase(env_for("die"), "_die", str(small), str(opts.die_rows))
        emit(figures, "import.django_import_export_seconds", die["seconds"], "s", rows=opts.die_rows)
        die_rate = opts.die_rows / die["seconds"]
        emit(figures, "import.django_import_export_rows_per_s", die_rate, "rows/s")
        emit(figures, "import.ours_vs_django_import_export", (opts.rows / ours["seconds"]) / die_rate, "x",
             target=">= 20 x")
    export_env = env_for("ours")
    # env_for() wiped the database; import again (untimed) so the export has its 100k customers.
    run_ours(export_env, sheet)
    for fmt in ("csv", "xlsx"):
        result = run_phase({**export_env}, "_export", fmt)
        emit(figures, f"export.{fmt}_seconds", result["seconds"], "s", rows=opts.rows,
             target="< 5 s" if fmt == "csv" else "")
        emit(figures, f"export.{fmt}_peak_rss", result["peak_mb"], "MB", target="< 300 MB")
        if fmt == "xlsx":
            floor_x = run_phase(export_env, "_xlsx_floor")
            emit(figures, "export.xlsxwriter_alone_seconds", floor_x["seconds"], "s")
            emit(figures, "export.xlsx_vs_xlsxwriter", result["seconds"] / floor_x["seconds"], "x", target="<= 1.2 x")
    if opts.million:
        big = WORK / "customers-1000000.xlsx"
        if not big.exists():
            make_sheet(big, 1_000_000)
        million = run_ours(env_for("million"), big)
        emit(figures, "import.million_seconds", million["seconds"], "s", rows=1_000_000)
        emit(figures, "import.million_peak_rss", million["peak_mb"], "MB")
    write_results(figures, opts)


def write_results(figures, opts):
    benchlib.write_results("import_customers", f"{opts.rows:,} rows × {len(HEADER)} columns, SQLite, each phase in a "
                                               "fresh process.", figures)


if __name__ == "__main__":
    main()
