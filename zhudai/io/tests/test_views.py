"""The import pages end to end over HTTP, and the customer export: scope, masking, audit, escaping."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from python_calamine import CalamineWorkbook

from zhudai.audit.models import AuditEvent
from zhudai.customers.models import Customer
from zhudai.io.exporter import csv_safe
from zhudai.io.models import ImportRun
from zhudai.testing import factories
from zhudai.testing.sheets import sheet_bytes

pytestmark = pytest.mark.django_db


def upload(client, data, name="客户.xlsx"):
    return client.post("/customers/import/upload/", {"file": SimpleUploadedFile(name, data)})


def test_upload_map_preview_confirm_result_and_error_report(people, client_for):
    client = client_for(people.lead1)
    rows = [["客户姓名", "联系电话", "神秘列"], ["张三", "13912345678", "x"], ["李四", "123", "y"]]
    response = upload(client, sheet_bytes("xlsx", rows))
    run = ImportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/customers/import/{run.pk}/mapping/"
    page = client.get(f"/customers/import/{run.pk}/mapping/").content.decode()
    assert "神秘列" in page and "未识别" in page
    response = client.post(f"/customers/import/{run.pk}/mapping/", {"col_0": "name", "col_1": "mobile", "col_2": "",
                                                                  "on_duplicate": "skip", "owner": ""})
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == ImportRun.Status.PREVIEWED  # Huey runs tasks at once in tests
    page = client.get(f"/customers/import/{run.pk}/").content.decode()
    assert "将新建 <b>1</b>" in page and "确认导入" in page and "手机号应为以1开头的11位数字" in page
    assert not Customer.objects.exists()
    dry_report = client.get(f"/customers/import/{run.pk}/errors.xlsx?dry_run=1")
    assert dry_report.status_code == 200
    client.post(f"/customers/import/{run.pk}/confirm/")
    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE and (run.created, run.failed) == (1, 1)
    assert Customer.objects.get().owner == people.lead1
    report = client.get(f"/customers/import/{run.pk}/errors.xlsx")
    cells = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(report.streaming_content))).get_sheet_by_index(0).to_python()
    assert cells[0] == ["客户姓名", "联系电话", "神秘列", "错误原因"]
    assert cells[1][:3] == ["李四", "123", "y"] and "手机号" in cells[1][3]


def test_mapping_requires_name_and_mobile_and_refuses_double_use(people, client_for):
    client = client_for(people.lead1)
    upload(client, sheet_bytes("xlsx", [["a", "b"], ["张三", "13912345678"]]))
    run = ImportRun.objects.get()
    page = client.post(f"/customers/import/{run.pk}/mapping/", {"col_0": "name", "col_1": "name", "on_duplicate": "skip"})
    assert "被映射了两次" in page.content.decode()
    page = client.post(f"/customers/import/{run.pk}/mapping/", {"col_0": "note", "col_1": "", "on_duplicate": "skip"})
    assert "至少要有" in page.content.decode()


def test_the_owner_may_be_left_to_the_assignment_rules_by_who_may_assign(people, units, client_for):
    from zhudai.accounts.models import Role, User

    client = client_for(people.lead1)
    upload(client, sheet_bytes("xlsx", [["姓名", "手机号"], ["张三", "13912345678"]]))
    run = ImportRun.objects.get()
    assert "按线索分配规则" in client.get(f"/customers/import/{run.pk}/mapping/").content.decode()
    client.post(f"/customers/import/{run.pk}/mapping/", {"col_0": "name", "col_1": "mobile", "on_duplicate": "skip",
                                                       "owner": "rules"})
    run.refresh_from_db()
    assert run.assign_by_rules and run.owner is None
    desk = client_for(User.objects.create(username="desk", role=Role.objects.get(code="front_desk"),
                                          org_unit=units.team1))
    upload(desk, sheet_bytes("xlsx", [["姓名", "手机号"], ["李四", "13912345679"]]))
    mine = ImportRun.objects.latest("id")
    page = desk.get(f"/customers/import/{mine.pk}/mapping/").content.decode()
    assert "按线索分配规则" not in page
    page = desk.post(f"/customers/import/{mine.pk}/mapping/", {"col_0": "name", "col_1": "mobile",
                                                             "on_duplicate": "skip", "owner": "rules"})
    assert "不能按分配规则分配" in page.content.decode()


def test_unreadable_upload_shows_a_message(people, client_for):
    client = client_for(people.lead1)
    response = upload(client, b"garbage", "客户.xlsx")
    assert response.status_code == 302
    page = client.get("/customers/import/").content.decode()
    assert "损坏" in page and not ImportRun.objects.exists()


def test_runs_are_private_and_need_the_import_permission(people, client_for):
    client_for(people.lead1).post("/customers/import/upload/",
                                  {"file": SimpleUploadedFile("a.csv", sheet_bytes("csv", [["姓名", "手机号"], ["甲", "13912345678"]]))})
    run = ImportRun.objects.get()
    assert client_for(people.lead2).get(f"/customers/import/{run.pk}/").status_code == 404
    assert client_for(people.sales1).get("/customers/import/").status_code == 403


def test_rollback_from_the_page(people, client_for):
    client = client_for(people.lead1)
    upload(client, sheet_bytes("xlsx", [["姓名", "手机号"], ["甲", "13912345678"]]))
    run = ImportRun.objects.get()
    client.post(f"/customers/import/{run.pk}/mapping/", {"col_0": "name", "col_1": "mobile", "on_duplicate": "skip"})
    client.post(f"/customers/import/{run.pk}/confirm/")
    assert Customer.objects.count() == 1
    client.post(f"/customers/import/{run.pk}/rollback/")
    assert not Customer.objects.exists()
    assert ImportRun.objects.get().status == ImportRun.Status.ROLLED_BACK


def test_template_has_headers_example_and_dropdowns(people, client_for):
    response = client_for(people.lead1).get("/customers/import/template.xlsx")
    data = b"".join(response.streaming_content)
    cells = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert cells[0][:3] == ["姓名", "身份证号", "手机号"] and cells[1][0] == "张三"
    assert b"dataValidation" in __import__("zipfile").ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")


# -- export ------------------------------------------------------------------------------------

def export_csv(client, query=""):
    response = client.get(f"/customers/export/?format=csv{query}")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_export_respects_scope_masking_filters_and_is_audited(people, client_for):
    mine = factories.customer(people.sales1, name="我的客户", mobile="13911112222", id_number=factories.id_number())
    factories.customer(people.sales3, name="吴忠客户", mobile="13933334444")
    lead = client_for(people.lead1)  # team 1, may export; reveals phones and ID numbers
    rows = export_csv(lead)
    names = [r[0] for r in rows[1:]]
    assert names == ["我的客户"]
    header = rows[0]
    assert rows[1][header.index("手机号")] == "13911112222"
    event = AuditEvent.objects.get(action="export")
    assert event.actor == people.lead1 and event.extra["rows"] == 1
    assert client_for(people.sales1).get("/customers/export/?format=csv").status_code == 403
    assert export_csv(lead, f"&q={mine.mobile}")[1][0] == "我的客户"
    assert len(export_csv(lead, "&q=不存在的人")) == 1


def test_export_masks_for_roles_without_reveal(people, client_for, db):
    from zhudai.accounts.models import Role

    role = people.lead1.role
    role.permissions = [p for p in role.permissions if not p.startswith("sensitive.")]
    role.save()
    factories.customer(people.sales1, name="我的客户", mobile="13911112222")
    rows = export_csv(client_for(people.lead1))
    assert rows[1][rows[0].index("手机号")] == "139****2222"
    assert Role.objects.get(pk=role.pk).permissions == role.permissions


def test_export_xlsx_round_trips_and_escapes_formulas(people, client_for):
    from zhudai.io.models import ExportRun

    factories.customer(people.lead1, name="=HYPERLINK(\"http://x\")", mobile="13911112222", note="@SUM(A1)",
                       id_number=factories.id_number(), expected_amount=50000)
    client = client_for(people.lead1)
    response = client.get("/customers/export/?format=xlsx&page=3")
    export = ExportRun.objects.get()  # written by the background job (run at once in tests)
    assert response["Location"] == f"/customers/export/{export.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "共导出 1 位客户" in page and "下载 Excel 文件" in page
    assert AuditEvent.objects.get(action="export").extra["rows"] == 1
    assert client_for(people.lead2).get(f"/customers/export/{export.pk}/download/").status_code == 404
    response = client.get(f"/customers/export/{export.pk}/download/")
    data = b"".join(response.streaming_content)
    sheet_xml = __import__("zipfile").ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml  # no formula cells
    cells = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    header, row = cells[0], cells[1]
    assert row[header.index("身份证号")] == Customer.objects.get().id_number
    assert csv_safe("=1+1") == "'=1+1" and csv_safe("-5") == "'-5" and csv_safe("张三") == "张三"
    # export > import: the same customers come back as duplicates, nothing new is created
    response = client.post("/customers/import/upload/", {"file": SimpleUploadedFile("导出.xlsx", data)})
    run = ImportRun.objects.get()
    assert set(run.mapping.values()) >= {"name", "mobile", "id_number", "expected_amount", "note", "owner", "stage"}
    from zhudai.core.context import acting
    from zhudai.io import importer

    with acting(people.lead1):
        importer.execute(run, people.lead1)
    run.refresh_from_db()
    assert (run.created, run.skipped, run.failed) == (0, 1, 0)


def test_progress_partial_polls_while_running(people, client_for):
    client = client_for(people.lead1)
    upload(client, sheet_bytes("xlsx", [["姓名", "手机号"]] + [[f"客户{i}", f"139{i:08d}"] for i in range(10)]))
    run = ImportRun.objects.get()
    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.RUNNING, total=10, created=4,
                                               heartbeat_at=__import__("django.utils.timezone").utils.timezone.now())
    partial = client.get(f"/customers/import/{run.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in partial and '<progress max="100" value="40"' in partial
    assert "<html" not in partial
    ImportRun.objects.filter(pk=run.pk).update(heartbeat_at=None)  # the worker died
    page = client.get(f"/customers/import/{run.pk}/").content.decode()
    assert "继续导入" in page and "every 1s" not in page


def test_csv_export_escapes_formulas_in_text(people, client_for):
    from zhudai.customers.models import Tag

    customer = factories.customer(people.lead1, name="=cmd|' /C calc'!A0", mobile="13911112222", note="+1+1",
                                  employer="-2", term_months=12)
    customer.tags.set([Tag.objects.create(name="优质"), Tag.objects.create(name="=bad")])
    rows = export_csv(client_for(people.lead1))
    header, row = rows[0], rows[1]
    assert row[header.index("姓名")] == "'=cmd|' /C calc'!A0"
    assert row[header.index("备注")] == "'+1+1" and row[header.index("单位名称")] == "'-2"
    assert row[header.index("手机号")] == "13911112222" and row[header.index("期限（月）")] == "12"
    assert row[header.index("标签")] == "'=bad、优质"


def test_xlsx_export_file_is_encrypted_and_purged_after_a_day(people, client_for, settings):
    import datetime

    from django.utils import timezone

    from zhudai.io.models import ExportRun
    from zhudai.io.tasks import purge_old_exports

    factories.customer(people.lead1, name="甲", mobile="13911112222")
    client_for(people.lead1).get("/customers/export/?format=xlsx")
    export = ExportRun.objects.get()
    stored = (settings.MEDIA_ROOT / export.file_path).read_bytes()
    assert b"13911112222" not in stored and not stored.startswith(b"PK")
    purge_old_exports()
    assert ExportRun.objects.get().file_path == export.file_path  # still fresh
    ExportRun.objects.filter(pk=export.pk).update(created_at=timezone.now() - datetime.timedelta(days=2))
    purge_old_exports()
    assert ExportRun.objects.get().file_path == "" and not (settings.MEDIA_ROOT / export.file_path).exists()


def test_xlsx_writer_keeps_repeated_and_empty_headers_numbers_and_an_empty_table():
    """Rows go to the writer keyed by header text: a header an imported sheet repeats or leaves
    empty is made unique, numbers stay numbers, text that looks like a number or formula stays
    text, and a table without rows still has its header."""
    import datetime
    from decimal import Decimal

    from zhudai.io.exporter import write_xlsx

    out = io.BytesIO()
    count = write_xlsx(out, ["姓名", "", "姓名", "金额", "证件号", "日期"],
                       iter([["张三", None, "=1+1", Decimal("12.50"), "0012", datetime.date(2026, 3, 5)]]),
                       text_columns={4})
    cells = CalamineWorkbook.from_filelike(io.BytesIO(out.getvalue())).get_sheet_by_index(0).to_python()
    assert count == 1
    assert cells == [["姓名", "列B", "姓名 (2)", "金额", "证件号", "日期"], ["张三", "", "=1+1", 12.5, "0012", "2026-03-05"]]
    empty = io.BytesIO()
    assert write_xlsx(empty, ["姓名", "手机号"], iter([])) == 0
    assert CalamineWorkbook.from_filelike(io.BytesIO(empty.getvalue())).get_sheet_by_index(0).to_python() == [
        ["姓名", "手机号"]]
