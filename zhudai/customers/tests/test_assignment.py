"""Lead assignment by rule, the lead pool (公海), and leads that are already customers."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from zhudai.accounts.models import User
from zhudai.audit.models import AuditEvent
from zhudai.customers import assignment
from zhudai.customers.models import AssignmentRule, Channel, Customer
from zhudai.notify.models import Message
from zhudai.testing import factories


def _lead(**fields):
    fields.setdefault("name", "线索")
    fields.setdefault("mobile", factories.mobile())
    return Customer(**fields)


def _team(people, units, n=4):
    """Team 1 with `n` active salespeople besides sales1 and sales2, one deactivated and one paused."""
    extra = [User.objects.create(username=f"t1_{i}", role=people.sales1.role, org_unit=units.team1) for i in range(n)]
    User.objects.create(username="gone", role=people.sales1.role, org_unit=units.team1, is_active=False)
    User.objects.create(username="onleave", role=people.sales1.role, org_unit=units.team1, is_paused=True)
    return [people.sales1, people.sales2, *extra]


def test_round_robin_spreads_a_thousand_leads_within_one_and_never_to_the_absent(people, units):
    team = _team(people, units)
    AssignmentRule.objects.create(name="银川轮流", team=units.team1, strategy="round_robin")
    for _ in range(1000):
        assignment.take_lead(people.admin, _lead())
    counts = {u.username: Customer.objects.filter(owner=u).count() for u in team}
    assert max(counts.values()) - min(counts.values()) <= 1 and sum(counts.values()) == 1000
    assert not Customer.objects.filter(owner__username__in=["gone", "onleave", "lead1"]).exists()


def test_least_loaded_evens_out_a_team(people, units):
    team = _team(people, units, n=2)
    for _ in range(30):
        factories.customer(people.sales1)  # sales1 already has 30 open leads
    AssignmentRule.objects.create(name="最少", team=units.team1, strategy="least_loaded")
    for _ in range(1000):
        assignment.take_lead(people.admin, _lead())
    counts = {u.username: Customer.objects.filter(owner=u).count() for u in team}
    assert max(counts.values()) - min(counts.values()) <= 1
    assert counts["sales1"] >= 30


def test_rules_match_by_channel_and_region_in_order(people, units):
    douyin = Channel.objects.get(name="抖音")
    AssignmentRule.objects.create(name="抖音给吴忠", order=1, channel=douyin, team=units.team2)
    AssignmentRule.objects.create(name="吴忠身份证", order=2, region="6403", team=units.team2)
    AssignmentRule.objects.create(name="其他给银川", order=3, team=units.team1)
    from_douyin, _ = assignment.take_lead(people.admin, _lead(channel=douyin))
    from_wuzhong, _ = assignment.take_lead(people.admin, _lead(id_number=factories.id_number(region="640302")))
    other, _ = assignment.take_lead(people.admin, _lead())
    assert from_douyin.owner.org_unit == units.team2 and from_wuzhong.owner.org_unit == units.team2
    assert other.owner.org_unit == units.team1


def test_no_matching_rule_sends_the_lead_to_the_pool(people):
    lead, created = assignment.take_lead(people.front_desk if "front_desk" in people else people.admin, _lead())
    assert created and lead.owner is None
    assert AuditEvent.objects.filter(subject=f"customer:{lead.pk}", action="assign").exists()


def test_a_lead_that_is_already_a_customer_is_not_duplicated_and_its_owner_hears_of_it(people):
    existing = factories.customer(people.sales3, name="老客户", mobile="13951100888")
    found, created = assignment.take_lead(people.admin, _lead(name="又来了", mobile="139 5110 0888"))
    assert (found.pk, created) == (existing.pk, False)
    assert Customer.objects.count() == 1
    assert Message.objects.filter(user=people.sales3, subject="老客户再次咨询：老客户").exists()


def test_claiming_from_the_pool_up_to_the_daily_limit(people, settings):
    settings.LEAD_POOL_DAILY_LIMIT = 3
    leads = [assignment.take_lead(people.admin, _lead(name=f"公海{i}"))[0] for i in range(5)]
    assert assignment.claim(people.sales1, [c.pk for c in leads]) == 3
    assert Customer.objects.filter(owner=people.sales1).count() == 3
    with pytest.raises(ValidationError, match="每日上限"):
        assignment.claim(people.sales1, [c.pk for c in leads])
    assert assignment.claim(people.sales2, [c.pk for c in leads]) == 2  # the two left
    event = AuditEvent.objects.filter(object_id=str(leads[0].pk), action="assign").order_by("-id").first()
    assert event.extra.get("pool") == "claim"


def test_release_and_take_back_are_audited_on_the_customer(people, settings):
    settings.LEAD_POOL_TAKE_BACK_DAYS = 10
    mine = factories.customer(people.sales1, name="放弃")
    assert assignment.release(people.sales1, [mine], reason="客户无意向") == 1
    eleven_days_ago = timezone.now() - datetime.timedelta(days=11)
    stale = factories.customer(people.sales2, name="久未跟进")
    Customer.objects.filter(pk=stale.pk).update(created_at=eleven_days_ago, assigned_at=eleven_days_ago)
    fresh = factories.customer(people.sales2, name="刚登记")
    # Registered long ago, claimed from the pool yesterday: the salesperson's ten days start at the claim.
    claimed = factories.customer(people.sales2, name="昨天领取")
    Customer.objects.filter(pk=claimed.pk).update(created_at=eleven_days_ago,
                                                  assigned_at=timezone.now() - datetime.timedelta(days=1))
    assert assignment.take_back() == 1
    assert set(assignment.pool().values_list("name", flat=True)) == {"放弃", "久未跟进"}
    assert Customer.objects.get(pk=fresh.pk).owner == people.sales2
    assert Customer.objects.get(pk=claimed.pk).owner == people.sales2
    assert Customer.objects.get(pk=stale.pk).assigned_at is None
    history = AuditEvent.objects.filter(subject=f"customer:{stale.pk}", action="assign").first()
    assert history.extra["pool"] == "take_back" and history.changes["owner"] == ["陈业务", "公海"]


def test_the_public_lead_form_tags_the_channel_assigns_and_limits_the_rate(people, units, client, settings):
    from django.core.cache import cache

    cache.delete("lead-form:127.0.0.1")  # the Redis cache of the PostgreSQL run outlives a test run
    settings.LEAD_FORM_RATE_PER_HOUR = 2
    AssignmentRule.objects.create(name="抖音", channel=Channel.objects.get(name="抖音"), team=units.team2)
    page = client.get("/lead/?channel=抖音")
    assert page.status_code == 200 and "贷款咨询" in page.content.decode()
    response = client.post("/lead/?channel=抖音", {"name": "网上留资", "mobile": "139 5110 7001", "expected_amount": "8万"})
    assert "已收到" in response.content.decode()
    lead = Customer.objects.get(name="网上留资")
    assert (lead.channel.name, lead.owner, lead.expected_amount) == ("抖音", people.sales3, 80000)
    assert "手机号" in client.post("/lead/", {"name": "x", "mobile": "123"}).content.decode()
    client.post("/lead/", {"name": "第二", "mobile": "13951107002"})
    refused = client.post("/lead/", {"name": "第三", "mobile": "13951107003"}).content.decode()
    assert "太频繁" in refused and not Customer.objects.filter(name="第三").exists()


def test_bots_filling_the_hidden_field_create_nothing(db, client):
    response = client.post("/lead/", {"name": "bot", "mobile": "13951107009", "website": "http://spam"})
    assert "已收到" in response.content.decode() and not Customer.objects.filter(name="bot").exists()


def test_the_front_desk_enters_a_lead_and_the_rules_give_it_to_a_salesperson(people, units, client_for):
    from zhudai.accounts.models import Role

    desk = User.objects.create(username="desk", role=Role.objects.get(code="front_desk"), org_unit=units.company)
    AssignmentRule.objects.create(name="全部给银川", team=units.team1)
    response = client_for(desk).post("/customers/new/", {"name": "前台录入", "mobile": "13951107011"})
    lead = Customer.objects.get(name="前台录入")
    assert lead.owner in (people.sales1, people.sales2) and response.status_code == 302


def test_the_pool_page_lists_and_claims(people, client_for):
    lead, _ = assignment.take_lead(people.admin, _lead(name="公海客户", mobile="13951107021"))
    client = client_for(people.sales1)
    page = client.get("/customers/pool/").content.decode()
    assert "公海客户" in page and "139****7021" in page and "13951107021" not in page
    client.post("/customers/pool/claim/", {"ids": [lead.pk]})
    assert Customer.objects.get(pk=lead.pk).owner == people.sales1
    client.post(f"/customers/{lead.pk}/release/")
    assert Customer.objects.get(pk=lead.pk).owner is None
    assert client_for(people.sales3).post(f"/customers/{lead.pk}/release/").status_code == 404


def test_assignment_rules_are_managed_by_administrators(people, units, client_for):
    admin = client_for(people.admin)
    admin.post("/settings/assignment/", {"name": "吴忠地区", "order": 1, "region": "吴忠", "team": units.team2.pk,
                                         "strategy": "least_loaded", "is_active": "on"})
    page = admin.get("/settings/assignment/").content.decode()
    assert "吴忠地区" in page and "赵业务" in page
    assert client_for(people.sales1).get("/settings/assignment/").status_code == 403


def test_the_pool_limits_are_set_on_the_assignment_page_and_audited(people, client_for):
    admin = client_for(people.admin)
    page = admin.post("/settings/assignment/", {"pool": "1", "lead_pool_daily_limit": "-1",
                                                "lead_pool_take_back_days": "7"}).content.decode()
    assert "errorlist" in page  # a negative limit is refused, nothing saved
    response = admin.post("/settings/assignment/", {"pool": "1", "lead_pool_daily_limit": "2",
                                                    "lead_pool_take_back_days": "7"})
    assert response.status_code == 302
    leads = [assignment.take_lead(people.admin, _lead(name=f"公海{i}"))[0] for i in range(3)]
    assert assignment.claim(people.sales1, [c.pk for c in leads]) == 2
    assert "2" in client_for(people.sales1).get("/customers/pool/").content.decode()
    event = AuditEvent.objects.get(object_type="preference")
    assert event.actor == people.admin and event.changes["lead_pool_daily_limit"] == [20, 2]
    assert event.changes["lead_pool_take_back_days"] == [15, 7]


def test_an_intake_token_posts_leads_through_the_rules(people, units):
    from zhudai.accounts.models import Role
    from zhudai.customers.tests.test_api import api

    desk = User.objects.create(username="website", role=Role.objects.get(code="front_desk"), org_unit=units.company)
    AssignmentRule.objects.create(name="全部给吴忠", team=units.team2)
    client = api(desk)
    created = client.post("/api/v1/customers/", {"name": "官网留资", "mobile": "13951107031"}, format="json")
    assert created.status_code == 201 and created.json()["assigned"] is True
    assert Customer.objects.get(name="官网留资").owner == people.sales3
    again = client.post("/api/v1/customers/", {"name": "换个名字", "mobile": "13951107031"}, format="json")
    assert again.status_code == 200 and again.json()["created"] is False and "官网留资" not in again.content.decode()
    assert Message.objects.filter(user=people.sales3, subject="老客户再次咨询：官网留资").exists()
