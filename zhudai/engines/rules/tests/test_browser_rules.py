"""In Debian's chromium: an administrator writes a rule, tests it, enables it; the to-do reaches
the right salesperson."""

import datetime
import re

import pytest
from django.utils import timezone

from zhudai.web.tests.test_browser import browser, login  # noqa: F401  (fixture and helper)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_writes_tests_and_enables_a_rule_and_the_salesperson_gets_the_todo(browser, live_server, people):  # noqa: F811
    from zhudai.engines.rules import services
    from zhudai.engines.rules.models import Rule
    from zhudai.testing import factories

    customer = factories.customer(people.sales1, name="马建军", expected_amount=900000)
    admin = login(browser, live_server, "admin")
    admin.on("dialog", lambda dialog: dialog.accept())
    admin.goto(f"{live_server.url}/settings/rules/")
    admin.click("a:has-text('新建规则')")
    admin.fill("#id_name", "高额意向客户提醒")
    admin.select_option("#id_subject", "customer")
    admin.select_option("#id_trigger", "time")
    admin.select_option("#id_date_field", "created_at")
    admin.fill("#id_offset", "-1")
    admin.select_option("#id_unit", "days")
    admin.fill("#id_condition", "expected_amount >= 500000")
    admin.select_option("select[name='actions-0-type']", "todo")
    admin.fill("input[name='actions-0-to']", "owner")
    admin.fill("input[name='actions-0-title']", "高额客户 {{ name }} 请优先跟进")
    admin.click("button:has-text('保存')")
    assert "已保存" in admin.content()
    rule = Rule.objects.get(name="高额意向客户提醒")
    admin.goto(f"{live_server.url}/settings/rules/{rule.pk}/test/")
    assert "马建军" in admin.content()
    admin.goto(f"{live_server.url}/settings/rules/")
    admin.locator("tr", has_text="高额意向客户提醒").locator("button:has-text('已停用')").click()
    assert "已启用" in admin.content()
    rule.refresh_from_db()
    assert rule.is_enabled
    Rule.objects.filter(pk=rule.pk).update(watched_from=customer.created_at - datetime.timedelta(days=2))
    fired = services.tick(timezone.now())
    rule.refresh_from_db()
    assert fired == 1, (rule.actions, rule.condition, rule.offset, rule.unit, rule.date_field, rule.watched_from)
    sales = login(browser, live_server, "sales1")
    sales.goto(f"{live_server.url}/todo/")
    assert "高额客户 马建军 请优先跟进" in sales.content()
    sales.click("a:has-text('高额客户 马建军 请优先跟进')")
    sales.wait_for_url(re.compile(r"/customers/\d+/$"))
    assert "马建军" in sales.title()
