"""The rules engine with time-machine: every trigger type, the shipped defaults, once-only firing,
the actions, and the errors a rule is refused with."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from zhudai.customers.models import Customer
from zhudai.engines.rules import services
from zhudai.engines.rules.models import Firing, Rule, Todo
from zhudai.notify import services as notify
from zhudai.notify.models import Message, Notification
from zhudai.testing import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)


def at(moment):
    return time_machine.travel(moment, tick=False)


def _ticks(start, minutes):
    """Run the scheduler once a minute from `start` for `minutes`."""
    fired = 0
    for n in range(minutes + 1):
        with at(start + datetime.timedelta(minutes=n)):
            fired += services.tick()
    return fired


@pytest.fixture
def rules(db):
    """The shipped rules, watching from T0."""
    Rule.objects.update(watched_from=T0, checked_until=None)
    return {r.code: r for r in Rule.objects.all()}


def test_a_new_lead_not_followed_up_within_two_hours_gives_the_owner_and_lead_a_todo(people, rules):
    with at(T0 + datetime.timedelta(minutes=5)):
        lead = factories.customer(people.sales1, name="马小燕")
        called = factories.customer(people.sales1, name="白建国")
        factories.follow_up(called, people.sales1)
    with at(T0 + datetime.timedelta(minutes=10)):
        assert services.tick() == 0  # not yet
    _ticks(T0 + datetime.timedelta(hours=2, minutes=4), 3)
    todos = list(Todo.objects.values_list("user__username", "title", "priority"))
    assert todos == [("sales1", "新线索2小时未跟进：马小燕", "high"), ("lead1", "刘业务 的新线索 马小燕 2小时未跟进", "normal")]
    assert Firing.objects.get(rule=rules["new_lead_2h"]).subject_id == lead.pk


def test_the_two_hours_of_a_lead_from_the_pool_start_when_it_is_claimed(people, rules):
    from zhudai.customers import assignment

    with at(T0 + datetime.timedelta(minutes=1)):
        pooled = assignment.take_lead(people.admin, Customer(name="公海客户", mobile=factories.mobile()))[0]
        assert pooled.owner is None and pooled.assigned_at is None
    with at(T0 + datetime.timedelta(days=2)):
        services.tick()  # two days in the pool: nobody's lead, no reminder
        assert assignment.claim(people.sales1, [pooled.pk]) == 1
    claimed = T0 + datetime.timedelta(days=2)
    _ticks(claimed + datetime.timedelta(hours=1, minutes=58), 4)
    assert list(Todo.objects.values_list("user__username", flat=True)) == ["sales1", "lead1"]
    # Reassigned to sales2, who calls within the two hours: a new occurrence, and no reminder.
    with at(claimed + datetime.timedelta(hours=3)):
        from zhudai.customers.services import assign_customers

        assign_customers(people.admin, [Customer.objects.get(pk=pooled.pk)], people.sales2)
    with at(claimed + datetime.timedelta(hours=4)):
        factories.follow_up(Customer.objects.get(pk=pooled.pk), people.sales2)
    _ticks(claimed + datetime.timedelta(hours=4, minutes=58), 4)
    assert not Todo.objects.filter(user=people.sales2).exists()


def test_an_inactivity_rule_counts_from_the_assignment_only_where_the_subject_has_one(people):
    rule = Rule(name="x", subject="loan_application", trigger="inactivity", since="assignment", offset=2,
                unit="hours", actions=[{"type": "todo", "to": "owner", "title": "t"}])
    assert any("没有分配时间" in p for p in services.validate(rule))


def test_a_rule_fires_once_per_record_and_occurrence_however_often_it_ticks(people, rules):
    with at(T0 + datetime.timedelta(minutes=1)):
        factories.customer(people.sales1)
    first = _ticks(T0 + datetime.timedelta(hours=2), 3)
    with at(T0 + datetime.timedelta(hours=2, minutes=3)):
        Rule.objects.update(checked_until=None)  # a restarted scheduler that lost its place
        again = services.tick() + services.tick()
    assert (first, again) == (1, 0)
    assert Todo.objects.filter(user=people.sales1).count() == 1


def test_once_only_without_insert_returning(people, rules, monkeypatch):
    """SQLite before 3.35 has no RETURNING: the claim reads the inserted row's id instead."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL always has RETURNING")
    monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", False)
    with at(T0 + datetime.timedelta(minutes=1)):
        factories.customer(people.sales1)
    assert _ticks(T0 + datetime.timedelta(hours=2), 3) == 1
    with at(T0 + datetime.timedelta(hours=2, minutes=3)):
        Rule.objects.update(checked_until=None)
        assert services.tick() == 0
    firing = Firing.objects.get()
    assert [d["type"] for d in firing.detail] == ["todo", "todo"]


def test_enabling_a_rule_never_replays_the_past(people):
    with at(T0):
        factories.customer(people.sales1)
    rule = Rule.objects.get(code="new_lead_2h")
    rule.is_enabled = False
    services.save_rule(people.admin, rule)
    with at(T0 + datetime.timedelta(days=3)):
        rule.is_enabled = True
        services.save_rule(people.admin, rule)
        services.tick()
        assert not Firing.objects.filter(rule=rule).exists()
        assert [c.name for c, _b in services.matching_now(rule)] == ["张三"]  # the test button still shows it


def test_no_follow_up_for_three_days_restarts_after_each_follow_up(people, rules):
    with at(T0):
        customer = factories.customer(people.sales1, name="沈刚")
    _ticks(T0 + datetime.timedelta(days=3), 2)
    assert Todo.objects.filter(user=people.sales1, title="客户 沈刚 已3天未跟进").count() == 1
    with at(T0 + datetime.timedelta(days=3, minutes=5)):
        notify.deliver_due()
    assert Notification.objects.filter(user=people.lead1, title="刘业务 的客户 沈刚 已3天未跟进").exists()
    with at(T0 + datetime.timedelta(days=3, hours=1)):
        factories.follow_up(Customer.objects.get(pk=customer.pk), people.sales1)
    _ticks(T0 + datetime.timedelta(days=6, hours=1), 2)
    assert Todo.objects.filter(user=people.sales1, title="客户 沈刚 已3天未跟进").count() == 2


def test_closed_customers_are_left_alone(people, rules):
    from zhudai.customers.models import Stage

    with at(T0):
        factories.customer(people.sales1, stage=Stage.objects.get(code="lost"))
    _ticks(T0 + datetime.timedelta(days=3), 2)
    assert not Todo.objects.filter(title__contains="3天未跟进").exists()


def test_birthday_tomorrow_once_a_year(people, rules):
    with at(T0):
        factories.customer(people.sales1, name="生日客户", id_number=factories.id_number(birth=datetime.date(1980, 12, 3)))
    midnight = datetime.datetime(2026, 12, 2, 0, 0, tzinfo=SHANGHAI)
    _ticks(midnight - datetime.timedelta(minutes=2), 4)
    _ticks(midnight + datetime.timedelta(hours=9), 2)
    assert list(Todo.objects.filter(rule=rules["birthday_tomorrow"]).values_list("title", flat=True)) == [
        "明天是 生日客户 的生日"]


def test_an_approval_step_over_24_hours_escalates(people, rules):
    from zhudai.engines.flow.tests.helpers import submitted

    with at(T0):
        application = submitted(people.sales1)
    _ticks(T0 + datetime.timedelta(hours=24), 2)
    todo = Todo.objects.get(rule=rules["approval_24h"])
    assert todo.user == people.sales1 and todo.priority == "high" and "资质预审" in todo.title
    assert application.number in todo.body
    with at(T0 + datetime.timedelta(hours=24, minutes=5)):
        notify.deliver_due()
    assert Notification.objects.filter(user=people.gm, title__startswith="审批超时：资质预审").exists()


def test_a_task_over_its_time_limit_fires_when_the_limit_passes(people):
    from zhudai.engines.flow.models import Task
    from zhudai.engines.flow.tests.helpers import submitted

    rule = services.save_rule(people.admin, Rule(
        name="审批超时限", subject="task", trigger="time", date_field="due_at", offset=0, unit="minutes",
        condition='status == "open"', is_enabled=True,
        actions=[{"type": "todo", "to": "user:gm", "title": "超时限：{{ step }}"}]))
    Rule.objects.filter(pk=rule.pk).update(watched_from=T0)
    with at(T0):
        submitted(people.sales1)
    task = Task.objects.filter(status="open").order_by("id").first()
    assert task.due_at is not None
    with at(task.due_at - datetime.timedelta(minutes=1)):
        assert services.tick() == 0
    _ticks(task.due_at, 2)
    assert Todo.objects.get(rule=rule).user == people.gm


def test_a_handled_step_does_not_escalate(people, rules):
    from zhudai.engines.flow.tests.helpers import act, submitted

    with at(T0):
        application = submitted(people.sales1)
        act(people.sales1, application)  # prescreen done; documents now waits
    with at(T0 + datetime.timedelta(hours=1)):
        pass
    _ticks(T0 + datetime.timedelta(hours=24), 2)
    assert [t.title for t in Todo.objects.filter(rule=rules["approval_24h"])] == ["审批超时：资料收集与审核"]


def test_a_month_after_disbursement_the_salesperson_revisits(people, rules):
    from zhudai.loans.models import LoanApplication

    application = factories.application(people.sales1)
    LoanApplication.objects.filter(pk=application.pk).update(status="disbursed", disbursed_at=datetime.date(2026, 11, 2))
    _ticks(datetime.datetime(2026, 12, 2, 0, 0, tzinfo=SHANGHAI) - datetime.timedelta(minutes=1), 3)
    assert Todo.objects.get(rule=rules["postloan_revisit"]).title == f"贷后回访：{application.number} 张三"


def test_actions_set_a_field_assign_and_call_a_webhook(people):
    from zhudai.notify.tests.fakes import FakeGateway

    with FakeGateway(lambda request: (200, {})) as gateway:
        rule = services.save_rule(people.admin, Rule(
            name="2天无人跟进的新线索转给主管", subject="customer", trigger="time", date_field="created_at", offset=2,
            unit="days", condition='stage == "new" and not followed_up', is_enabled=True, actions=[
                {"type": "set_field", "field": "stage", "value": "contacted"},
                {"type": "assign", "to": "user:lead1"},
                {"type": "webhook", "address": f"{gateway.url}/hook", "title": "{{ name }} 已转给主管"}]))
        Rule.objects.filter(pk=rule.pk).update(watched_from=T0)
        with at(T0):
            customer = factories.customer(people.sales1, name="欧阳")
        _ticks(T0 + datetime.timedelta(days=2), 1)
        with at(T0 + datetime.timedelta(days=2, minutes=2)):
            notify.deliver_due()
        customer.refresh_from_db()
        assert (customer.stage.code, customer.owner) == ("contacted", people.lead1)
        assert b"\\u6b27\\u9633" in gateway.requests[0]["body"] or "欧阳".encode() in gateway.requests[0]["body"]
    firing = Firing.objects.get(rule=rule)
    assert firing.ok and [d["type"] for d in firing.detail] == ["set_field", "assign", "webhook"]


def test_a_follow_up_task_lands_on_the_customers_calendar(people):
    from zhudai.audit.models import AuditEvent

    rule = services.save_rule(people.admin, Rule(
        name="放款后一周回访", subject="loan_application", trigger="time", date_field="created_at", offset=1,
        unit="hours", actions=[{"type": "follow_up", "due_hours": 168}]))
    with at(T0):
        customer = factories.customer(people.sales1, name="回访客户")
        application = factories.application(people.sales1, customer)
        detail, ok = services.run_actions(rule, application, T0)
    customer.refresh_from_db()
    assert ok and customer.next_follow_up_at == T0 + datetime.timedelta(days=7)
    assert AuditEvent.objects.filter(object_id=str(customer.pk), action="update",
                                     extra__reason="放款后一周回访").exists()
    with at(T0):  # a later one does not push back the follow-up already planned
        services.run_actions(Rule(name="y", subject="customer", actions=[{"type": "follow_up", "due_hours": 400}]),
                             customer, T0)
    customer.refresh_from_db()
    assert customer.next_follow_up_at == T0 + datetime.timedelta(days=7)
    task_rule = Rule(name="x", subject="task", trigger="event", event="created", actions=[{"type": "follow_up"}])
    assert any("不能安排跟进" in p for p in services.validate(task_rule))


def test_an_action_that_fails_is_logged_and_the_others_still_run(people):
    rule = services.save_rule(people.admin, Rule(
        name="短信提醒", subject="customer", trigger="time", date_field="created_at", offset=1, unit="hours",
        is_enabled=True, actions=[{"type": "assign", "to": "user:nobody"},
                                  {"type": "notify", "channel": "sms", "template": "SMS_1", "body": "您好 {{ name }}"}]))
    Rule.objects.filter(pk=rule.pk).update(watched_from=T0)
    with at(T0):
        factories.customer(people.sales1, mobile="13951100321")
    _ticks(T0 + datetime.timedelta(hours=1), 1)
    firing = Firing.objects.get(rule=rule)
    assert not firing.ok and "找不到" in firing.detail[0]["error"] and firing.detail[1]["channel"] == "sms"
    sms = Message.objects.get(channel="sms")
    assert sms.address == "13951100321" and sms.address_label == "139****0321" and sms.customer_facing


@pytest.mark.parametrize("changes, expected", [
    ({"condition": "stge == 1"}, "是否想写“stage”"),
    ({"condition": "age >"}, "不完整"),
    ({"date_field": "nope"}, "时间字段"),
    ({"actions": []}, "至少需要一个动作"),
    ({"actions": [{"type": "todo", "to": "boss"}]}, "接收人“boss”无效"),
    ({"actions": [{"type": "todo", "to": "owner", "title": "{% if %}"}]}, "模板写法有误"),
    ({"actions": [{"type": "set_field", "field": "mobile"}]}, "不能由规则修改"),
    ({"actions": [{"type": "webhook", "address": "ftp://x"}]}, "http"),
])
def test_a_rule_with_a_mistake_cannot_be_enabled(people, changes, expected):
    rule = Rule(name="x", subject="customer", trigger="time", date_field="created_at", offset=1, unit="hours",
                is_enabled=True, actions=[{"type": "todo", "to": "owner"}])
    for key, value in changes.items():
        setattr(rule, key, value)
    with pytest.raises(ValidationError) as exc:
        services.save_rule(people.admin, rule)
    assert any(expected in m for m in exc.value.messages), exc.value.messages
    rule.is_enabled = False
    services.save_rule(people.admin, rule)  # a draft may be saved with its problems listed


def test_working_time_offsets_skip_the_night(people):
    rule = services.save_rule(people.admin, Rule(
        name="工作时间2小时", subject="customer", trigger="time", date_field="created_at", offset=2, unit="hours",
        working_time=True, is_enabled=True, actions=[{"type": "todo", "to": "owner", "title": "跟进 {{ name }}"}]))
    evening = datetime.datetime(2026, 12, 1, 17, 30, tzinfo=SHANGHAI)
    Rule.objects.filter(pk=rule.pk).update(watched_from=evening)
    with at(evening):
        factories.customer(people.sales1, name="晚到的线索")
    _ticks(evening + datetime.timedelta(hours=2), 2)
    assert not Todo.objects.filter(rule=rule).exists()  # 19:30: outside working hours
    next_morning = datetime.datetime(2026, 12, 2, 10, 30, tzinfo=SHANGHAI)  # 0.5 h yesterday + 1.5 h today
    _ticks(next_morning - datetime.timedelta(minutes=1), 2)
    assert Todo.objects.filter(rule=rule, title="跟进 晚到的线索").count() == 1


def _event_rule(admin, **fields):
    base = {"name": "事件规则", "subject": "customer", "trigger": "event", "is_enabled": True,
            "actions": [{"type": "todo", "to": "owner_lead", "title": "{{ name }}：{{ stage }}"}]}
    return services.save_rule(admin, Rule(**{**base, **fields}))


def test_an_event_rule_acts_after_the_change_commits_once_per_event(people, django_capture_on_commit_callbacks):
    from zhudai.customers import services as customer_services

    _event_rule(people.admin, event="stage_changed", condition='stage == "approving"')
    customer = factories.customer(people.sales1, name="事件客户")
    with django_capture_on_commit_callbacks(execute=True):
        customer_services.set_stage(people.sales1, customer, "contacted")
    with django_capture_on_commit_callbacks(execute=True):
        customer_services.set_stage(people.sales1, customer, "approving")
    assert list(Todo.objects.values_list("user__username", "title")) == [("lead1", "事件客户：待审批")]


def test_a_field_changed_condition_reads_the_changed_fields(people, django_capture_on_commit_callbacks):
    from zhudai.customers import services as customer_services

    _event_rule(people.admin, event="updated", condition='"expected_amount" in changed and expected_amount >= 300000',
                actions=[{"type": "notify", "channel": "in_app", "to": "owner_lead", "title": "{{ name }} 提高了期望金额"}])
    customer = factories.customer(people.sales1, name="加额客户", expected_amount=100000)
    before = customer_services.snapshot(customer)
    customer.city = "银川"
    with django_capture_on_commit_callbacks(execute=True):
        customer_services.update_customer(people.sales1, customer, before)
    before = customer_services.snapshot(customer)
    customer.expected_amount = 500000
    with django_capture_on_commit_callbacks(execute=True):
        customer_services.update_customer(people.sales1, customer, before)
    assert list(Message.objects.values_list("subject", flat=True)) == ["加额客户 提高了期望金额"]


def test_a_rolled_back_change_fires_nothing(people, django_capture_on_commit_callbacks):
    from django.db import transaction

    from zhudai.customers import services as customer_services

    _event_rule(people.admin, event="stage_changed")
    customer = factories.customer(people.sales1)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            customer_services.set_stage(people.sales1, customer, "contacted")
            raise RuntimeError
    assert not Todo.objects.exists()


def test_a_task_event_rule(people, django_capture_on_commit_callbacks):
    from zhudai.engines.flow.tests.helpers import act, submitted

    services.save_rule(people.admin, Rule(
        name="预审完成抄送主管", subject="task", trigger="event", event="completed", is_enabled=True,
        condition='node_id == "prescreen"',
        actions=[{"type": "notify", "channel": "in_app", "to": "user:lead1", "title": "预审完成：{{ record }}"}]))
    with django_capture_on_commit_callbacks(execute=True):
        application = submitted(people.sales1)
    with django_capture_on_commit_callbacks(execute=True):
        act(people.sales1, application)
    assert list(Message.objects.filter(user=people.lead1, subject__startswith="预审完成").values_list(
        "subject", flat=True)) == [f"预审完成：{application.number} 张三 3万"]


def test_an_event_rule_needs_an_event(people):
    with pytest.raises(ValidationError, match="请选择事件"):
        _event_rule(people.admin, event="")


def test_a_customer_who_keeps_the_lunar_birthday_is_reminded_on_its_day(people, rules):
    # Born 1980-12-03 = lunar 10-26; in 2026 lunar 10-26 falls on 4 December.
    with at(T0):
        factories.customer(people.sales1, name="农历客户", lunar_birthday=True,
                           id_number=factories.id_number(birth=datetime.date(1980, 12, 3)))
        factories.customer(people.sales1, name="公历客户", id_number=factories.id_number(birth=datetime.date(1975, 12, 3)))
    assert Customer.objects.get(name="农历客户").lunar_birth_md == 1026
    _ticks(datetime.datetime(2026, 12, 2, 0, 0, tzinfo=SHANGHAI) - datetime.timedelta(minutes=1), 2)
    birthday = rules["birthday_tomorrow"]
    assert list(Todo.objects.filter(rule=birthday).values_list("title", flat=True)) == ["明天是 公历客户 的生日"]
    _ticks(datetime.datetime(2026, 12, 3, 0, 0, tzinfo=SHANGHAI) - datetime.timedelta(minutes=1), 2)
    assert sorted(Todo.objects.filter(rule=birthday).values_list("title", flat=True)) == [
        "明天是 公历客户 的生日", "明天是 农历客户 的生日"]
