import pytest
from django.urls import reverse

from zhudai.audit.models import AuditEvent
from zhudai.customers.models import Customer
from zhudai.testing import factories

pytestmark = pytest.mark.django_db


def test_handover_moves_every_customer_and_deactivates_the_leaver(people, client_for):
    import datetime

    from django.utils import timezone

    for i in range(3):
        factories.customer(people.sales1, name=f"客户{i}", next_follow_up_at=timezone.now() + datetime.timedelta(days=i))
    client = client_for(people.admin)
    preview = client.post(reverse("accounts:handover"), {"from_user": people.sales1.pk, "to_user": people.sales2.pk,
                                                         "deactivate": "on"})
    assert "将把 3 位客户" in preview.content.decode()
    assert Customer.objects.filter(owner=people.sales1).count() == 3
    client.post(reverse("accounts:handover"), {"from_user": people.sales1.pk, "to_user": people.sales2.pk,
                                               "deactivate": "on", "confirm": "1"})
    assert Customer.objects.filter(owner=people.sales2).count() == 3
    people.sales1.refresh_from_db()
    assert not people.sales1.is_active
    event = AuditEvent.objects.get(action="handover", object_type="user")
    assert event.extra["counts"] == {"customers": 3, "open_follow_ups": 3, "open_tasks": 0, "applications": 0}
    assert AuditEvent.objects.filter(action="handover", object_type="customer").count() == 3


def test_a_deactivated_user_cannot_log_in(people, client):
    from zhudai.accounts.services import deactivate_user

    deactivate_user(people.admin, people.sales1)
    response = client.post(reverse("login"), {"username": "sales1", "password": "demo1234"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_handover_to_a_deactivated_user_is_refused(people, client_for):
    from zhudai.accounts.services import deactivate_user

    deactivate_user(people.admin, people.sales2)
    response = client_for(people.admin).post(reverse("accounts:handover"), {
        "from_user": people.sales1.pk, "to_user": people.sales2.pk, "confirm": "1"})
    assert response.status_code == 200 and "errorlist" in response.content.decode()


def test_merge_folds_the_duplicate_into_the_kept_customer(people, client_for):
    keep = factories.customer(people.sales1, name="马丽", mobile="13911112222")
    dup = factories.customer(people.sales1, name="马丽", mobile="13933334444", id_number=factories.id_number(),
                             employer="宁夏电力公司")
    factories.follow_up(dup, people.sales1, content="来自重复档案的跟进")
    client = client_for(people.admin)
    confirm = client.post(reverse("customers:merge", args=[keep.pk]), {"duplicate": dup.pk})
    assert "确认合并" in confirm.content.decode()
    client.post(reverse("customers:merge", args=[keep.pk]), {"duplicate": dup.pk, "confirm": "1"})
    keep.refresh_from_db()
    assert not Customer.objects.filter(pk=dup.pk).exists()
    assert keep.employer == "宁夏电力公司" and keep.id_number and keep.mobile == "13911112222"
    assert keep.follow_ups.filter(content="来自重复档案的跟进").exists()
    assert AuditEvent.objects.get(action="merge").extra["merged_id"] == dup.pk
