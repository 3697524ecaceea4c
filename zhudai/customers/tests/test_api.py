import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from zhudai.audit.models import AuditEvent
from zhudai.customers.models import Customer
from zhudai.testing import factories

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_token_clients_see_their_scope_masked(people):
    mine = factories.customer(people.sales1, mobile="13995112345", id_number=factories.id_number())
    factories.customer(people.sales3)
    data = api(people.sales1).get("/api/v1/customers/").json()
    assert [r["id"] for r in data["results"]] == [mine.pk]
    assert data["results"][0]["mobile"] == "139****2345"
    assert "13995112345" not in str(data) and mine.id_number not in str(data)


def test_unauthenticated_calls_are_refused_in_chinese(db):
    response = APIClient().get("/api/v1/customers/")
    assert response.status_code == 401 and "身份认证" in response.json()["detail"]


def test_creating_through_the_api_validates_like_the_form_and_audits(people):
    client = api(people.sales1)
    bad = client.post("/api/v1/customers/", {"name": "王五", "mobile": "123", "id_number": "640104"}, format="json")
    assert bad.status_code == 400 and "手机号" in str(bad.json()["mobile"]) and "18位" in str(bad.json()["id_number"])
    ok = client.post("/api/v1/customers/", {"name": "王五", "mobile": "13995110001"}, format="json")
    assert ok.status_code == 201 and ok.json()["mobile"] == "139****0001"
    customer = Customer.objects.get(name="王五")
    assert customer.owner == people.sales1
    assert AuditEvent.objects.filter(action="create", subject=f"customer:{customer.pk}").exists()
    dup = client.post("/api/v1/customers/", {"name": "王五", "mobile": "13995110001"}, format="json")
    assert dup.status_code == 400 and "已存在" in str(dup.json())


def test_follow_ups_through_the_api(people):
    customer = factories.customer(people.sales1)
    client = api(people.sales1)
    assert client.post(f"/api/v1/customers/{customer.pk}/follow-ups/", {"kind": "phone", "content": "已电话联系"},
                       format="json").status_code == 201
    assert client.get(f"/api/v1/customers/{customer.pk}/follow-ups/").json()[0]["content"] == "已电话联系"
    assert api(people.sales3).get(f"/api/v1/customers/{customer.pk}/follow-ups/").status_code == 404


def test_the_openapi_schema_is_served(people):
    response = api(people.sales1).get("/api/v1/schema/")
    assert response.status_code == 200 and b"/api/v1/customers/" in response.content
