"""Two schedulers ticking at the same moment (threads with their own connections, on PostgreSQL):
every occurrence fires once."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from zhudai.engines.flow.tests.test_concurrency import _at_once
from zhudai.engines.rules import services
from zhudai.engines.rules.models import Firing, Rule, Todo
from zhudai.testing import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_schedulers_fire_each_occurrence_once(people):
    if connection.vendor != "postgresql":
        pytest.skip("tested with threads on PostgreSQL")
    rule = services.save_rule(people.admin, Rule(
        name="新线索", subject="customer", trigger="time", date_field="created_at", offset=1, unit="hours",
        is_enabled=True, actions=[{"type": "todo", "to": "owner", "title": "跟进 {{ name }}"}]))
    start = timezone.now()
    Rule.objects.filter(pk=rule.pk).update(watched_from=start - datetime.timedelta(minutes=1))
    for n in range(30):
        factories.customer(people.sales1, name=f"线索{n}")
    later = start + datetime.timedelta(hours=1, minutes=5)
    with time_machine.travel(later, tick=False):
        results = _at_once(services.tick, services.tick, services.tick)
    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == 30
    assert Firing.objects.filter(rule=rule).count() == 30 == Todo.objects.filter(rule=rule).count()
