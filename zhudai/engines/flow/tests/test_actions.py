"""Every action on a task: return, request materials, forward, add a signer, withdraw, claim,
and the refusals (self-approval, someone else's task, an already handled task)."""

import pytest

from zhudai.accounts.models import Role, User
from zhudai.core.context import acting
from zhudai.engines.flow import services
from zhudai.engines.flow.choices import Action, InstanceStatus, TaskKind
from zhudai.engines.flow.models import Task, Transition
from zhudai.engines.flow.services import FlowError
from zhudai.loans.choices import ApplicationStatus
from zhudai.testing import factories

from .helpers import act, add_documents, instance_of, node_ids, open_tasks, process, standard_spec, submitted, task_for


def _at_risk(people, amount=30000):
    application = submitted(people.sales1, amount=amount)
    act(people.sales1, application)
    add_documents(application, people.sales1, "id_card", "credit_report")
    act(people.sales1, application)
    assert node_ids(application) == ["risk_assessment"]
    return application


def test_return_goes_back_to_the_previous_step_and_comes_to_the_salespersons_todo(people):
    application = _at_risk(people)
    act(people.risk, application, "return", comment="征信报告不清晰")
    assert node_ids(application) == ["documents"]
    assert task_for(application, people.sales1)
    returned = Transition.objects.get(instance=instance_of(application), action=Action.RETURN)
    assert (returned.node_id, returned.to_node, returned.comment) == ("risk_assessment", "documents", "征信报告不清晰")


def test_return_to_a_chosen_earlier_step(people):
    application = _at_risk(people)
    choices = dict(services.returnable_nodes(instance_of(application)))
    assert list(choices) == ["documents", "prescreen"]
    act(people.risk, application, "return", comment="重新预审", target="prescreen")
    assert node_ids(application) == ["prescreen"]


def test_return_refuses_a_step_not_yet_visited(people):
    application = _at_risk(people)
    with pytest.raises(FlowError, match="已经走过"):
        act(people.risk, application, "return", comment="x", target="final_approval")


def test_request_materials_resumes_at_the_same_step_when_resubmitted(people):
    application = _at_risk(people)
    act(people.risk, application, "request_materials", comment="请补充近6个月银行流水")
    [materials] = open_tasks(application)
    assert (materials.kind, materials.assignee, materials.node_id) == (TaskKind.MATERIALS, people.sales1,
                                                                       "risk_assessment")
    add_documents(application, people.sales1, "bank_statement")
    with pytest.raises(FlowError, match="不允许"):
        act(people.sales1, application, "approve")
    act(people.sales1, application, "resubmit", comment="已补充")
    assert node_ids(application) == ["risk_assessment"]
    assert task_for(application, people.risk).activation == 2


def test_forward_hands_the_task_to_a_colleague_with_the_reason(people):
    colleague = User.objects.create(username="risk2", name="第二风控", role=people.risk.role,
                                    org_unit=people.risk.org_unit)
    application = _at_risk(people)
    act(people.risk, application, "forward", comment="休假，请代办", to_user=colleague)
    task = task_for(application, colleague)
    assert "休假" in task.note
    with pytest.raises(Task.DoesNotExist):
        task_for(application, people.risk)


def test_forward_to_a_deactivated_user_is_refused(people):
    gone = User.objects.create(username="gone", name="离职员工", is_active=False, role=people.risk.role)
    application = _at_risk(people)
    with pytest.raises(FlowError, match="已停用"):
        act(people.risk, application, "forward", comment="x", to_user=gone)


def test_an_added_signer_must_approve_too(people):
    application = _at_risk(people)
    act(people.risk, application)
    act(people.gm, application, "add_signer", comment="请财务也看一下", to_user=people.finance)
    act(people.gm, application)
    assert node_ids(application) == ["final_approval"]  # still waiting for the added signer
    act(people.finance, application)
    assert node_ids(application) == ["contract"]


def test_the_submitter_withdraws_before_anyone_else_decided(people):
    application = submitted(people.sales1)
    act(people.sales1, application)  # the submitter's own pre-screen is no decision by others
    instance = instance_of(application)
    assert services.can_withdraw(people.sales1, instance)
    with acting(people.sales1):
        services.withdraw(people.sales1, instance.pk, "客户暂不需要")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    assert instance_of(application).status == InstanceStatus.WITHDRAWN
    assert open_tasks(application) == []


def test_withdraw_is_refused_after_someone_else_decided(people):
    application = _at_risk(people)
    act(people.risk, application)
    instance = instance_of(application)
    assert not services.can_withdraw(people.sales1, instance)
    with pytest.raises(FlowError, match="撤回"):
        services.withdraw(people.sales1, instance.pk)
    with pytest.raises(FlowError):
        services.withdraw(people.lead1, instance.pk)


def test_a_role_task_is_claimed_by_one_member(people):
    spec = standard_spec()
    node = next(n for n in spec["nodes"] if n["id"] == "prescreen")
    node["handlers"] = [{"kind": "role", "role": "risk", "mode": "claim"}]
    definition = process(spec, "claim", people.admin)
    second = User.objects.create(username="risk2", role=people.risk.role, org_unit=people.risk.org_unit)
    application = factories.application(people.sales1)
    with acting(people.sales1):
        services.start(people.sales1, definition, application)
    [task] = open_tasks(application)
    assert task.assignee is None and task.candidate_role.code == "risk"
    with pytest.raises(FlowError, match="不能认领"):
        services.claim(people.sales2, task.pk)
    services.claim(second, task.pk)
    with pytest.raises(FlowError, match="已被他人认领"):
        services.claim(people.risk, task.pk)
    with pytest.raises(FlowError, match="不是您的待办"):
        services.act(people.risk, task.pk, "approve")
    services.act(second, task.pk, "approve")
    assert node_ids(application) == ["documents"]


def test_self_approval_is_refused_unless_the_node_allows_it(people):
    spec = standard_spec()
    node = next(n for n in spec["nodes"] if n["id"] == "prescreen")
    node["allow_self_approval"] = False
    definition = process(spec, "self", people.admin)
    application = factories.application(people.sales1)
    with acting(people.sales1):
        services.start(people.sales1, definition, application)
    with pytest.raises(FlowError, match="不能审批自己"):
        act(people.sales1, application)
    act(people.sales1, application, "forward", comment="请主管预审", to_user=people.lead1)
    act(people.lead1, application)
    assert node_ids(application) == ["documents"]


def test_someone_elses_task_and_a_handled_task_are_refused(people):
    application = _at_risk(people)
    task = task_for(application, people.risk)
    with pytest.raises(FlowError, match="不是您的待办"):
        services.act(people.gm, task.pk, "approve")
    services.act(people.risk, task.pk, "approve")
    with pytest.raises(FlowError, match="已由"):
        services.act(people.risk, task.pk, "approve")


def test_reject_and_return_need_a_comment(people):
    application = _at_risk(people)
    with pytest.raises(FlowError, match="意见"):
        act(people.risk, application, "reject", comment=" ")
    with pytest.raises(FlowError, match="原因"):
        act(people.risk, application, "return", comment="")


def test_an_action_the_node_does_not_offer_is_refused(people):
    application = submitted(people.sales1)
    with pytest.raises(FlowError, match="不允许"):
        act(people.sales1, application, "request_materials", comment="x")


def test_every_action_is_recorded_with_time_and_duration(people):
    application = _at_risk(people)
    act(people.risk, application, comment="通过")
    rows = list(Transition.objects.filter(instance=instance_of(application), action=Action.APPROVE)
                .values_list("node_id", "actor_label", "duration_seconds", "over_limit"))
    assert [r[0] for r in rows] == ["prescreen", "documents", "risk_assessment"]
    assert all(r[2] is not None and r[3] is False for r in rows)


def test_an_action_writes_an_audit_event_on_the_application(people):
    from zhudai.audit.models import AuditEvent

    application = _at_risk(people)
    act(people.risk, application, comment="通过")
    event = AuditEvent.objects.filter(subject=f"loan_application:{application.pk}", action="workflow").first()
    assert event.actor == people.risk and event.extra["node"] == "风控评估"


def test_unresolvable_handlers_leave_a_task_for_flow_reassign_holders(people):
    spec = standard_spec()
    node = next(n for n in spec["nodes"] if n["id"] == "prescreen")
    node["handlers"] = [{"kind": "role", "role": "postloan"}]  # nobody holds that role in the demo firm
    definition = process(spec, "orphan", people.admin)
    Role.objects.filter(code="postloan").update(permissions=[])
    application = factories.application(people.sales1)
    with acting(people.sales1):
        services.start(people.sales1, definition, application)
    [task] = open_tasks(application)
    assert task.assignee is None
    services.assign(people.admin, task.pk, people.lead1, "主管代为预审")
    assert task_for(application, people.lead1)


def test_staff_handover_moves_open_tasks_and_applications_to_the_successor(people):
    from zhudai.accounts import services as account_services
    from zhudai.loans.models import LoanApplication

    application = submitted(people.sales1)
    draft = factories.application(people.sales1)
    counts = account_services.handover(people.admin, people.sales1, people.sales2)
    assert counts["open_tasks"] == 1 and counts["applications"] == 2
    assert task_for(application, people.sales2)
    assert set(LoanApplication.objects.filter(pk__in=[application.pk, draft.pk]).values_list("owner", flat=True)) == {
        people.sales2.pk}
    assert Transition.objects.filter(instance=instance_of(application), action=Action.FORWARD,
                                     comment__contains="离职交接").exists()
    act(people.sales2, application)  # the successor works on
    assert node_ids(application) == ["documents"]
    assert task_for(application, people.sales2)  # the owner step now resolves to the new owner


def test_a_node_copies_the_instance_to_people_who_then_see_it(people, client_for):
    from django.urls import reverse

    from zhudai.engines.flow.models import CarbonCopy

    spec = standard_spec()
    next(n for n in spec["nodes"] if n["id"] == "prescreen")["cc"] = [{"kind": "user", "user": "lead2"}]
    definition = process(spec, "cc", people.admin)
    application = factories.application(people.sales1)
    with acting(people.sales1):
        services.start(people.sales1, definition, application)
    copy = CarbonCopy.objects.get(user=people.lead2)
    assert copy.node_name == "资质预审" and copy.read_at is None
    client = client_for(people.lead2)
    page = client.get(reverse("flow:todo") + "?tab=copied").content.decode()
    assert application.number in page
    copy.refresh_from_db()
    assert copy.read_at is not None
    assert client.get(reverse("loans:detail", args=[application.pk])).status_code == 200


def test_files_attached_to_an_action_are_encrypted_and_served_to_those_who_may_see_the_application(
        people, client_for):
    from django.urls import reverse

    from zhudai.audit.models import AuditEvent
    from zhudai.engines.flow.models import TransitionFile

    application = _at_risk(people)
    act(people.risk, application, comment="见附件", files=[factories.upload("核查记录.pdf", b"%PDF-1.4 check")])
    item = TransitionFile.objects.get()
    with item.file.open("rb") as fh:
        assert b"check" not in fh.read()
    url = reverse("flow:file", args=[item.pk])
    response = client_for(people.sales1).get(url)
    assert response.content == b"%PDF-1.4 check"
    assert AuditEvent.objects.filter(action="download", subject=f"loan_application:{application.pk}").exists()
    assert client_for(people.sales3).get(url).status_code == 404


def test_only_finance_may_record_the_disbursement(people):
    from django.core.exceptions import ValidationError

    spec = standard_spec()
    next(n for n in spec["nodes"] if n["id"] == "prescreen").update(
        editable_fields=["disbursed_at", "disbursed_amount"], allow_self_approval=True)
    definition = process(spec, "disburse", people.admin)
    application = factories.application(people.sales1)
    with acting(people.sales1):
        services.start(people.sales1, definition, application)
    with pytest.raises(ValidationError, match="登记放款"):
        act(people.sales1, application, fields={"disbursed_at": "2026-12-02", "disbursed_amount": "30000"})


def test_an_unknown_action_is_refused_with_a_message(people, client_for):
    from django.urls import reverse

    application = submitted(people.sales1)
    task = task_for(application, people.sales1)
    with pytest.raises(FlowError, match="未知"):
        services.act(people.sales1, task.pk, "explode")
    response = client_for(people.sales1).post(reverse("flow:act", args=[task.pk]), {"action": "explode"}, follow=True)
    assert response.status_code == 200 and "未知的操作" in response.content.decode()
