"""The shipped 标准助贷流程 from submission to disbursement, with its fast and renewal paths."""

import datetime

import pytest

from zhudai.customers.models import Customer
from zhudai.engines.flow.choices import Action, InstanceStatus
from zhudai.engines.flow.models import Transition
from zhudai.engines.flow.services import FlowError
from zhudai.loans.choices import ApplicationStatus
from zhudai.testing import factories

from .helpers import act, add_documents, instance_of, node_ids, open_tasks, submitted, task_for


def _through_risk(application, people):
    act(people.sales1, application)  # 资质预审
    add_documents(application, people.sales1, "id_card", "credit_report")
    act(people.sales1, application)  # 资料收集与审核
    act(people.risk, application, comment="资料齐全，建议放款")  # 风控评估


def _finish(application, people):
    add_documents(application, people.sales1, "signed_contract")
    act(people.sales1, application, fields={"contract_signed_at": "2026-12-01"})
    act(people.finance, application, fields={
        "disbursed_at": "2026-12-02", "disbursed_amount": "30000", "disbursement_bank": "宁夏银行",
        "disbursement_account": "6222020200112233445"})


def test_a_small_credit_loan_with_a_good_rating_skips_the_team_lead(people):
    application = submitted(people.sales1, amount=30000)
    assert node_ids(application) == ["prescreen"]
    _through_risk(application, people)
    assert node_ids(application) == ["final_approval"]
    assert task_for(application, people.gm)
    with pytest.raises(FlowError, match="授信额度"):
        act(people.gm, application, form=None)
    act(people.gm, application, fields={"credit_line": "30000", "approved_rate": "8.5", "approved_term": "12"})
    application.refresh_from_db()
    assert application.credit_line == 30000
    assert application.status == ApplicationStatus.APPROVED
    assert node_ids(application) == ["contract"]
    _finish(application, people)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DISBURSED
    assert application.disbursement_account == "6222020200112233445"
    assert instance_of(application).status == InstanceStatus.APPROVED
    assert Customer.objects.get(pk=application.customer_id).stage.code == "disbursed"
    visited = set(Transition.objects.filter(instance=instance_of(application)).values_list("node_id", flat=True))
    assert "team_lead_approval" not in visited


def test_a_large_loan_goes_through_the_team_lead_and_the_countersign(people):
    application = submitted(people.sales1, amount=300000, term_months=24)
    _through_risk(application, people)
    assert node_ids(application) == ["team_lead_approval"]
    act(people.lead1, application)
    assert sorted(t.assignee.username for t in open_tasks(application)) == ["gm", "risk"]
    act(people.risk, application)
    assert node_ids(application) == ["final_countersign"]  # waits for the approver
    act(people.gm, application)
    assert node_ids(application) == ["contract"]


def test_one_rejection_in_an_all_countersign_rejects_the_application(people):
    application = submitted(people.sales1, amount=300000, term_months=24)
    _through_risk(application, people)
    act(people.lead1, application)
    act(people.gm, application, "reject", comment="负债过高")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED
    assert open_tasks(application) == []


def test_documents_step_refuses_to_pass_without_the_required_documents(people):
    application = submitted(people.sales1)
    act(people.sales1, application)
    with pytest.raises(FlowError, match="身份证件、征信报告"):
        act(people.sales1, application)
    factories_customer = application.customer
    from zhudai.customers import services as customer_services

    customer_services.add_attachment(people.sales1, factories_customer, factories.upload("zx.pdf"), "credit_report")
    add_documents(application, people.sales1, "id_card")
    act(people.sales1, application)  # the customer's credit report counts
    assert node_ids(application) == ["risk_assessment"]


def test_a_returning_customer_with_a_good_rating_takes_the_renewal_path(people):
    first = submitted(people.sales1)
    _through_risk(first, people)
    act(people.gm, first)
    _finish(first, people)
    second = factories.application(people.sales1, customer=first.customer, amount=80000)
    from zhudai.core.context import acting
    from zhudai.loans import services as loan_services

    with acting(people.sales1):
        loan_services.submit_application(people.sales1, second)
    second.refresh_from_db()
    assert second.is_renewal
    assert node_ids(second) == ["renewal_review"]
    act(people.risk, second)
    assert node_ids(second) == ["final_approval"]


def test_the_system_check_rejects_an_applicant_over_the_age_limit(people):
    old = factories.customer(people.sales1, id_number=factories.id_number(birth=datetime.date(1950, 1, 1)))
    application = submitted(people.sales1, customer=old)
    assert application.status == ApplicationStatus.REJECTED
    check = Transition.objects.get(instance=instance_of(application), action=Action.AUTO)
    assert "年龄" in check.comment


def test_submitting_needs_an_id_number_and_a_phone_on_the_customer(people):
    from django.core.exceptions import ValidationError

    from zhudai.loans import services as loan_services

    customer = factories.customer(people.sales1)  # no ID number
    application = factories.application(people.sales1, customer=customer)
    with pytest.raises(ValidationError, match="身份证号"):
        loan_services.submit_application(people.sales1, application)
