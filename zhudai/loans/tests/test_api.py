"""/api/v1/loans and /api/v1/tasks: scope, masking, history, and acting through the same service."""

from zhudai.customers.tests.test_api import api
from zhudai.engines.flow.tests.helpers import act, node_ids, submitted, task_for
from zhudai.testing import factories


def test_loans_are_listed_in_the_callers_scope_with_the_account_masked(people):
    mine = submitted(people.sales1)
    submitted(people.sales3)
    mine.disbursement_account = "6222021203004567890"
    mine.save()
    client = api(people.sales1)
    data = client.get("/api/v1/loans/").json()
    assert [r["number"] for r in data["results"]] == [mine.number]
    assert data["results"][0]["disbursement_account"].endswith("7890")
    assert "6222021203004567890" not in str(data)
    assert api(people.gm).get("/api/v1/loans/").json()["count"] == 2
    other = submitted(people.sales3)
    assert client.get(f"/api/v1/loans/{other.pk}/").status_code == 404


def test_the_history_of_an_application(people):
    application = submitted(people.sales1)
    act(people.sales1, application, comment="预审通过")
    rows = api(people.sales1).get(f"/api/v1/loans/{application.pk}/history/").json()
    assert [r["action"] for r in rows][:4] == ["submit", "auto", "route", "approve"]
    assert rows[3]["comment"] == "预审通过"


def test_my_tasks_and_acting_on_one_through_the_api(people):
    application = submitted(people.sales1)
    client = api(people.sales1)
    [task] = client.get("/api/v1/tasks/").json()["results"]
    assert task["application"] == application.pk and task["node_name"] == "资质预审"
    assert client.post(f"/api/v1/tasks/{task['id']}/act/", {"action": "approve", "comment": "ok"}).status_code == 200
    assert node_ids(application) == ["documents"]
    refused = client.post(f"/api/v1/tasks/{task_for(application, people.sales1).pk}/act/", {"action": "approve"})
    assert refused.status_code == 400 and "必备材料" in str(refused.json())
    assert api(people.sales3).post(f"/api/v1/tasks/{task['id']}/act/", {"action": "approve"}).status_code == 400


def test_a_draft_is_not_a_task(people):
    factories.application(people.sales1)
    assert api(people.sales1).get("/api/v1/tasks/").json()["count"] == 0
