"""The loan process in Debian's chromium: a fast 30,000 CNY credit loan up to its contract, and a
300,000 CNY loan through return, request for materials, the team lead and the countersign."""

import re

import pytest

from zhudai.web.tests.test_browser import browser, login  # noqa: F401  (fixture and helper)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _page(browser, live_server, username):  # noqa: F811
    page = login(browser, live_server, username)
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def _create_and_submit(page, live_server, customer, amount, tmp_path):
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    page.click("a:has-text('新建贷款申请')")
    page.select_option("#id_product", label="宁夏银行 · 宁易贷")
    page.fill("#id_amount", amount)
    page.fill("#id_term_months", "24")
    page.fill("#id_purpose", "经营周转")
    page.click("button:has-text('保存')")
    page.wait_for_url(re.compile(r"/loans/\d+/$"))
    for kind, label in (("id_card", "身份证件"), ("credit_report", "征信报告")):
        scan = tmp_path / f"{kind}.pdf"
        scan.write_bytes(b"%PDF-1.4 scan")
        page.select_option("#documents select[name=kind]", kind)
        page.set_input_files("#documents input[name=file]", str(scan))
        page.click("#documents button:has-text('上传')")
        assert "材料已上传" in page.content()
    page.click("button:has-text('提交审批')")
    assert "已提交审批" in page.content()
    return int(re.search(r"/loans/(\d+)/", page.url).group(1))


def _approve_in_todo(page, live_server, number, comment="同意"):
    page.goto(f"{live_server.url}/todo/")
    item = page.locator(".todo-item", has_text=number)
    item.locator("input[name=comment]").fill(comment)
    item.locator("button:has-text('通过')").click()
    assert "已通过" in page.content(), page.content()


def _act_on_detail(page, live_server, pk, button, comment="", colleague=None, **fields):
    page.goto(f"{live_server.url}/loans/{pk}/")
    box = page.locator("#my-task")
    for name, value in fields.items():
        box.locator(f"[name=step-{name}]").fill(value)
    if comment:
        box.locator("textarea[name=comment]").fill(comment)
    box.locator(f"button:has-text('{button}')").first.click()
    if colleague:
        box.locator("select[name=to_user]").select_option(label=colleague)
    if button in ("退回", "转交", "加签"):
        box.locator(f"button:has-text('确认{button}')").click()
    page.wait_for_load_state()
    assert "errorlist" not in page.content() and "class=\"error\"" not in page.content(), page.content()


def _node(pk):
    from zhudai.engines.flow.models import Task

    return list(Task.objects.filter(instance__subject_id=pk, status="open").values_list("node_id", flat=True))


def test_a_small_credit_loan_skips_the_team_lead_and_gets_its_contract(browser, live_server, people, tmp_path):  # noqa: F811
    from zhudai.engines.flow.models import Transition
    from zhudai.loans import contracts, services
    from zhudai.loans.models import ContractTemplate, LoanApplication
    from zhudai.testing import factories

    services.save_template(people.admin, ContractTemplate(name="居间服务合同"),
                           factories.upload("合同.docx", contracts.sample_template()))
    customer = factories.customer(people.sales1, name="马小燕", id_number=factories.id_number(), credit_rating="good")

    sales = _page(browser, live_server, "sales1")
    pk = _create_and_submit(sales, live_server, customer, "3万", tmp_path)
    number = LoanApplication.objects.get(pk=pk).number
    _approve_in_todo(sales, live_server, number)  # 资质预审
    _approve_in_todo(sales, live_server, number)  # 资料收集与审核: the documents are there
    risk = _page(browser, live_server, "risk")
    _approve_in_todo(risk, live_server, number, "收入稳定")
    assert _node(pk) == ["final_approval"]
    gm = _page(browser, live_server, "gm")
    _act_on_detail(gm, live_server, pk, "通过", "同意放款", credit_line="3万", approved_rate="8.5", approved_term="24")
    steps = set(Transition.objects.filter(instance__subject_id=pk).values_list("node_id", flat=True))
    assert "team_lead_approval" not in steps

    sales.goto(f"{live_server.url}/loans/{pk}/")
    assert "已批准" in sales.content()
    sales.click("button:has-text('生成合同')")
    assert "合同已生成" in sales.content()
    with sales.expect_download() as download:
        sales.click("#documents a:has-text('.docx')")
    saved = tmp_path / "contract.docx"
    download.value.save_as(saved)
    from docx import Document

    assert "叁万元整" in "\n".join(p.text for p in Document(str(saved)).paragraphs)
    signed = tmp_path / "signed.pdf"
    signed.write_bytes(b"%PDF-1.4 signed")
    sales.select_option("#documents select[name=kind]", "signed_contract")
    sales.set_input_files("#documents input[name=file]", str(signed))
    sales.click("#documents button:has-text('上传')")
    _act_on_detail(sales, live_server, pk, "通过", contract_signed_at="2026-12-02")
    assert _node(pk) == ["disbursement"]


def test_a_large_loan_is_returned_asked_for_materials_and_countersigned(browser, live_server, people, tmp_path):  # noqa: F811
    from zhudai.loans.models import LoanApplication
    from zhudai.testing import factories

    customer = factories.customer(people.sales1, name="白建国", id_number=factories.id_number(), credit_rating="good")
    sales = _page(browser, live_server, "sales1")
    pk = _create_and_submit(sales, live_server, customer, "30万", tmp_path)
    number = LoanApplication.objects.get(pk=pk).number
    _act_on_detail(sales, live_server, pk, "转交", "请主管代为预审", colleague="张主管（团队主管）")
    lead = _page(browser, live_server, "lead1")
    _approve_in_todo(lead, live_server, number, "预审通过")  # the forwarded pre-screen
    assert _node(pk) == ["documents"]
    _approve_in_todo(sales, live_server, number)

    risk = _page(browser, live_server, "risk")
    _act_on_detail(risk, live_server, pk, "退回", "征信报告不清晰，请重新上传")
    sales.goto(f"{live_server.url}/todo/")
    assert number in sales.locator(".todo-item").first.inner_text()
    assert "资料收集与审核" in sales.locator(".todo-item", has_text=number).inner_text()
    _approve_in_todo(sales, live_server, number, "已重新上传")

    _act_on_detail(risk, live_server, pk, "补充材料", "请补充近6个月银行流水")
    sales.goto(f"{live_server.url}/todo/")
    assert "补充材料" in sales.locator(".todo-item", has_text=number).inner_text()
    _act_on_detail(sales, live_server, pk, "材料已补充，重新提交", "流水已上传")
    _approve_in_todo(risk, live_server, number, "建议批准")

    assert _node(pk) == ["team_lead_approval"]
    _approve_in_todo(lead, live_server, number, "团队同意")
    assert sorted(_node(pk)) == ["final_countersign", "final_countersign"]
    _act_on_detail(risk, live_server, pk, "通过", credit_line="30万", approved_rate="7.8", approved_term="24")
    gm = _page(browser, live_server, "gm")
    _act_on_detail(gm, live_server, pk, "通过", "同意", credit_line="30万", approved_rate="7.8", approved_term="24")
    assert _node(pk) == ["contract"]
    gm.goto(f"{live_server.url}/loans/{pk}/")
    assert gm.locator("#process .flow-diagram").count() == 1
    gm.screenshot(path=str(tmp_path / "loan.png"), full_page=True)
