"""End to end in Debian's chromium: log in, create a customer, follow up, search, and scope."""

import os
import re
import shutil

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync"]


@pytest.fixture
def browser():
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is required in CI")
        pytest.skip("chromium is not installed")
    # Playwright's sync API runs an event loop in this thread; the Django calls made by the test
    # itself are ordinary blocking calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


def login(browser, live_server, username):
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "demo1234")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


def test_salesperson_creates_follows_up_and_finds_a_customer_another_cannot_see(browser, live_server, people, tmp_path):
    from zhudai.testing.factories import id_number

    page = login(browser, live_server, "sales1")
    assert page.locator(".topbar").inner_text().find("刘业务") >= 0

    page.click("text=客户")
    page.click("text=新建客户")
    page.fill("#id_name", "欧阳晓峰")
    page.fill("#id_id_number", id_number(region="640106", sequence=7))
    page.fill("#id_mobile", "139 5110 7788")
    page.fill("#id_expected_amount", "12.5万")
    page.fill("#id_employer", "宁夏建工集团")
    page.click("button:has-text('保存')")
    page.wait_for_url(re.compile(r"/customers/\d+/$"))
    customer_url = page.url
    assert "客户“欧阳晓峰”已创建" in page.content()
    assert "139****7788" in page.content() and "13951107788" not in page.content()
    assert "¥125,000.00" in page.content()

    page.fill("#id_content", "电话沟通，客户下周带征信报告来公司")
    page.click("button:has-text('添加跟进')")
    page.wait_for_selector("text=电话沟通，客户下周带征信报告来公司")

    page.click("#sv-mobile >> text=显示")
    page.wait_for_selector("#sv-mobile .revealed")
    assert page.inner_text("#sv-mobile .revealed") == "13951107788"
    page.screenshot(path=str(tmp_path / "customer.png"), full_page=True)

    page.goto(f"{live_server.url}/customers/")
    page.fill("input[name=q]", "oyxf")
    page.press("input[name=q]", "Enter")
    page.wait_for_selector("#customer-table >> text=欧阳晓峰")
    page.fill("input[name=q]", "13951107788")
    page.press("input[name=q]", "Enter")
    page.wait_for_selector("#customer-table >> text=欧阳晓峰")

    other = login(browser, live_server, "sales3")
    other.goto(f"{live_server.url}/customers/?q=13951107788")
    assert "欧阳晓峰" not in other.content() and "没有符合条件的客户" in other.content()
    response = other.goto(customer_url)
    assert response.status == 404 and "欧阳晓峰" not in other.content()

    from zhudai.audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="reveal", actor=people.sales1).count() == 1
