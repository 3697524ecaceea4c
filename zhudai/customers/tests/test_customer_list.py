import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from zhudai.customers.models import Customer, SavedFilter, Stage, Tag
from zhudai.testing import factories

pytestmark = pytest.mark.django_db


def names(response):
    return [c["name"] for c in response.context["page"]]


@pytest.fixture
def some_customers(people):
    now = timezone.now()
    return {
        "zhang": factories.customer(people.sales1, name="张三", employer="宁夏电力公司", id_number=factories.id_number(),
                                    next_follow_up_at=now - datetime.timedelta(hours=3)),
        "zhao": factories.customer(people.sales1, name="赵四", employer="银川公交公司", mobile="13700001234",
                                   next_follow_up_at=now + datetime.timedelta(days=3)),
        "zhou": factories.customer(people.sales1, name="周五", employer="宁夏医科大学", backup_phone="13600009999",
                                   stage=Stage.objects.get(code="collecting")),
    }


@pytest.mark.parametrize("q, expected", [
    ("zs", ["张三", "赵四"]), ("zw", ["周五"]), ("Z", ["张三", "赵四", "周五"]), ("张", ["张三"]), ("137 0000 1234", ["赵四"]),
    ("13600009999", ["周五"]), ("宁夏", ["张三", "周五"]), ("银川公交", ["赵四"]), ("nobody", []),
])
def test_one_search_box_finds_by_name_initials_phone_and_employer(people, client_for, some_customers, q, expected):
    response = client_for(people.sales1).get(reverse("customers:list"), {"q": q})
    assert sorted(names(response)) == sorted(expected)


def test_search_by_id_number(people, client_for, some_customers):
    id_number = some_customers["zhang"].id_number
    response = client_for(people.sales1).get(reverse("customers:list"), {"q": id_number.lower()})
    assert names(response) == ["张三"]


def test_filters_by_stage_and_follow_up_due(people, client_for, some_customers):
    client = client_for(people.sales1)
    stage = Stage.objects.get(code="collecting").pk
    assert names(client.get(reverse("customers:list"), {"stage": stage})) == ["周五"]
    assert names(client.get(reverse("customers:list"), {"follow_up": "overdue"})) == ["张三"]
    assert names(client.get(reverse("customers:list"), {"follow_up": "week"})) == ["赵四"]
    assert names(client.get(reverse("customers:list"), {"follow_up": "none"})) == ["周五"]


def test_sorting_and_paging(people, client_for, some_customers):
    client = client_for(people.sales1)
    assert names(client.get(reverse("customers:list"), {"sort": "next"})) == ["张三", "赵四", "周五"]
    assert names(client.get(reverse("customers:list"), {"sort": "-next"})) == ["赵四", "张三", "周五"]
    for i in range(25):
        factories.customer(people.sales1, name=f"客户{i:02d}")
    page2 = client.get(reverse("customers:list"), {"page": 2, "sort": "name"})
    assert page2.context["page"].paginator.count == 28 and len(names(page2)) == 8


def test_an_invalid_filter_value_is_ignored_not_a_crash(people, client_for, some_customers):
    response = client_for(people.sales1).get(reverse("customers:list"),
                                             {"stage": "abc", "created_after": "2026-13-45", "page": "x", "sort": "bad"})
    assert response.status_code == 200


def test_list_page_queries_do_not_grow_with_rows(people, client_for, django_assert_max_num_queries):
    tag = Tag.objects.create(name="优质客户")
    for i in range(40):
        c = factories.customer(people.sales1, name=f"客户{i}")
        c.tags.add(tag)
    client = client_for(people.sales1)
    client.get(reverse("customers:list"))
    with django_assert_max_num_queries(12):
        page = client.get(reverse("customers:list"), {"per_page": 50}).content.decode()
    assert page.count('<span class="badge">优质客户</span>') == 40  # the tags come with the rows
    filtered = client.get(reverse("customers:list"), {"q": "客户1"}).content.decode()
    assert filtered.count('<span class="badge">优质客户</span>') == 11


def test_saved_filters(people, client_for, some_customers):
    client = client_for(people.sales1)
    client.post(reverse("customers:save_filter"), {"name": "我的重点", "query": "follow_up=overdue&page=3"})
    saved = SavedFilter.objects.get(user=people.sales1)
    assert saved.query == "follow_up=overdue"
    assert "我的重点" in client.get(reverse("customers:list")).content.decode()
    assert "我的重点" not in client_for(people.sales2).get(reverse("customers:list")).content.decode()


def test_bulk_tag_and_assign(people, client_for, some_customers):
    ids = [c.pk for c in some_customers.values()]
    client_for(people.sales1).post(reverse("customers:bulk"), {"action": "tag", "tag": "有房", "ids": ids})
    assert Customer.objects.filter(tags__name="有房").count() == 3
    assert client_for(people.sales1).post(reverse("customers:bulk"),
                                          {"action": "assign", "owner": people.sales2.pk, "ids": ids}).status_code == 403
    client_for(people.lead1).post(reverse("customers:bulk"), {"action": "assign", "owner": people.sales2.pk, "ids": ids})
    assert set(Customer.objects.values_list("owner__username", flat=True)) == {"sales2"}


def test_deactivated_users_are_never_offered_or_assigned(people, client_for, some_customers):
    from zhudai.accounts.services import deactivate_user

    deactivate_user(people.admin, people.sales2)
    client = client_for(people.lead1)
    offered = client.get(reverse("customers:list")).context["assign_form"].fields["owner"].queryset
    assert people.sales1 in offered and people.sales2 not in offered
    client.post(reverse("customers:bulk"), {"action": "assign", "owner": people.sales2.pk,
                                            "ids": [some_customers["zhang"].pk]})
    assert Customer.objects.get(pk=some_customers["zhang"].pk).owner == people.sales1


def test_list_rows_escape_what_users_typed(people, client_for):
    customer = factories.customer(people.sales1, name='<script>alert("x")</script>')
    customer.tags.add(Tag.objects.create(name="<b>vip</b>"))
    page = client_for(people.sales1).get(reverse("customers:list")).content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "<b>vip</b>" not in page and "&lt;b&gt;vip&lt;/b&gt;" in page


def test_the_filter_panel_is_cached_but_follows_new_tags_and_users(people, client_for):
    client = client_for(people.lead1)
    client.get(reverse("customers:list"))
    Tag.objects.create(name="新标签")
    assert "新标签" in client.get(reverse("customers:list")).content.decode()
    from zhudai.accounts.services import deactivate_user

    deactivate_user(people.admin, people.sales2)
    assert people.sales2.display_name not in client.get(reverse("customers:list")).content.decode()


def test_renamed_stages_and_users_show_at_once_in_the_list(people, client_for, some_customers):
    client = client_for(people.sales1)
    client.get(reverse("customers:list"))
    stage = Stage.objects.get(code="collecting")
    stage.name = "材料收集"
    stage.save()
    people.sales1.name = "刘经理"
    people.sales1.save()
    page = client.get(reverse("customers:list")).content.decode()
    assert "材料收集" in page and "刘经理" in page


def test_list_counts_up_to_a_cap_and_says_so(people, client_for, monkeypatch):
    from zhudai.core import paging

    for n in range(7):
        factories.customer(people.sales1, name=f"客户{n}", mobile=f"1390000{n:04d}")
    monkeypatch.setattr(paging, "LIST_COUNT_CAP", 5)
    page = client_for(people.sales1).get("/customers/?per_page=20")
    assert page.context["page"].paginator.count == 5 and page.context["page"].paginator.capped
    assert "共 5+ 条" in page.content.decode()
    monkeypatch.setattr(paging, "LIST_COUNT_CAP", 7)
    page = client_for(people.sales1).get("/customers/")
    assert page.context["page"].paginator.count == 7 and not page.context["page"].paginator.capped
    assert "共 7 条" in page.content.decode()


def test_dense_prefix_search_pages_the_same_rows(people, client_for, monkeypatch):
    """With many matches the page is read by another plan (SQLite walks the date index); the rows
    and their order must not change."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from zhudai.customers import views

    for n in range(6):
        factories.customer(people.sales1, name=f"王{n}", mobile=f"1390000{n:04d}",
                           created_at=timezone.now() - datetime.timedelta(days=n))
    factories.customer(people.sales1, name="李四", mobile="13900009999")
    client = client_for(people.sales1)
    expected = names(client.get("/customers/?q=王&per_page=20"))
    monkeypatch.setattr(views, "DENSE_MATCHES", 2)
    with CaptureQueriesContext(connection) as queries:
        dense = names(client.get("/customers/?q=王&per_page=20"))
    assert dense == expected == [f"王{n}" for n in range(6)]
    if connection.vendor == "sqlite":
        assert any('+"customers_customer"."name"' in q["sql"] for q in queries.captured_queries)
    assert names(client.get("/customers/?q=王&sort=name")) == [f"王{n}" for n in range(6)]


def test_unfiltered_list_statements_match_the_orm_for_every_scope_and_sort(people, units):
    """The unfiltered list runs statements compiled once per shape (queries.ScopedList): for every
    scope (own, team, several units, all) and sort they return what the scoped queryset returns."""
    from zhudai.accounts.choices import DataScope
    from zhudai.accounts.models import Role
    from zhudai.customers import queries
    from zhudai.customers.filters import SORTS, ordering
    from zhudai.customers.rendering import ROW_VALUES, with_tag_names

    now = timezone.now()
    tags = [Tag.objects.create(name="优质客户"), Tag.objects.create(name="急用")]
    for n, owner in enumerate([people.sales1, people.sales2, people.sales3, people.lead1] * 4):
        customer = factories.customer(owner, name=f"客户{n % 5}", expected_amount=(n % 3) * 10000 or None,
                                      next_follow_up_at=now + datetime.timedelta(days=n % 4) if n % 2 else None)
        customer.tags.add(*tags[: n % 3])
    department = Role.objects.create(code="dept", name="部门经理", data_scope=DataScope.DEPARTMENT,
                                     permissions=["customer.view"])
    people.lead2.role = department
    people.lead2.org_unit = people.lead1.org_unit.parent
    people.lead2.save()
    viewers = [people.sales1, people.lead1, people.gm, type(people.lead2).objects.get(pk=people.lead2.pk)]
    assert len(viewers[-1].scope_unit_ids) > 1
    for user in viewers:
        for sort in [*SORTS, *(f"-{key}" for key in SORTS), "", "bogus"]:
            expected = list(with_tag_names(queries.visible_customers(user)).order_by(*ordering(sort))
                            .values(*ROW_VALUES))
            listing = queries.ScopedList(user, sort)
            assert listing[0:100] == expected, (user.username, sort)
            assert listing[3:7] == expected[3:7]
            assert listing.count(5) == min(len(expected), 6)


def test_column_links_replace_the_sort_and_keep_the_filters(people, client_for, some_customers):
    client = client_for(people.sales1)
    page = client.get(reverse("customers:list"), {"sort": "name", "page": 1}).content.decode()
    assert 'href="?sort=-name"' in page and "sort=name&amp;sort" not in page
    table = client.get(reverse("customers:list"), {"sort": "-next", "stage": "1"}, HTTP_HX_REQUEST="true",
                       HTTP_HX_TARGET="customer-table").content.decode()
    assert 'href="?stage=1&amp;sort=next"' in table and "sort=-next&amp;sort" not in table
