"""Custom fields added in the UI appear in the form, validate, save, show and filter."""

import pytest
from django.db import connection
from django.urls import reverse

from zhudai.accounts.models import Role
from zhudai.customers.models import Customer, Stage
from zhudai.engines.forms.models import FieldDefinition
from zhudai.testing import factories

pytestmark = pytest.mark.django_db


def define(client, **fields):
    data = {"model_key": "customer", "section": "补充信息", "order": 0, "is_active": "on", **fields}
    return client.post(reverse("fields:create"), data)


def base_form(**extra):
    return {"name": "杨帆", "mobile": "13995110000", "stage": Stage.objects.get(code="new").pk, **extra}


@pytest.fixture
def fields(people, client_for):
    admin = client_for(people.admin)
    define(admin, label="社保缴纳年限", key="social_years", field_type="number", required="on")
    define(admin, label="房产类型", key="house_type", field_type="choice", choices_text="商品房\n自建房\n无")
    define(admin, label="公积金", key="has_fund", field_type="boolean")
    define(admin, label="配偶手机", key="spouse_phone", field_type="phone")
    define(admin, label="授信日期", key="credit_date", field_type="date")
    return {d.key: d for d in FieldDefinition.objects.all()}


def test_a_field_defined_in_the_ui_appears_validates_saves_shows_and_filters(people, client_for, fields):
    assert len(fields) == 5
    client = client_for(people.sales1)
    form_page = client.get(reverse("customers:create")).content.decode()
    assert "社保缴纳年限" in form_page and "补充信息" in form_page and "自建房" in form_page

    missing = client.post(reverse("customers:create"), base_form(cf_house_type="商品房"))
    assert "必填项" in missing.content.decode() and not Customer.objects.exists()
    wrong = client.post(reverse("customers:create"), base_form(cf_social_years="很多", cf_spouse_phone="123"))
    assert "电话号码格式不正确" in wrong.content.decode() and not Customer.objects.exists()

    client.post(reverse("customers:create"), base_form(
        cf_social_years="6", cf_house_type="商品房", cf_has_fund="true", cf_spouse_phone="13800138000",
        cf_credit_date="2026-03-05"))
    customer = Customer.objects.get()
    assert customer.custom_fields["social_years"] == 6 and customer.custom_fields["house_type"] == "商品房"
    assert customer.custom_fields["spouse_phone"]["c"].startswith("v1$")  # encrypted like built-in phones

    detail = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "商品房" in detail and "138****8000" in detail and "13800138000" not in detail

    other = factories.customer(people.sales1, name="别人")
    other.custom_fields = {"social_years": 1, "house_type": "无"}
    other.save()
    listing = lambda **q: [c["name"] for c in client.get(reverse("customers:list"), q).context["page"]]  # noqa: E731
    assert listing(cf_house_type="商品房") == ["杨帆"]
    assert listing(cf_social_years_0="3") == ["杨帆"]
    assert listing(cf_social_years_1="3") == ["别人"]
    assert listing(cf_has_fund="true") == ["杨帆"]
    assert listing(cf_spouse_phone="138-0013-8000") == ["杨帆"]
    assert listing(cf_credit_date_0="2026-03-01", cf_credit_date_1="2026-03-31") == ["杨帆"]


def test_no_plaintext_of_sensitive_custom_values_in_the_database(people, client_for, fields):
    client_for(people.sales1).post(reverse("customers:create"), base_form(
        cf_social_years="6", cf_spouse_phone="13800138000"))
    with connection.cursor() as cur:
        cur.execute("SELECT custom_fields FROM customers_customer")
        assert "13800138000" not in str(cur.fetchall())


def test_fields_limited_to_roles_are_hidden_and_kept(people, client_for, fields):
    definition = fields["house_type"]
    definition.view_roles.set([Role.objects.get(code="team_lead")])
    customer = factories.customer(people.sales1)
    customer.custom_fields = {"house_type": "自建房", "social_years": 2}
    customer.save()
    sales = client_for(people.sales1)
    assert "自建房" not in sales.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "自建房" in client_for(people.lead1).get(reverse("customers:detail", args=[customer.pk])).content.decode()
    sales.post(reverse("customers:edit", args=[customer.pk]), base_form(name="改名", mobile="", cf_social_years="3"))
    customer.refresh_from_db()
    assert customer.name == "改名" and customer.custom_fields == {"house_type": "自建房", "social_years": 3}


@pytest.mark.parametrize("data, error", [
    ({"key": "1abc", "label": "x", "field_type": "text"}, "小写字母开头"),
    ({"key": "name", "label": "x", "field_type": "text"}, "与内置字段重名"),
    ({"key": "level", "label": "等级", "field_type": "choice", "choices_text": ""}, "至少需要一个选项"),
])
def test_definitions_are_validated(people, client_for, data, error):
    response = define(client_for(people.admin), **data)
    assert error in response.content.decode()
    assert not FieldDefinition.objects.exists()


def test_file_fields_are_stored_encrypted_and_served_to_those_who_see_the_customer(people, client_for, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    define(client_for(people.admin), label="收入证明", key="income_proof", field_type="file")
    client = client_for(people.sales1)
    client.post(reverse("customers:create"), base_form(
        cf_income_proof=SimpleUploadedFile("收入证明.pdf", b"%PDF income 640104", "application/pdf")))
    customer = Customer.objects.get()
    stored = customer.custom_fields["income_proof"]
    assert b"640104" not in (settings.MEDIA_ROOT / stored["path"]).read_bytes()
    url = reverse("customers:custom_file", args=[customer.pk, "income_proof"])
    assert client.get(url).content == b"%PDF income 640104"
    assert client_for(people.sales3).get(url).status_code == 404
