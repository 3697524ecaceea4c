import re

import pytest
from django.urls import reverse

from zhudai.audit.models import AuditEvent
from zhudai.customers.models import FollowUp, RelatedPerson
from zhudai.testing import factories

pytestmark = pytest.mark.django_db


def test_the_360_page_has_a_bounded_number_of_queries_whatever_the_history(people, client_for,
                                                                           django_assert_max_num_queries):
    customer = factories.customer(people.sales1, id_number=factories.id_number())
    FollowUp.objects.bulk_create([FollowUp(customer=customer, content=f"第{i}次跟进", created_by=people.sales1)
                                  for i in range(200)])
    for relation in ("spouse", "emergency", "guarantor"):
        person = RelatedPerson(customer=customer, relation=relation, name="家属", mobile="13800000000")
        person.save()
    client = client_for(people.sales1)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("customers:detail", args=[customer.pk]))
    page = response.content.decode()
    assert len(re.findall(r"第\d+次跟进", page)) == 200 and "担保人" in page


def test_quick_follow_up_updates_the_timeline_and_next_follow_up(people, client_for):
    customer = factories.customer(people.sales1)
    response = client_for(people.sales1).post(
        reverse("customers:follow_up_add", args=[customer.pk]),
        {"kind": "phone", "content": "客户同意提交征信", "next_follow_up_at": "2030-01-02T10:00"},
        HTTP_HX_REQUEST="true")
    assert "客户同意提交征信" in response.content.decode()
    customer.refresh_from_db()
    assert customer.next_follow_up_at.year == 2030 and customer.last_follow_up_at is not None


def test_an_empty_follow_up_is_refused(people, client_for):
    customer = factories.customer(people.sales1)
    response = client_for(people.sales1).post(reverse("customers:follow_up_add", args=[customer.pk]),
                                              {"kind": "phone", "content": ""}, HTTP_HX_REQUEST="true")
    assert "必填项" in response.content.decode()
    assert not FollowUp.objects.exists()


def test_revealing_shows_the_full_value_and_writes_an_audit_event(people, client_for):
    customer = factories.customer(people.sales1, id_number=factories.id_number(), mobile="13995112345")
    client = client_for(people.sales1)
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "139****2345" in page and "13995112345" not in page
    response = client.post(reverse("customers:reveal", args=[customer.pk, "mobile"]))
    assert "13995112345" in response.content.decode()
    assert AuditEvent.objects.filter(action="reveal", actor=people.sales1, extra__field="mobile").count() == 1


def test_roles_without_the_reveal_permission_only_see_masks(people, client_for):
    customer = factories.customer(people.sales1, bank_card="6222021234567890123")
    client = client_for(people.sales1)  # salespeople may not reveal bank cards
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "6222 **** **** 0123" in page
    assert reverse("customers:reveal", args=[customer.pk, "bank_card"]) not in page
    assert client.post(reverse("customers:reveal", args=[customer.pk, "bank_card"])).status_code == 403
    assert not AuditEvent.objects.filter(action="reveal").exists()


def test_related_persons_are_added_with_their_own_validated_contact_data(people, client_for):
    customer = factories.customer(people.lead1, actor=people.lead1)
    client = client_for(people.lead1)
    bad = client.post(reverse("customers:related_add", args=[customer.pk]),
                      {"relation": "guarantor", "name": "马强", "id_number": "123", "mobile": "13900000000"})
    assert "身份证号应为18位" in bad.content.decode()
    client.post(reverse("customers:related_add", args=[customer.pk]),
                {"relation": "guarantor", "name": "马强", "id_number": factories.id_number(), "mobile": "13900000000"})
    person = customer.related_persons.get()
    assert person.mobile == "13900000000" and person.mobile_bidx
    history = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "担保人 马强" in history


def test_attachments_are_limited_by_type_and_size(people, client_for, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.ATTACHMENT_MAX_BYTES = 1000
    customer = factories.customer(people.sales1)
    client = client_for(people.sales1)
    client.post(reverse("customers:attachment_add", args=[customer.pk]),
                {"kind": "other", "file": SimpleUploadedFile("run.exe", b"MZ", "application/octet-stream")})
    client.post(reverse("customers:attachment_add", args=[customer.pk]),
                {"kind": "other", "file": SimpleUploadedFile("big.pdf", b"x" * 2000, "application/pdf")})
    assert not customer.attachments.exists()
    response = client.post(reverse("customers:attachment_add", args=[customer.pk]),
                           {"kind": "bank_statement", "file": SimpleUploadedFile("流水.pdf", b"%PDF", "application/pdf")},
                           follow=True)
    assert "附件已上传" in response.content.decode()
    download = client.get(reverse("customers:attachment", args=[customer.pk, customer.attachments.get().pk]))
    assert download.content == b"%PDF" and download["Cache-Control"] == "private, no-store"
    assert AuditEvent.objects.filter(action="download").exists()
