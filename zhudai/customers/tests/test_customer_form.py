import pytest
from django.urls import reverse

from zhudai.audit.models import AuditEvent
from zhudai.customers.models import Customer, Stage
from zhudai.testing import factories

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {"name": "李建国", "mobile": "13995112345", "id_number": factories.id_number(region="640122", sequence=123),
            "expected_amount": "5万", "monthly_income": "8,000", "loan_type": "credit",
            "stage": Stage.objects.get(code="new").pk}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_creating_a_customer_derives_identity_from_the_id_number(people, client_for):
    response = client_for(people.sales1).post(reverse("customers:create"), form_data())
    customer = Customer.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("customers:detail", args=[customer.pk])
    assert customer.owner == people.sales1 and customer.org_unit == people.sales1.org_unit
    assert customer.gender == "M" and customer.birth_date.year == 1988
    assert customer.native_region == "宁夏回族自治区贺兰县"
    assert str(customer.expected_amount) == "50000.00" and str(customer.monthly_income) == "8000.00"
    assert customer.name_initials == "ljg"
    assert AuditEvent.objects.filter(action="create", subject=f"customer:{customer.pk}").exists()


@pytest.mark.parametrize("field, value, message", [
    ("id_number", "640122198805170001", "校验位"),
    ("mobile", "1399511234", "手机号"),
    ("expected_amount", "五万", "金额格式"),
    ("name", "", "必填项"),
])
def test_bad_input_is_refused_with_a_clear_message_and_nothing_saved(people, client_for, field, value, message):
    response = client_for(people.sales1).post(reverse("customers:create"), form_data(**{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Customer.objects.exists()


def test_an_id_number_that_exists_blocks_the_save(people, client_for):
    existing = factories.customer(people.sales3, id_number=factories.id_number())
    response = client_for(people.sales1).post(reverse("customers:create"), form_data(id_number=existing.id_number))
    text = response.content.decode()
    assert "已存在于其他业务员的客户中" in text and people.sales3.display_name not in text
    assert Customer.objects.count() == 1


def test_a_shared_phone_warns_and_saves_after_confirmation(people, client_for):
    factories.customer(people.sales1, name="张建军", mobile="13995112345")
    client = client_for(people.sales1)
    response = client.post(reverse("customers:create"), form_data())
    assert "可能是重复录入" in response.content.decode() and "张建军" in response.content.decode()
    assert Customer.objects.count() == 1
    client.post(reverse("customers:create"), form_data(confirm_duplicate="on"))
    assert Customer.objects.count() == 2


def test_editing_never_sends_the_full_sensitive_values_to_the_browser(people, client_for):
    customer = factories.customer(people.sales1, id_number=factories.id_number(), mobile="13995112345")
    page = client_for(people.sales1).get(reverse("customers:edit", args=[customer.pk])).content.decode()
    assert "13995112345" not in page and customer.id_number not in page
    assert "139****2345" in page


def test_editing_with_sensitive_fields_left_empty_keeps_them_and_audits_masked_changes(people, client_for):
    customer = factories.customer(people.sales1, id_number=factories.id_number(), mobile="13995112345")
    data = form_data(id_number="", mobile="", name="李建军", backup_phone="13800001111")
    client_for(people.sales1).post(reverse("customers:edit", args=[customer.pk]), data)
    customer.refresh_from_db()
    assert customer.name == "李建军" and customer.mobile == "13995112345" and customer.id_number
    event = AuditEvent.objects.filter(action="update").latest("id")
    assert event.changes["name"] == ["张三", "李建军"]
    assert event.changes["backup_phone"] == ["", "138****1111"]
    assert "id_number" not in event.changes


def test_salesperson_cannot_delete_or_merge(people, client_for):
    customer = factories.customer(people.sales1)
    client = client_for(people.sales1)
    assert client.post(reverse("customers:delete", args=[customer.pk])).status_code == 404
    assert client.get(reverse("customers:merge", args=[customer.pk])).status_code == 404
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_admin_deletes_with_confirmation_and_audit(people, client_for):
    customer = factories.customer(people.sales1)
    client = client_for(people.admin)
    assert "确认删除" in client.get(reverse("customers:delete", args=[customer.pk])).content.decode()
    client.post(reverse("customers:delete", args=[customer.pk]))
    assert not Customer.objects.filter(pk=customer.pk).exists()
    assert AuditEvent.objects.filter(action="delete", object_id=str(customer.pk)).exists()
