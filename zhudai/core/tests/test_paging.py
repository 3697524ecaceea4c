"""The pager under every list, and the capped count it shows."""

import pytest

from zhudai.accounts.models import User
from zhudai.core.paging import CappedPaginator, pagination_html

pytestmark = pytest.mark.django_db


def make_users(n):
    User.objects.bulk_create([User(username=f"u{i}") for i in range(n)])


def test_capped_count_and_pager_links_escape_the_query():
    make_users(12)
    paginator = CappedPaginator(User.objects.order_by("pk"), 5, cap=10)
    assert (paginator.count, paginator.capped, paginator.num_pages) == (10, True, 2)
    html = pagination_html(paginator.get_page(2), 'q=<script>&sort=-name')
    assert "共 10+ 条" in html and "第 2 / 2 页" in html and "上一页" in html and "下一页" not in html
    assert 'href="?q=&lt;script&gt;&amp;sort=-name&amp;page=1"' in html and "<script>" not in html
    exact = CappedPaginator(User.objects.filter(username__startswith="u1"), 5, cap=10)
    assert (exact.count, exact.capped) == (3, False)  # u1, u10, u11
    assert "共 3 条" in pagination_html(exact.get_page(1)) and 'href="?page=' not in pagination_html(exact.get_page(1))


def test_count_of_a_query_that_cannot_match_is_zero():
    paginator = CappedPaginator(User.objects.filter(pk__in=[]), 5)
    assert paginator.count == 0 and "共 0 条" in pagination_html(paginator.get_page(1))
