"""Definitions: validation, versioning, node types, handler rules and time limits."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from zhudai.accounts.models import User
from zhudai.core.context import acting
from zhudai.core.workdays import add_working_hours
from zhudai.engines.flow import handlers, services, spec
from zhudai.engines.flow.choices import InstanceStatus
from zhudai.engines.flow.models import Transition
from zhudai.engines.flow.services import FlowError, adapter_for
from zhudai.testing import factories

from .helpers import act, instance_of, node_ids, open_tasks, process, standard_spec

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _problems(spec_data):
    return spec.validate(spec_data, adapter_for("loan_application"))


def _node(spec_data, node_id):
    return next(n for n in spec_data["nodes"] if n["id"] == node_id)


def test_the_shipped_process_is_valid(db):
    assert _problems(standard_spec()) == []


def test_an_unreachable_node_is_reported(db):
    data = standard_spec()
    data["nodes"].append({"id": "orphan", "type": "task", "name": "孤立环节", "handlers": [{"kind": "owner"}],
                          "next": "done"})
    assert any("孤立环节" in p and "无法到达" in p for p in _problems(data))


def test_a_dead_end_is_reported(db):
    data = {"nodes": [
        {"id": "start", "type": "start", "name": "开始", "next": "a"},
        {"id": "a", "type": "gateway", "name": "分支", "branches": [{"condition": "amount > 1", "to": "b"}],
         "default": "end"},
        {"id": "b", "type": "task", "name": "环节B", "handlers": [{"kind": "owner"}], "next": "c"},
        {"id": "c", "type": "task", "name": "环节C", "handlers": [{"kind": "owner"}], "next": "b"},
        {"id": "end", "type": "end", "name": "结束", "result": "approved"},
    ]}
    problems = _problems(data)
    assert any("环节B" in p and "死路" in p for p in problems)


def test_a_gateway_needs_a_default_branch_and_valid_conditions(db):
    data = standard_spec()
    gateway = _node(data, "approval_route")
    gateway["default"] = ""
    gateway["branches"][0]["condition"] = "amout < 50000"
    problems = _problems(data)
    assert any("默认分支" in p for p in problems)
    assert any("amout" in p and "amount" in p for p in problems)


def test_unknown_roles_users_and_fields_are_reported(db):
    data = standard_spec()
    _node(data, "risk_assessment")["handlers"] = [{"kind": "role", "role": "nobody"}]
    _node(data, "final_approval")["handlers"] = [{"kind": "user", "user": "ghost"}]
    _node(data, "documents")["required_documents"] = ["passport"]
    problems = _problems(data)
    assert any("nobody" in p for p in problems)
    assert any("ghost" in p for p in problems)
    assert any("passport" in p for p in problems)


def test_publishing_an_invalid_draft_is_refused_with_every_problem(people):
    from django.core.exceptions import ValidationError

    from zhudai.engines.flow.models import ProcessDefinition

    definition = ProcessDefinition.objects.get(key="loan_standard")
    data = standard_spec()
    _node(data, "approval_route")["default"] = ""
    draft = services.save_draft(people.admin, definition, data, "去掉默认分支")
    with pytest.raises(ValidationError) as exc:
        services.publish(people.admin, draft)
    assert any("默认分支" in m for m in exc.value.messages)


def test_an_instance_finishes_on_the_version_it_started_on(people):
    from zhudai.engines.flow.models import ProcessDefinition

    definition = ProcessDefinition.objects.get(key="loan_standard")
    application = factories.application(people.sales1)
    with acting(people.sales1):
        services.start(people.sales1, definition, application)
    v1 = instance_of(application).version
    data = standard_spec()
    _node(data, "documents")["name"] = "资料审核（新版）"
    _node(data, "prescreen")["next"] = "risk_assessment"  # v2 skips the documents step
    _node(data, "documents")["next"] = "risk_assessment"
    data["nodes"].remove(_node(data, "documents"))
    services.publish(people.admin, services.save_draft(people.admin, definition, data, "v2"))
    assert definition.published().number == 2
    act(people.sales1, application)
    assert node_ids(application) == ["documents"]
    assert instance_of(application).version == v1
    later = factories.application(people.sales1)
    with acting(people.sales1):
        services.start(people.sales1, definition, later)
    act(people.sales1, later)
    assert node_ids(later) == ["risk_assessment"]


def test_an_automatic_node_that_fails_follows_its_reject_branch(people):
    data = standard_spec()
    _node(data, "system_check")["reject_to"] = "prescreen"
    definition = process(data, "auto", people.admin)
    old = factories.customer(people.sales1, id_number=factories.id_number(birth=datetime.date(1940, 3, 3)))
    application = factories.application(people.sales1, customer=old)
    with acting(people.sales1):
        services.start(people.sales1, definition, application)
    assert node_ids(application) == ["prescreen"]
    assert instance_of(application).status == InstanceStatus.RUNNING


def _countersign_process(admin, key, **options):
    countersign = {"id": "sign", "type": "countersign", "name": "会签", "next": "done",
                   "handlers": [{"kind": "role", "role": "risk"}, {"kind": "role", "role": "approver"}], **options}
    return process({"nodes": [
        {"id": "start", "type": "start", "name": "开始", "next": "sign"}, countersign,
        {"id": "done", "type": "end", "name": "结束", "result": "approved"},
    ]}, key, admin)


def test_an_any_countersign_passes_with_the_first_approval(people):
    definition = _countersign_process(people.admin, "any", policy="any")
    application = factories.application(people.sales1, amount=250000)
    with acting(people.sales1):
        services.start(people.sales1, definition, application)
    assert len(open_tasks(application)) == 2
    act(people.gm, application)
    assert open_tasks(application) == []
    assert instance_of(application).status == InstanceStatus.APPROVED


def test_an_n_of_m_countersign_rejects_when_approval_can_no_longer_be_reached(people):
    definition = _countersign_process(
        people.admin, "n-of-m", policy="n", n=2,
        handlers=[{"kind": "role", "role": "risk"}, {"kind": "role", "role": "approver"},
                  {"kind": "user", "user": "lead2"}])
    application = factories.application(people.sales1, amount=250000)
    with acting(people.sales1):
        services.start(people.sales1, definition, application)
    act(people.gm, application, "reject", comment="不同意")
    assert len(open_tasks(application)) == 2  # two approvals still possible
    act(people.risk, application, "reject", comment="不同意")
    assert instance_of(application).status == InstanceStatus.REJECTED


def test_least_load_picks_the_member_with_fewest_open_tasks_and_never_a_deactivated_one(people):
    role = people.risk.role
    busy = people.risk
    idle = User.objects.create(username="risk2", role=role, org_unit=busy.org_unit)
    gone = User.objects.create(username="risk3", role=role, org_unit=busy.org_unit, is_active=False)
    paused = User.objects.create(username="risk4", role=role, org_unit=busy.org_unit, is_paused=True)
    adapter = adapter_for("loan_application")
    application = factories.application(people.sales1)
    assert handlers.resolve({"kind": "role", "role": "risk"}, application, adapter).user == busy  # tie: lowest id
    from zhudai.engines.flow.models import ProcessInstance, Task

    instance = ProcessInstance.objects.create(version=instance_version(), subject_type="loan_application",
                                              subject_id=application.pk)
    Task.objects.create(instance=instance, node_id="x", node_name="x", assignee=busy)
    chosen = handlers.resolve({"kind": "role", "role": "risk"}, application, adapter).user
    assert chosen == idle
    assert chosen not in (gone, paused)


def instance_version():
    from zhudai.engines.flow.models import ProcessDefinition

    return ProcessDefinition.objects.get(key="loan_standard").published()


def test_handler_rules_owner_lead_user_field_and_expression(people):
    adapter = adapter_for("loan_application")
    application = factories.application(people.sales3, amount=150000)
    assert handlers.resolve({"kind": "owner"}, application, adapter).user == people.sales3
    assert handlers.resolve({"kind": "owner_lead"}, application, adapter).user == people.lead2
    assert handlers.resolve({"kind": "user", "user": "gm"}, application, adapter).user == people.gm
    assert handlers.resolve({"kind": "field", "field": "created_by"}, application, adapter).user == people.sales3
    rule = {"kind": "expression", "expression": 'amount > 100000 ? "gm" : "lead2"'}
    assert handlers.resolve(rule, application, adapter).user == people.gm
    people.gm.is_active = False
    people.gm.save()
    assert handlers.resolve({"kind": "user", "user": "gm"}, application, adapter) == handlers.NOBODY


def test_owner_lead_looks_up_the_org_tree_when_the_team_has_no_lead(people, units):
    from zhudai.accounts.choices import UnitKind
    from zhudai.accounts.models import OrgUnit, Role

    sub_team = OrgUnit.objects.create(name="银川一组A", kind=UnitKind.TEAM, parent=units.yinchuan)
    branch_lead = User.objects.create(username="yc_lead", role=Role.objects.get(code="team_lead"),
                                      org_unit=units.yinchuan)
    seller = User.objects.create(username="yc_sales", role=people.sales1.role, org_unit=sub_team)
    assert handlers.team_lead(seller) == branch_lead


@time_machine.travel(datetime.datetime(2026, 9, 30, 16, 0, tzinfo=SHANGHAI), tick=False)
def test_working_hour_limits_skip_nights_and_the_national_day_holiday(db):
    start = datetime.datetime(2026, 9, 30, 16, 0, tzinfo=SHANGHAI)
    due = add_working_hours(start, 4)
    # 2 hours on 30 September, then the 国庆 holiday (1-7 October); 2 more hours on 8 October.
    assert due.astimezone(SHANGHAI) == datetime.datetime(2026, 10, 8, 11, 0, tzinfo=SHANGHAI)


def test_a_task_records_whether_it_ran_over_its_time_limit(people):
    application = factories.application(people.sales1)
    from zhudai.engines.flow.models import ProcessDefinition

    with time_machine.travel(datetime.datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI), tick=False):
        with acting(people.sales1):
            services.start(people.sales1, ProcessDefinition.objects.get(key="loan_standard"), application)
        [task] = open_tasks(application)
        assert task.due_at == datetime.datetime(2026, 12, 2, 9, 0, tzinfo=SHANGHAI)
    with time_machine.travel(datetime.datetime(2026, 12, 3, 9, 0, tzinfo=SHANGHAI), tick=False):
        assert task.overdue
        act(people.sales1, application)
    row = Transition.objects.get(instance=instance_of(application), node_id="prescreen", action="approve")
    assert row.over_limit is True and row.duration_seconds == 48 * 3600


def test_starting_twice_is_refused(people):
    from zhudai.engines.flow.models import ProcessDefinition

    definition = ProcessDefinition.objects.get(key="loan_standard")
    application = factories.application(people.sales1)
    services.start(people.sales1, definition, application)
    with pytest.raises(FlowError, match="已在审批中"):
        services.start(people.sales1, definition, application)
