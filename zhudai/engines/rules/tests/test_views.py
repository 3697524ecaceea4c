"""The rule pages and the reminders in the to-do center, through HTTP."""

import datetime

import time_machine
from django.urls import reverse
from django.utils import timezone

from zhudai.engines.rules import services
from zhudai.engines.rules.models import Rule, Todo
from zhudai.testing import factories

FORM = {"name": "高额意向客户当天跟进", "subject": "customer", "trigger": "time", "date_field": "created_at",
        "offset": "30", "unit": "minutes", "condition": "expected_amount >= 500000 and not followed_up",
        "actions-TOTAL_FORMS": "1", "actions-INITIAL_FORMS": "0", "actions-0-type": "todo", "actions-0-to": "owner",
        "actions-0-priority": "high", "actions-0-due_hours": "2", "actions-0-title": "高额客户 {{ name }} 请今天跟进"}


def test_only_administrators_manage_rules(people, client_for):
    assert client_for(people.admin).get(reverse("rules:list")).status_code == 200
    assert client_for(people.sales1).get(reverse("rules:list")).status_code == 403
    assert "新线索2小时未跟进" in client_for(people.admin).get(reverse("rules:list")).content.decode()


def test_an_administrator_writes_tests_and_enables_a_rule(people, client_for):
    admin = client_for(people.admin)
    response = admin.post(reverse("rules:add"), {**FORM, "condition": "expected_amont >= 1", "is_enabled": "on"})
    assert "是否想写“expected_amount”" in response.content.decode()
    assert not Rule.objects.filter(name=FORM["name"]).exists()
    admin.post(reverse("rules:add"), FORM)
    rule = Rule.objects.get(name=FORM["name"])
    assert not rule.is_enabled and rule.actions[0]["title"] == "高额客户 {{ name }} 请今天跟进"
    big = factories.customer(people.sales1, name="大客户", expected_amount=800000)
    factories.customer(people.sales1, name="小客户", expected_amount=20000)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=40), tick=False):
        page = admin.get(reverse("rules:test", args=[rule.pk])).content.decode()
        assert "大客户" in page and "小客户" not in page
    admin.post(reverse("rules:toggle", args=[rule.pk]))
    rule.refresh_from_db()
    assert rule.is_enabled and rule.watched_from is not None
    Rule.objects.filter(pk=rule.pk).update(watched_from=big.created_at - datetime.timedelta(minutes=1))
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=31), tick=False):
        services.tick()
    assert list(Todo.objects.filter(rule=rule).values_list("user__username", "title")) == [
        ("sales1", "高额客户 大客户 请今天跟进")]
    assert "大客户" in admin.get(reverse("rules:log", args=[rule.pk])).content.decode()


def test_reminders_show_in_the_todo_center_and_are_done_in_one_click(people, client_for):
    todo = Todo.objects.create(user=people.sales1, title="客户 沈刚 已3天未跟进", url="/customers/1/", priority="high",
                               due_at=timezone.now() + datetime.timedelta(hours=3))
    services._todos_changed()
    client = client_for(people.sales1)
    page = client.get(reverse("flow:todo")).content.decode()
    assert "客户 沈刚 已3天未跟进" in page and '<span class="nav-count">1</span>' in page and "紧急" in page
    client.post(reverse("rules:todo_done", args=[todo.pk]), {"next": reverse("flow:todo")})
    todo.refresh_from_db()
    assert todo.done_at is not None
    assert "客户 沈刚" not in client.get(reverse("flow:todo")).content.decode()
    assert client_for(people.sales2).post(reverse("rules:todo_done", args=[todo.pk])).status_code == 302
    assert Todo.objects.filter(pk=todo.pk, done_at__isnull=False).count() == 1


def test_enabling_a_broken_rule_is_refused_with_the_reason(people, client_for):
    rule = Rule.objects.create(name="坏规则", subject="customer", trigger="time", date_field="created_at", offset=1,
                               condition="stge == 1", actions=[{"type": "todo", "to": "owner"}])
    response = client_for(people.admin).post(reverse("rules:toggle", args=[rule.pk]), follow=True)
    assert "不能启用" in response.content.decode() and "stage" in response.content.decode()
    rule.refresh_from_db()
    assert not rule.is_enabled


def test_saving_an_unchanged_rule_keeps_its_actions(people, client_for):
    rule = Rule.objects.get(code="new_lead_2h")
    data = {"name": rule.name, "subject": rule.subject, "trigger": rule.trigger, "date_field": rule.date_field,
            "offset": rule.offset, "unit": rule.unit, "condition": rule.condition, "is_enabled": "on",
            "actions-TOTAL_FORMS": str(len(rule.actions) + 1), "actions-INITIAL_FORMS": str(len(rule.actions))}
    for n, action in enumerate(rule.actions):
        data.update({f"actions-{n}-{k}": v for k, v in action.items()})
    data.update({f"actions-{len(rule.actions)}-type": "todo", f"actions-{len(rule.actions)}-priority": "low"})
    response = client_for(people.admin).post(reverse("rules:edit", args=[rule.pk]), data)
    assert response.status_code == 302
    saved = Rule.objects.get(pk=rule.pk)
    assert [a["to"] for a in saved.actions] == ["owner", "owner_lead"] and saved.is_enabled
