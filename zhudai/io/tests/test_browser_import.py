"""The import flow in Debian's chromium: upload, map, preview, confirm, result, error report."""

import re

import pytest

from zhudai.testing.sheets import sheet_bytes
from zhudai.web.tests.test_browser import browser, login  # noqa: F401  (fixture and helper)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_team_lead_imports_a_sheet_and_downloads_the_error_report(browser, live_server, people, tmp_path):  # noqa: F811
    from python_calamine import CalamineWorkbook

    from zhudai.customers.models import Customer

    sheet = tmp_path / "银川客户.xlsx"
    sheet.write_bytes(sheet_bytes("xlsx", [
        ["客户姓名", "联系电话", "贷款金额", "备注说明"],
        ["马晓燕", "139 5110 0001", "5万", "老客户介绍"],
        ["白建国", "13951100002", "12.5万", ""],
        ["坏号码", "1395110", "", ""],
    ], merged_title="2026年11月客户登记表"))

    page = login(browser, live_server, "lead1")
    page.goto(f"{live_server.url}/customers/")
    page.click("a:has-text('导入')")
    page.set_input_files("input[name=file]", str(sheet))
    page.click("button:has-text('上传并识别列')")
    page.wait_for_url(re.compile(r"/customers/import/\d+/mapping/$"))
    assert page.input_value("select[aria-label='客户姓名']") == "name"
    assert page.input_value("select[aria-label='联系电话']") == "mobile"
    assert page.input_value("select[aria-label='备注说明']") == ""
    page.select_option("select[aria-label='备注说明']", "note")
    page.click("button:has-text('预检')")
    page.wait_for_selector("text=将新建")
    assert "手机号应为以1开头的11位数字" in page.content()
    assert Customer.objects.count() == 0
    page.screenshot(path=str(tmp_path / "preview.png"), full_page=True)

    page.click("button:has-text('确认导入')")
    page.wait_for_selector("text=已完成")
    assert "新建 <b>2</b>" in page.content() and "失败 <b>1</b>" in page.content()
    with page.expect_download() as download:
        page.click("a:has-text('下载错误报告')")
    path = tmp_path / "errors.xlsx"
    download.value.save_as(path)
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert rows[0][-1] == "错误原因" and rows[1][0] == "坏号码"
    assert Customer.objects.get(name="马晓燕").note == "老客户介绍"
    page.screenshot(path=str(tmp_path / "result.png"), full_page=True)

    page.click("a:has-text('查看客户')")
    page.wait_for_selector("#customer-table >> text=白建国")
