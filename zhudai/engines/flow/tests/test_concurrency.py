"""Two people acting on the same task at the same moment: exactly one action takes effect.

Real threads with their own database connections, on PostgreSQL (where the instance row lock and
the compare-and-set close of the task are what keep the second action out)."""

import threading

import pytest
from django.db import connection, connections

from zhudai.accounts.models import User
from zhudai.core.context import acting
from zhudai.engines.flow import services
from zhudai.engines.flow.choices import Action
from zhudai.engines.flow.models import Transition
from zhudai.engines.flow.services import FlowError
from zhudai.testing import factories

from .helpers import instance_of, open_tasks, process, standard_spec

pytestmark = pytest.mark.django_db(transaction=True)


def _at_once(*calls):
    """Run the calls in threads released together; returns each one's result or exception."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # noqa: BLE001  the test inspects what each thread got
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested with threads on PostgreSQL (SQLite serialises every write)")


def _claimable_application(people):
    data = standard_spec()
    next(n for n in data["nodes"] if n["id"] == "prescreen")["handlers"] = [
        {"kind": "role", "role": "risk", "mode": "claim"}]
    definition = process(data, "race", people.admin)
    application = factories.application(people.sales1)
    with acting(people.sales1):
        services.start(people.sales1, definition, application)
    return application


def test_two_members_approving_one_claimable_task_at_once(postgres_only, people):
    second = User.objects.create(username="risk2", role=people.risk.role, org_unit=people.risk.org_unit)
    application = _claimable_application(people)
    [task] = open_tasks(application)

    def approve(user):
        return lambda: services.act(user, task.pk, Action.APPROVE, comment=f"{user.username} 同意")

    results = _at_once(approve(people.risk), approve(second))
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], FlowError), results
    assert "已被他人" in errors[0].messages[0] or "已由" in errors[0].messages[0]
    instance = instance_of(application)
    assert Transition.objects.filter(instance=instance, action=Action.APPROVE).count() == 1
    assert [t.node_id for t in open_tasks(application)] == ["documents"]
    assert instance.revision == 2  # the submission, then the one approval that took effect


def test_a_double_click_approves_once(postgres_only, people):
    application = _claimable_application(people)
    [task] = open_tasks(application)
    services.claim(people.risk, task.pk)
    results = _at_once(*[lambda: services.act(people.risk, task.pk, Action.APPROVE, comment="同意")] * 3)
    assert sum(1 for r in results if isinstance(r, FlowError)) == 2, results
    assert Transition.objects.filter(instance=instance_of(application), action=Action.APPROVE).count() == 1
    assert len(open_tasks(application)) == 1


def test_approve_and_withdraw_at_once_leave_a_consistent_instance(postgres_only, people):
    application = _claimable_application(people)
    [task] = open_tasks(application)
    services.claim(people.risk, task.pk)
    instance = instance_of(application)
    results = _at_once(lambda: services.act(people.risk, task.pk, Action.APPROVE, comment="同意"),
                       lambda: services.withdraw(people.sales1, instance.pk, "客户不要了"))
    instance.refresh_from_db()
    approvals = Transition.objects.filter(instance=instance, action=Action.APPROVE).count()
    if isinstance(results[0], Exception):  # the withdrawal came first
        assert instance.status == "withdrawn" and approvals == 0 and open_tasks(application) == []
    else:  # the approval came first: a decision by someone else, so no withdrawal
        assert isinstance(results[1], FlowError) and instance.status == "running" and approvals == 1
