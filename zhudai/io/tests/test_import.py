"""Spreadsheet import: each kind of mess a real sheet holds, duplicates, safety, limits, the CLI."""

import datetime
import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from zhudai.audit.models import AuditEvent
from zhudai.core.context import acting
from zhudai.customers.models import Customer
from zhudai.io import importer
from zhudai.io.models import ImportIssue, ImportRun
from zhudai.io.readers import Limits, SheetError, open_sheet
from zhudai.testing import factories
from zhudai.testing.sheets import sheet_bytes

pytestmark = pytest.mark.django_db

ID1 = factories.id_number(sequence=11)
ID2 = factories.id_number(sequence=12)
HEADER = ["客户姓名", "身份证号码", "联系电话", "贷款金额", "登记日期"]


def run_import(user, data, name="客户.xlsx", *, policy="skip", dry_run=False, owner=None):
    with acting(user):
        run = importer.create_run(user, data, name)
        run.on_duplicate = policy
        run.owner = owner
        run.save()
        if dry_run:
            importer.plan(run, user)
        else:
            importer.execute(run, user)
    run.refresh_from_db()
    return run


def failures(run, dry_run=False):
    return {(i.row, i.column): i.message for i in run.issues.filter(kind="failed", dry_run=dry_run)}


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods", "csv"])
def test_every_format_imports(fmt, people):
    rows = [HEADER, ["张三", ID1, "13912345678", "5万", "2026-03-05"], ["李四", ID2, "13912345679", "8000", "2026/3/6"]]
    run = run_import(people.lead1, sheet_bytes(fmt, rows), f"客户.{fmt}")
    assert run.counts() == {"total": 2, "created": 2, "updated": 0, "skipped": 0, "failed": 0}
    zhang = Customer.objects.get(name="张三")
    assert zhang.id_number == ID1 and zhang.mobile == "13912345678"
    assert zhang.expected_amount == Decimal("50000.00")
    assert zhang.birth_date == datetime.date(1988, 5, 17) and zhang.native_region
    assert zhang.owner == people.lead1 and zhang.org_unit_id == people.lead1.org_unit_id
    assert zhang.name_initials == "zs"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings_are_detected(encoding, people):
    rows = [HEADER, ["欧阳娜娜", ID1, "13912345678", "", ""]]
    run = run_import(people.lead1, sheet_bytes("csv", rows, encoding=encoding), "客户.csv")
    assert run.created == 1
    assert Customer.objects.get().name == "欧阳娜娜"


def test_header_below_merged_title_and_empty_rows_skipped(people):
    rows = [HEADER, ["张三", ID1, "13912345678", "", ""], [], [None, None, None], ["李四", "", "13912345679", "x", ""]]
    data = sheet_bytes("xlsx", rows, merged_title="2026年客户登记表", blank_rows_before=1)
    run = run_import(people.lead1, data)
    assert run.header_row == 3  # title in row 1, blank row 2
    assert run.total == 2
    # The bad amount is reported on the row Excel shows: title, blank, header, 张三, two empty rows, 李四.
    assert failures(run) == {(7, "贷款金额"): "金额格式不正确：x"}


def test_synonyms_saved_mappings_and_unknown_columns(people):
    rows = [["名字", "手机号码", "单位", "奇怪的列", "月薪"], ["张三", "13912345678", "宁夏电力", "?", "8,000.00"]]
    with acting(people.lead1):
        run = importer.create_run(people.lead1, sheet_bytes("xlsx", rows), "a.xlsx")
    assert run.mapping == {"0": "name", "1": "mobile", "2": "employer", "4": "monthly_income"}
    assert importer.unmapped_columns(run) == ["奇怪的列"]
    importer.save_mapping(run, people.lead1, {**run.mapping, "3": "note"}, remember=True)
    with acting(people.lead1):
        again = importer.create_run(people.lead1, sheet_bytes("xlsx", rows), "b.xlsx")
    assert again.mapping["3"] == "note"


def test_normalising_messy_values(people):
    rows = [
        ["姓名", "身份证号", "手机号", "备用电话", "期望金额", "月收入", "出生日期", "下次跟进时间", "婚姻状况"],
        ["  张三 ", ID1[:-1] + ID1[-1].lower() if ID1[-1] == "X" else " " + ID1 + " ", "+86 139-1234-5678",
         "0951-1234567", "¥50,000.00", "12.5万", None, "2026年3月5日", "已婚"],
        ["李四", "".join(chr(ord(c) + 0xFEE0) for c in ID2), "１３９１２３４５６７９", None, "5万", "50000",
         None, "20260305", "未婚"],
    ]
    run = run_import(people.lead1, sheet_bytes("xlsx", rows))
    assert run.failed == 0, failures(run)
    zhang, li = Customer.objects.get(name="张三"), Customer.objects.get(name="李四")
    assert zhang.mobile == "13912345678" and zhang.backup_phone == "09511234567"
    assert zhang.expected_amount == Decimal("50000.00") and zhang.monthly_income == Decimal("125000.00")
    assert zhang.marital_status == "married"
    assert timezone.localtime(zhang.next_follow_up_at).date() == datetime.date(2026, 3, 5)
    assert li.id_number == ID2 and li.mobile == "13912345679"
    assert timezone.localtime(li.next_follow_up_at).date() == datetime.date(2026, 3, 5)


def test_lowercase_x_in_id_number(people):
    number = next(n for n in (factories.id_number(sequence=s) for s in range(1, 200)) if n.endswith("X"))
    run = run_import(people.lead1, sheet_bytes("csv", [["姓名", "身份证号", "手机号"], ["王五", number.lower(), "13912345678"]]),
                     "a.csv")
    assert run.created == 1 and Customer.objects.get().id_number == number


def test_dates_as_cells_serials_and_text(people):
    rows = [["姓名", "手机号", "出生日期"],
            ["甲", "13912345671", datetime.date(1990, 1, 2)],
            ["乙", "13912345672", 32875],  # Excel serial of 1990-01-02
            ["丙", "13912345673", "1990.1.2"]]
    run = run_import(people.lead1, sheet_bytes("xlsx", rows))
    assert run.failed == 0, failures(run)
    assert set(Customer.objects.values_list("birth_date", flat=True)) == {datetime.date(1990, 1, 2)}


def test_id_number_stored_as_number_fails_with_instructions(people):
    rows = [["姓名", "身份证号", "手机号"], ["张三", int(ID1[:-1] + "0") if ID1[-1] != "X" else 640104198805170010, "13912345678"]]
    run = run_import(people.lead1, sheet_bytes("xlsx", rows))
    assert run.created == 0 and run.failed == 1
    message = failures(run)[(2, "身份证号")]
    assert "存成了数字" in message and "文本" in message
    assert not Customer.objects.exists()


def test_invalid_values_fail_the_row_with_row_and_column(people):
    bad_check = ID1[:-1] + ("0" if ID1[-1] != "0" else "1")
    rows = [["姓名", "身份证号", "手机号", "征信情况", "出生日期", "期限（月）"],
            ["张三", bad_check, "13912345678", "", "", ""],
            ["李四", "", "1391234", "", "", ""],
            ["王五", "", "13912345680", "很好", "", ""],
            ["赵六", "", "13912345681", "", "2026-02-30", ""],
            ["", "", "13912345682", "", "", ""],
            ["孙七", "", "13912345683", "良好", "", "十二"],
            ["周八", "", "13912345684", "良好", "1990-01-01", "12个月"]]
    run = run_import(people.lead1, sheet_bytes("xlsx", rows))
    found = failures(run)
    assert found[(2, "身份证号")] == "身份证号校验位不正确，请核对号码。"
    assert "11位" in found[(3, "手机号")]
    assert "不是有效选项" in found[(4, "征信情况")]
    assert found[(5, "出生日期")] == "日期不存在：2026-02-30"
    assert "必填项" in found[(6, "姓名")]
    assert (7, "期限（月）") in found
    assert run.failed == 6 and run.created == 1
    assert Customer.objects.get().term_months == 12


def test_duplicates_within_file_and_against_database(people):
    existing = factories.customer(people.sales1, name="老客户", mobile="13900000001")
    rows = [["姓名", "手机号", "备用电话"], ["新甲", "13912345678", ""], ["新甲again", "13912345678", ""],
            ["老客户", "13900000001", ""], ["别名", "13912345699", "13900000001"]]
    run = run_import(people.lead1, sheet_bytes("xlsx", rows))
    assert run.counts() == {"total": 4, "created": 1, "updated": 0, "skipped": 3, "failed": 0}
    skipped = {i.row: i.message for i in run.issues.filter(kind="skipped")}
    assert "第 2 行" in skipped[3]
    assert Customer.objects.filter(pk=existing.pk, name="老客户").exists()


def test_update_policy_overwrites_with_non_empty_values_and_is_audited(people):
    existing = factories.customer(people.sales1, name="老客户", mobile="13900000001", employer="旧单位", city="银川")
    rows = [["姓名", "手机号", "单位名称", "所在城市"], ["老客户", "13900000001", "新单位", ""]]
    run = run_import(people.lead1, sheet_bytes("xlsx", rows), policy="update")
    assert run.updated == 1 and run.created == 0
    existing.refresh_from_db()
    assert existing.employer == "新单位" and existing.city == "银川"
    event = AuditEvent.objects.filter(object_type="customer", object_id=str(existing.pk), action="update").get()
    assert event.changes["employer"] == ["旧单位", "新单位"]
    again = run_import(people.lead1, sheet_bytes("xlsx", rows), policy="update")
    assert again.updated == 0 and again.skipped == 1


def test_duplicate_outside_scope_is_reported_without_owner(people):
    factories.customer(people.sales3, name="吴忠客户", mobile="13900000003")
    rows = [["姓名", "手机号"], ["吴忠客户", "13900000003"]]
    for policy in ("skip", "update"):
        run = run_import(people.sales1, sheet_bytes("xlsx", rows), policy=policy)
        assert run.created == 0 and run.updated == 0 and run.skipped == 1
        message = run.issues.get().message
        assert "吴忠客户" not in message and people.sales3.display_name not in message
    report = run_import(people.sales1, sheet_bytes("xlsx", rows), policy="report")
    assert report.failed == 1 and "重复" in report.issues.get().message


def test_same_file_twice_creates_nothing_new(people):
    rows = [HEADER] + [[f"客户{i}", "", f"1391234{i:04d}", "", ""] for i in range(30)]
    data = sheet_bytes("xlsx", rows)
    first = run_import(people.lead1, data)
    second = run_import(people.lead1, data)
    assert first.created == 30 and second.created == 0 and second.skipped == 30
    assert Customer.objects.count() == 30


def test_dry_run_writes_nothing_and_predicts_the_run(people):
    factories.customer(people.sales1, mobile="13900000001")
    rows = [HEADER, ["甲", ID1, "13912345678", "", ""], ["乙", "", "13900000001", "", ""], ["丙", "", "139", "", ""]]
    data = sheet_bytes("xlsx", rows)
    plan = run_import(people.lead1, data, dry_run=True)
    assert Customer.objects.count() == 1
    assert {k: plan.plan[k] for k in ("created", "skipped", "failed")} == {"created": 1, "skipped": 1, "failed": 1}
    assert plan.plan["preview"][0]["values"]["姓名"] == "甲"
    assert failures(plan, dry_run=True)
    real = run_import(people.lead1, data)
    assert (real.created, real.skipped, real.failed) == (1, 1, 1)


def test_killed_run_resumes_without_duplicates(people, monkeypatch):
    from zhudai.customers.importing import CustomerImport

    monkeypatch.setattr(importer, "CHUNK_ROWS", 10)
    monkeypatch.setattr(importer, "TRANSACTION_CHUNKS", 2)  # the third chunk's transaction is lost whole
    rows = [HEADER] + [[f"客户{i}", "", f"1391234{i:04d}", "", ""] for i in range(35)]
    rows.append(["重复", "", "13912340003", "", ""])  # same phone as row 5
    original = CustomerImport.prepare
    calls = {"n": 0}

    def crash_on_fourth_chunk(self, rows, **kwargs):  # the third chunk is written by then, not committed
        calls["n"] += 1
        if calls["n"] == 4:
            raise RuntimeError("killed")
        return original(self, rows, **kwargs)

    monkeypatch.setattr(CustomerImport, "prepare", crash_on_fourth_chunk)
    with acting(people.lead1):
        run = importer.create_run(people.lead1, sheet_bytes("xlsx", rows), "a.xlsx")
        with pytest.raises(RuntimeError):
            importer.execute(run, people.lead1)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.INTERRUPTED and run.position == 21 and run.created == 20
    assert Customer.objects.count() == 20 and importer.can_resume(run)
    monkeypatch.setattr(CustomerImport, "prepare", original)
    with acting(people.lead1):
        importer.execute(run, people.lead1)
    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE
    assert run.counts() == {"total": 36, "created": 35, "updated": 0, "skipped": 1, "failed": 0}
    assert Customer.objects.count() == 35
    assert "第 5 行" in run.issues.get(kind="skipped").message


def test_rollback_removes_created_and_restores_updated(people):
    existing = factories.customer(people.lead1, name="老客户", mobile="13900000001", employer="旧单位")
    rows = [["姓名", "手机号", "单位名称"], ["老客户", "13900000001", "新单位"], ["新客户", "13912345678", "某单位"],
            ["有跟进", "13912345679", ""]]
    run = run_import(people.lead1, sheet_bytes("xlsx", rows), policy="update")
    assert (run.created, run.updated) == (2, 1)
    worked = Customer.objects.get(name="有跟进")
    factories.follow_up(worked, people.lead1)
    with acting(people.lead1):
        result = importer.rollback(run, people.lead1)
    assert result == {"removed": 1, "kept": 1, "restored": 1}
    existing.refresh_from_db()
    assert existing.employer == "旧单位"
    assert not Customer.objects.filter(name="新客户").exists() and Customer.objects.filter(name="有跟进").exists()
    run.refresh_from_db()
    assert run.status == ImportRun.Status.ROLLED_BACK
    with pytest.raises(ValueError):
        importer.rollback(run, people.lead1)


def test_owner_column_and_assignment_rights(people):
    rows = [["姓名", "手机号", "业务员"], ["甲", "13912345671", "sales2"], ["乙", "13912345672", "sales3"],
            ["丙", "13912345673", ""], ["丁", "13912345674", "没有这个人"]]
    run = run_import(people.lead1, sheet_bytes("xlsx", rows))
    assert Customer.objects.get(name="甲").owner == people.sales2
    assert Customer.objects.get(name="丙").owner == people.lead1
    found = failures(run)
    assert "无权" in found[(3, "业务员")] and "找不到" in found[(5, "业务员")]
    own = run_import(people.sales1, sheet_bytes("xlsx", [["姓名", "手机号", "业务员"], ["戊", "13912345675", "sales2"]]))
    assert own.failed == 1


def test_leads_without_an_owner_are_assigned_by_the_rules_and_fire_created_rules(
        people, units, django_capture_on_commit_callbacks):
    from zhudai.customers.models import AssignmentRule, Channel
    from zhudai.engines.rules.models import Rule, Todo

    AssignmentRule.objects.create(name="吴忠", order=1, region="吴忠", team=units.team2)
    AssignmentRule.objects.create(name="抖音轮流", order=2, channel=Channel.objects.get(name="抖音"), team=units.team1)
    Rule.objects.create(name="新客户欢迎", subject="customer", trigger="event", event="created", is_enabled=True,
                        condition='channel == "抖音"', actions=[{"type": "todo", "to": "owner", "title": "联系 {{ name }}"}])
    rows = [["姓名", "手机号", "城市", "来源", "业务员"]]
    rows += [[f"抖{i}", f"1391234560{i}", "银川", "抖音", ""] for i in range(6)]
    rows += [["吴一", "13912345610", "吴忠", "", ""], ["指定", "13912345611", "", "抖音", "sales3"],
             ["无规则", "13912345612", "固原", "", ""]]
    with django_capture_on_commit_callbacks(execute=True):
        with acting(people.admin):
            run = importer.create_run(people.admin, sheet_bytes("xlsx", rows), "线索.xlsx")
            run.assign_by_rules = True
            run.save()
            importer.execute(run, people.admin)
    owners = dict(Customer.objects.values_list("name", "owner__username"))
    turns = [owners[f"抖{i}"] for i in range(6)]
    assert sorted(turns) == ["sales1"] * 3 + ["sales2"] * 3 and turns[0] != turns[1]
    assert (owners["吴一"], owners["指定"], owners["无规则"]) == ("sales3", "sales3", None)
    assert Customer.objects.get(name="无规则").assigned_at is None and Customer.objects.get(name="吴一").assigned_at
    # Where the round robin stopped is kept: the next lead goes to the other one.
    assert AssignmentRule.objects.get(name="抖音轮流").last_assigned.username == turns[-1]
    assert Todo.objects.filter(title__startswith="联系 抖").count() == 6
    assert Todo.objects.get(title="联系 指定").user == people.sales3


def test_custom_fields_map_and_validate(people):
    from zhudai.engines.forms.models import FieldDefinition

    FieldDefinition.objects.create(model_key="customer", key="house_area", label="房产面积", field_type="number")
    FieldDefinition.objects.create(model_key="customer", key="source_agent", label="中介", field_type="choice",
                                   choices=["甲中介", "乙中介"])
    rows = [["姓名", "手机号", "房产面积", "中介"], ["甲", "13912345671", "120.5", "甲中介"], ["乙", "13912345672", "大", "丙中介"]]
    run = run_import(people.lead1, sheet_bytes("xlsx", rows))
    assert run.created == 1
    assert Customer.objects.get(name="甲").custom_fields == {"house_area": 120.5, "source_agent": "甲中介"}
    assert {c for (_r, c) in failures(run)} == {"房产面积", "中介"}


def test_import_is_audited_and_encrypted(people, settings):
    run = run_import(people.lead1, sheet_bytes("xlsx", [["姓名", "手机号", "身份证号"], ["甲", "13912345671", ID1]]))
    customer = Customer.objects.get()
    # One event per import (who, file, counts); each customer points to its run through its record.
    summary = AuditEvent.objects.get(action="import")
    assert summary.actor == people.lead1 and summary.object_id == str(run.pk)
    assert summary.extra["created"] == 1 and summary.extra["file"] == "客户.xlsx"
    assert run.records.get().object_id == customer.pk and customer.created_by == people.lead1
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT mobile, id_number FROM customers_customer")
        stored = cur.fetchone()
    assert "13912345671" not in stored[0] and ID1 not in stored[1]
    with open(settings.MEDIA_ROOT / run.file_path, "rb") as fh:
        assert b"13912345671" not in fh.read()


def test_xlsx_is_read_row_by_row_with_excel_row_numbers_and_an_estimate():
    """.xlsx streams (never a whole sheet in memory): a table starting at column C below empty
    rows keeps Excel's row numbers, numbers stay numbers, and the size comes from <dimension>."""
    rows = [[], [], [None, None, "姓名", "手机号", "贷款金额"], [None, None, "甲", 13912345678, 50000],
            [], [None, None, "乙", "13912345679", 12.5]] + [[None, None, f"客户{i}", f"139{i:08d}", 1] for i in range(20)]
    sheet = open_sheet(sheet_bytes("xlsx", rows), "a.xlsx")
    assert (sheet.header_row, sheet.header[2:]) == (3, ["姓名", "手机号", "贷款金额"])
    assert sheet.estimate() == len(rows) - 3
    data = list(sheet.rows())
    assert [n for n, _v in data[:2]] == [4, 6]
    assert data[0][1][2:] == ["甲", 13912345678, 50000] and data[1][1][4] == 12.5
    with pytest.raises(SheetError, match="上限"):
        list(open_sheet(sheet_bytes("xlsx", rows), "a.xlsx", Limits(file_bytes=10**9, rows=10,
                                                                   uncompressed_bytes=10**9)).rows())


def test_bank_card_stored_as_a_number_fails(people):
    run = run_import(people.lead1, sheet_bytes("xlsx", [["姓名", "手机号", "银行卡号"], ["甲", "13912345671", 6222000012345678]]))
    assert "存成了数字" in failures(run)[(2, "银行卡号")]


# -- limits and unreadable files -----------------------------------------------------------------

def test_limits_refuse_hostile_files():
    rows = [["姓名", "手机号"]] + [[f"客户{i}", f"139{i:08d}"] for i in range(20)]
    with pytest.raises(SheetError, match="上限"):
        open_sheet(sheet_bytes("xlsx", rows), "a.xlsx", Limits(file_bytes=100, rows=10, uncompressed_bytes=10**9))
    with pytest.raises(SheetError, match="上限"):
        list(open_sheet(sheet_bytes("csv", rows), "a.csv", Limits(file_bytes=10**9, rows=10,
                                                                 uncompressed_bytes=10**9)).rows())
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<a>" + b" " * 50_000_000 + b"</a>")
    with pytest.raises(SheetError, match="压缩"):
        open_sheet(bomb.getvalue(), "bomb.xlsx")
    entities = io.BytesIO()
    with zipfile.ZipFile(entities, "w") as archive:
        archive.writestr("xl/workbook.xml", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>')
    with pytest.raises(SheetError, match="实体"):
        open_sheet(entities.getvalue(), "e.xlsx")
    for data, name, match in [(b"not a zip", "a.xlsx", "损坏"), (b"x", "a.pdf", "不支持"), (b"", "a.csv", "空"),
                              (b"\x00\x01garbage", "a.xls", "无法读取")]:
        with pytest.raises(SheetError, match=match):
            open_sheet(data, name)


def test_cli_json_contract(people, tmp_path, capsys):
    factories.customer(people.sales1, mobile="13900000001")
    path = tmp_path / "客户.xlsx"
    path.write_bytes(sheet_bytes("xlsx", [HEADER, ["甲", ID1, "13912345678", "5万", ""], ["乙", "", "13900000001", "", ""],
                                          ["丙", "", "12345", "", ""]]))
    call_command("import_", "customers", str(path), "--json", "--dry-run")
    dry = json.loads(capsys.readouterr().out)
    assert dry == {"total": 3, "created": 1, "updated": 0, "skipped": 1, "failed": 1,
                   "errors": [{"row": 4, "column": "联系电话", "message": dry["errors"][0]["message"]}]}
    assert Customer.objects.count() == 1
    call_command("import_", "customers", str(path), "--json", "--owner", "sales2")
    out = capsys.readouterr().out
    result = json.loads(out)
    assert out.count("\n") == 1 and result["created"] == 1
    assert result["total"] == result["created"] + result["updated"] + result["skipped"] + result["failed"]
    assert Customer.objects.get(name="甲").owner == people.sales2
    assert AuditEvent.objects.filter(action="import", actor_label="cli:import").exists()


def test_cli_unreadable_file_is_one_line_error(db, tmp_path):
    bad = tmp_path / "坏文件.xlsx"
    bad.write_bytes(b"this is not excel")
    with pytest.raises(CommandError) as excinfo:
        call_command("import_", "customers", str(bad), "--json")
    assert "\n" not in str(excinfo.value) and "损坏" in str(excinfo.value)


def test_issue_rows_are_kept_per_run(people):
    run = run_import(people.lead1, sheet_bytes("xlsx", [HEADER, ["甲", "", "1", "", ""]]))
    assert ImportIssue.objects.filter(run=run).count() == 1
    assert importer.failed_rows(run) == {2: "联系电话：手机号应为以1开头的11位数字。"}


@pytest.mark.django_db(transaction=True)
def test_large_import_through_the_helper_process(people, settings, monkeypatch):
    """The helper process (io/pipeline.py) on a database another process can open: PostgreSQL in
    CI (SQLite's in-memory test database cannot be shared, so there the run stays in process)."""
    from django.db import connection

    from zhudai.io import pipeline

    if connection.vendor == "sqlite":
        pytest.skip("the helper process needs a database another process can open (PostgreSQL run)")
    monkeypatch.setenv("ZHUDAI_TESTING", "1")  # the helper's settings: the same fixed test keys
    settings.IMPORT_HELPER_PROCESS = True
    settings.IMPORT_HELPER_MIN_ROWS = 10
    monkeypatch.setattr(importer, "CHUNK_ROWS", 20)
    rows = [HEADER] + [[f"客户{i}", "", f"1391234{i:04d}", "5万", ""] for i in range(60)]
    rows += [["重复", "", "13912340003", "", ""], ["坏", "", "123", "", ""]]
    with acting(people.lead1):
        run = importer.create_run(people.lead1, sheet_bytes("xlsx", rows), "大表.xlsx")
        assert pipeline.wanted(run)
        importer.execute(run, people.lead1)
    run.refresh_from_db()
    assert run.counts() == {"total": 62, "created": 60, "updated": 0, "skipped": 1, "failed": 1}
    assert Customer.objects.get(name="客户7").mobile == "13912340007"
    assert Customer.objects.get(name="客户7").expected_amount == Decimal("50000.00")
