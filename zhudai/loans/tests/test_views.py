"""Loan application pages, the to-do center and the process settings, through HTTP."""

import io

import pytest
from django.urls import reverse

from zhudai.audit.models import AuditEvent
from zhudai.engines.flow.models import ProcessDefinition, Task
from zhudai.engines.flow.tests.helpers import act, add_documents, node_ids, submitted, task_for
from zhudai.loans import contracts
from zhudai.loans.choices import ApplicationStatus, DocumentKind
from zhudai.loans.models import ContractTemplate, LoanApplication
from zhudai.testing import factories


@pytest.fixture
def apps(people):
    """A submitted application of sales1 (team 1) and one of sales3 (team 2)."""
    return {"mine": submitted(people.sales1, amount=50000), "other": submitted(people.sales3, amount=80000)}


def test_the_list_and_detail_follow_data_scopes(people, apps, client_for):
    mine, other = apps["mine"].number, apps["other"].number
    cases = [("sales1", [mine], [other]), ("lead1", [mine], [other]), ("lead2", [other], [mine]),
             ("gm", [mine, other], [])]
    for username, seen, unseen in cases:
        page = client_for(people[username]).get(reverse("loans:list")).content.decode()
        assert all(f">{n}</a>" in page for n in seen), username
        assert not any(n in page for n in unseen), username
    sales1 = client_for(people.sales1)
    assert sales1.get(reverse("loans:detail", args=[apps["other"].pk])).status_code == 404
    assert sales1.get(reverse("loans:detail", args=[999999])).status_code == 404
    assert f">{other}</a>" not in sales1.get(reverse("loans:list") + "?q=" + other).content.decode()


def test_a_handler_outside_the_data_scope_sees_the_application_they_work_on(people, apps, client_for):
    application = apps["mine"]
    url = reverse("loans:detail", args=[application.pk])
    assert client_for(people.lead2).get(url).status_code == 404
    act(people.sales1, application, "forward", comment="请吴忠同事预审", to_user=people.lead2)
    assert client_for(people.lead2).get(url).status_code == 200
    act(people.lead2, application)
    assert client_for(people.lead2).get(url).status_code == 200  # a handler keeps seeing what they decided


def test_creating_an_application_from_the_customer_page(people, client_for):
    customer = factories.customer(people.sales1, id_number=factories.id_number(), expected_amount=80000)
    client = client_for(people.sales1)
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert reverse("loans:create", args=[customer.pk]) in page
    form = client.get(reverse("loans:create", args=[customer.pk])).content.decode()
    assert 'value="80000.00"' in form
    product = factories.application(people.sales1).product
    response = client.post(reverse("loans:create", args=[customer.pk]),
                           {"product": product.pk, "amount": "8万", "term_months": "12", "purpose": "装修"})
    application = LoanApplication.objects.get(customer=customer)
    assert response.status_code == 302 and response["Location"] == reverse("loans:detail", args=[application.pk])
    assert application.amount == 80000 and application.number.startswith("ZD")
    assert application.owner == people.sales1 and application.status == ApplicationStatus.DRAFT


def test_an_amount_outside_the_product_range_is_refused_in_chinese(people, client_for):
    customer = factories.customer(people.sales1, id_number=factories.id_number())
    product = factories.application(people.sales1).product
    response = client_for(people.sales1).post(reverse("loans:create", args=[customer.pk]),
                                              {"product": product.pk, "amount": "500万", "term_months": "12"})
    assert response.status_code == 200
    assert "金额范围" in response.content.decode()
    assert not LoanApplication.objects.filter(customer=customer).exists()


def test_submit_then_the_todo_shows_in_the_navigation_and_approves_in_one_tap(people, client_for):
    application = factories.application(people.sales1)
    client = client_for(people.sales1)
    client.post(reverse("loans:submit", args=[application.pk]))
    application.refresh_from_db()
    assert application.status == ApplicationStatus.IN_REVIEW
    page = client.get(reverse("flow:todo")).content.decode()
    assert application.number in page and '<span class="nav-count">1</span>' in page
    task = task_for(application, people.sales1)
    response = client.post(reverse("flow:act", args=[task.pk]), {"action": "approve", "comment": "可以",
                                                                 "next": reverse("flow:todo")})
    assert response.status_code == 302
    assert node_ids(application) == ["documents"]


def test_an_action_error_is_a_message_not_a_traceback(people, client_for):
    application = submitted(people.sales1)
    act(people.sales1, application)
    task = task_for(application, people.sales1)
    client = client_for(people.sales1)
    response = client.post(reverse("flow:act", args=[task.pk]), {"action": "approve"}, follow=True)
    assert "还缺少必备材料" in response.content.decode()
    response = client_for(people.sales2).post(reverse("flow:act", args=[task.pk]), {"action": "approve"}, follow=True)
    assert "不是您的待办" in response.content.decode()


def test_bulk_approve_reports_what_passed_and_what_did_not(people, client_for):
    first, second = submitted(people.sales1), submitted(people.sales1)
    for application in (first, second):
        act(people.sales1, application)
    add_documents(first, people.sales1, "id_card", "credit_report")
    tasks = [task_for(first, people.sales1).pk, task_for(second, people.sales1).pk]
    response = client_for(people.sales1).post(reverse("flow:bulk_approve"), {"ids": tasks, "comment": "批量"},
                                              follow=True)
    page = response.content.decode()
    assert "已批量通过 1 项" in page and "还缺少必备材料" in page
    assert node_ids(first) == ["risk_assessment"] and node_ids(second) == ["documents"]


def test_the_step_form_saves_the_credit_line_with_the_approval(people, client_for):
    application = submitted(people.sales1, amount=30000)
    act(people.sales1, application)
    add_documents(application, people.sales1, "id_card", "credit_report")
    act(people.sales1, application)
    act(people.risk, application)
    task = task_for(application, people.gm)
    page = client_for(people.gm).get(reverse("loans:detail", args=[application.pk])).content.decode()
    assert 'name="step-credit_line"' in page
    client_for(people.gm).post(reverse("flow:act", args=[task.pk]), {
        "action": "approve", "comment": "同意", "step-present": "1", "step-credit_line": "3万",
        "step-approved_rate": "8.2", "step-approved_term": "12"})
    application.refresh_from_db()
    assert application.credit_line == 30000 and application.status == ApplicationStatus.APPROVED


def test_documents_upload_download_are_audited_and_scoped(people, apps, client_for):
    application = apps["mine"]
    client = client_for(people.sales1)
    client.post(reverse("loans:document_add", args=[application.pk]),
                {"kind": "credit_report", "file": factories.upload("征信.pdf", b"%PDF-1.4 x"), "note": ""})
    document = application.documents.get()
    url = reverse("loans:document", args=[application.pk, document.pk])
    assert client.get(url).content == b"%PDF-1.4 x"
    assert AuditEvent.objects.filter(action="download", subject=f"loan_application:{application.pk}").exists()
    assert client_for(people.sales3).get(url).status_code == 404
    with document.file.open("rb") as fh:
        assert b"%PDF" not in fh.read()  # encrypted at rest
    response = client.post(reverse("loans:document_add", args=[application.pk]),
                           {"kind": "other", "file": factories.upload("a.exe", b"MZ")}, follow=True)
    assert "不支持的文件类型" in response.content.decode()


def _approved(people, amount=50000):
    application = submitted(people.sales1, amount=amount)
    act(people.sales1, application)
    add_documents(application, people.sales1, "id_card", "credit_report")
    act(people.sales1, application)
    act(people.risk, application)
    act(people.lead1, application)
    act(people.gm, application)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    return application


def _template(people):
    from zhudai.loans import services

    return services.save_template(people.admin, ContractTemplate(name="居间合同"),
                                  factories.upload("合同.docx", contracts.sample_template()))


def test_the_contract_is_generated_with_amounts_in_chinese_capitals_and_downloaded(people, client_for):
    from docx import Document

    application = _approved(people, amount=50000)
    template = _template(people)
    client = client_for(people.sales1)
    client.post(reverse("loans:contract", args=[application.pk]), {"template": template.pk})
    document = application.documents.get(kind=DocumentKind.CONTRACT)
    data = client.get(reverse("loans:document", args=[application.pk, document.pk])).content
    text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
    assert "伍万元整" in text and application.number in text and application.customer.id_number in text
    assert "终审" in text  # the approval history
    assert AuditEvent.objects.filter(action="generate", object_id=str(application.pk)).exists()


def test_disbursement_needs_a_signed_contract(people):
    from zhudai.engines.flow.services import FlowError

    application = _approved(people)
    with pytest.raises(FlowError, match="已签合同"):
        act(people.sales1, application, fields={"contract_signed_at": "2026-12-01"})
    add_documents(application, people.sales1, "signed_contract")
    act(people.sales1, application, fields={"contract_signed_at": "2026-12-01"})
    assert node_ids(application) == ["disbursement"]
    assert task_for(application, people.finance)


def test_a_contract_cannot_be_generated_before_final_approval(people, client_for):
    application = submitted(people.sales1)
    template = _template(people)
    response = client_for(people.sales1).post(reverse("loans:contract", args=[application.pk]),
                                              {"template": template.pk}, follow=True)
    assert "终审后" in response.content.decode()


def test_template_upload_refuses_what_is_not_a_working_docx(people, client_for):
    client = client_for(people.admin)
    response = client.post(reverse("loans:template_add"), {"name": "坏模板", "is_active": "on",
                                                           "upload": factories.upload("x.docx", b"not a zip")})
    assert "无法打开" in response.content.decode()
    response = client.post(reverse("loans:template_add"), {"name": "文本", "is_active": "on",
                                                           "upload": factories.upload("x.txt", b"hi")})
    assert "不支持的文件类型" in response.content.decode()
    response = client.post(reverse("loans:template_add"), {"name": "好模板", "is_active": "on",
                                                           "upload": factories.upload("ok.docx",
                                                                                      contracts.sample_template())})
    assert response.status_code == 302 and ContractTemplate.objects.filter(name="好模板").exists()
    assert client_for(people.sales1).get(reverse("loans:templates")).status_code == 403


def test_the_process_editor_saves_a_valid_draft_and_publishes_it(people, client_for):
    from zhudai.engines.flow.forms import initial_for

    definition = ProcessDefinition.objects.get(key="loan_standard")
    client = client_for(people.admin)
    assert client.get(reverse("flow:definition_edit", args=[definition.pk])).status_code == 200
    assert client_for(people.sales1).get(reverse("flow:definition_edit", args=[definition.pk])).status_code == 403
    nodes = definition.published().spec["nodes"]
    data = {"nodes-TOTAL_FORMS": str(len(nodes)), "nodes-INITIAL_FORMS": str(len(nodes)), "note": "改名"}
    for i, node in enumerate(nodes):
        for key, value in initial_for(node).items():
            if isinstance(value, bool):
                if value:
                    data[f"nodes-{i}-{key}"] = "on"
            elif isinstance(value, list):
                data[f"nodes-{i}-{key}"] = value
            elif value is not None:
                data[f"nodes-{i}-{key}"] = str(value)
    data["nodes-2-name"] = "是否老客户续贷"
    response = client.post(reverse("flow:definition_edit", args=[definition.pk]), data, follow=True)
    assert "检查通过" in response.content.decode()
    draft = definition.versions.get(number=2)
    assert draft.spec["nodes"][2]["name"] == "是否老客户续贷"
    def meaning(node):  # the editor writes defaults (no self-approval, no documents) explicitly
        return {k: v for k, v in node.items() if v not in (False, [], None, "")}

    assert [meaning(n) for n in draft.spec["nodes"][3:]] == [meaning(n) for n in nodes[3:]]
    client.post(reverse("flow:publish", args=[draft.pk]))
    assert definition.published().number == 2


def test_the_process_editor_keeps_an_invalid_draft_and_lists_its_problems(people, client_for):
    definition = ProcessDefinition.objects.get(key="loan_standard")
    data = {"nodes-TOTAL_FORMS": "2", "nodes-INITIAL_FORMS": "0",
            "nodes-0-id": "start", "nodes-0-name": "开始", "nodes-0-type": "start", "nodes-0-next": "check",
            "nodes-1-id": "check", "nodes-1-name": "判断", "nodes-1-type": "gateway",
            "nodes-1-branches": "amout > 1 => start"}
    response = client_for(people.admin).post(reverse("flow:definition_edit", args=[definition.pk]), data, follow=True)
    page = response.content.decode()
    assert "还不能发布" in page and "默认分支" in page and "amout" in page
    response = client_for(people.admin).post(reverse("flow:publish", args=[definition.versions.get(number=2).pk]),
                                             follow=True)
    assert "不能发布" in response.content.decode()
    assert definition.published().number == 1


def test_the_todo_page_reads_a_fixed_number_of_queries(people, client_for, django_assert_max_num_queries):
    for _ in range(6):
        submitted(people.sales1)
    client = client_for(people.sales1)
    client.get(reverse("flow:todo"))
    with django_assert_max_num_queries(14):
        response = client.get(reverse("flow:todo"))
    assert response.content.decode().count('class="panel todo-item"') == 6


def test_revealing_the_disbursement_account_is_audited(people, client_for):
    application = factories.application(people.sales1)
    LoanApplication.objects.filter(pk=application.pk).update(disbursement_account="")
    application.disbursement_account = "6222021203004567890"
    application.save()
    page = client_for(people.finance).get(reverse("loans:detail", args=[application.pk])).content.decode()
    assert "6222021203004567890" not in page and "7890" in page
    response = client_for(people.finance).post(reverse("loans:reveal_account", args=[application.pk]))
    assert "6222021203004567890" in response.content.decode()
    assert AuditEvent.objects.filter(action="reveal", object_id=str(application.pk)).exists()
    assert client_for(people.sales1).post(reverse("loans:reveal_account", args=[application.pk])).status_code == 403


def test_claimable_and_orphan_tasks_can_be_claimed_or_assigned_from_the_todo_page(people, client_for):
    from zhudai.engines.flow.tests.helpers import open_tasks

    application = submitted(people.sales1)
    task = task_for(application, people.sales1)
    Task.objects.filter(pk=task.pk).update(assignee=None)  # as if its handler rule had found nobody
    page = client_for(people.admin).get(reverse("flow:todo") + "?tab=claimable").content.decode()
    assert application.number in page
    client_for(people.admin).post(reverse("flow:assign", args=[task.pk]), {"to_user": people.lead1.pk})
    assert open_tasks(application)[0].assignee == people.lead1


def test_the_list_filters_by_the_current_step(people, client_for):
    at_prescreen = submitted(people.sales1)
    further = submitted(people.sales1)
    act(people.sales1, further)
    client = client_for(people.sales1)
    page = client.get(reverse("loans:list")).content.decode()
    assert '<option value="风控评估">' in page
    page = client.get(reverse("loans:list") + "?step=资质预审").content.decode()
    assert f">{at_prescreen.number}</a>" in page and f">{further.number}</a>" not in page


def test_the_diagram_escapes_names_and_marks_the_current_step(people):
    from zhudai.engines.flow import diagram
    from zhudai.engines.flow.tests.helpers import standard_spec

    spec = standard_spec()
    spec["nodes"][4]["name"] = "<script>alert(1)</script>"
    svg = str(diagram.render(spec, current="risk_assessment", visited={"prescreen"}))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    current = svg[svg.index('data-node="risk_assessment"'):]
    assert "#1d4ed8" in current[:600]


def test_a_product_can_use_its_own_process_copied_from_the_standard_one(people, client_for):
    from zhudai.engines.flow.models import ProcessInstance
    from zhudai.engines.flow.services import publish

    standard = ProcessDefinition.objects.get(key="loan_standard")
    client = client_for(people.admin)
    response = client.post(reverse("flow:definition_copy", args=[standard.pk]), {"key": "mortgage", "name": "抵押贷流程"})
    mortgage = ProcessDefinition.objects.get(key="mortgage")
    assert response["Location"] == reverse("flow:definition_edit", args=[mortgage.pk])
    assert mortgage.versions.get().spec == standard.published().spec and mortgage.published() is None
    product = factories.application(people.sales1).product
    response = client.post(reverse("loans:product_edit", args=[product.pk]), {
        "lender": product.lender, "name": product.name, "product_type": product.product_type,
        "min_amount": "1万", "max_amount": "30万", "min_term": 6, "max_term": 36, "rate_min": "6.5", "rate_max": "15.4",
        "required_documents": ["id_card"], "process": mortgage.pk, "is_active": "on"})
    assert response.status_code == 302
    application = factories.application(people.sales1, product=product)
    response = client_for(people.sales1).post(reverse("loans:submit", args=[application.pk]), follow=True)
    assert "还没有发布的版本" in response.content.decode()
    publish(people.admin, mortgage.versions.get())
    client_for(people.sales1).post(reverse("loans:submit", args=[application.pk]))
    assert ProcessInstance.objects.get(subject_id=application.pk).version.definition == mortgage


def test_making_a_process_the_default(people, client_for):
    from zhudai.engines.flow.services import copy_definition, publish

    standard = ProcessDefinition.objects.get(key="loan_standard")
    other = copy_definition(people.admin, standard, "fast", "快速流程")
    response = client_for(people.admin).post(reverse("flow:definition_default", args=[other.pk]), follow=True)
    assert "请先发布" in response.content.decode()
    publish(people.admin, other.versions.get())
    client_for(people.admin).post(reverse("flow:definition_default", args=[other.pk]))
    assert list(ProcessDefinition.objects.filter(is_default=True)) == [other]
    assert submitted(people.sales1) and ProcessDefinition.objects.get(key="fast").versions.get().instances.count() == 1


def test_the_todo_list_escapes_names_and_says_how_long_is_left(people, client_for):
    import datetime

    from django.utils import timezone

    from zhudai.engines.flow.rendering import remaining

    customer = factories.customer(people.sales1, name="<b>坏</b>", id_number=factories.id_number())
    submitted(people.sales1, customer=customer)
    page = client_for(people.sales1).get(reverse("flow:todo")).content.decode()
    assert "&lt;b&gt;坏&lt;/b&gt;" in page and "<b>坏</b>" not in page
    assert "剩余" in page
    now = timezone.now()
    assert remaining(now + datetime.timedelta(hours=26, minutes=5), now) == "剩余 1天2小时"
    assert remaining(now + datetime.timedelta(minutes=90), now) == "剩余 1小时30分钟"
    assert "已超时" in remaining(now - datetime.timedelta(days=2), now)
