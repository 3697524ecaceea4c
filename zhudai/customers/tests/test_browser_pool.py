"""In Debian's chromium: a lead from the public H5 form no rule matches waits in the pool (公海);
a salesperson ticks it and claims it, and it is theirs."""

import pytest

from zhudai.web.tests.test_browser import browser, login  # noqa: F401  (fixture and helper)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_web_lead_waits_in_the_pool_until_a_salesperson_claims_it(browser, live_server, people):  # noqa: F811
    from zhudai.customers.models import Customer

    visitor = browser.new_page()
    visitor.goto(f"{live_server.url}/lead/?channel=抖音")
    visitor.fill("#id_name", "杨女士")
    visitor.fill("#id_mobile", "139 5110 7788")
    visitor.fill("#id_expected_amount", "20万")
    visitor.click("button[type=submit]")
    visitor.wait_for_load_state()
    lead = Customer.objects.get(name="杨女士")
    assert lead.owner is None and lead.channel.name == "抖音" and lead.expected_amount == 200000
    visitor.close()

    sales = login(browser, live_server, "sales1")
    sales.goto(f"{live_server.url}/customers/pool/")
    row = sales.locator("tr", has_text="杨女士")
    assert "139****7788" in row.inner_text()  # the pool shows masked phones
    row.locator("input.row-check").check()
    sales.click("button:has-text('领取勾选的客户')")
    sales.wait_for_load_state()
    assert "已领取 1 位客户" in sales.content()
    assert "杨女士" not in sales.locator("table.data").inner_text()
    lead.refresh_from_db()
    assert lead.owner == people.sales1 and lead.assigned_at is not None
    sales.goto(f"{live_server.url}/customers/{lead.pk}/")
    history = sales.locator("section.panel", has_text="变更记录").inner_text()
    assert "owner: 公海 → 刘业务" in history  # the claim is on the customer's history
