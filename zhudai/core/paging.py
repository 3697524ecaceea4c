"""Pagination that never counts more rows than anyone reads.

Counting every match of a broad search costs time in proportion to the matches (60-100 ms for
"王" or an unfiltered list at 1,000,000 customers), while nobody pages through more than a few
hundred pages. Lists count up to `cap` matches and then say "10,000+".
"""

from html import escape

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import connections
from django.utils.formats import number_format
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

LIST_COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    def __init__(self, object_list, per_page, cap=None, rows=None, known_count=None, **kwargs):
        """`rows`: the same records by another query plan, used for the page itself (the count
        stays on `object_list`); `known_count`: the count when the caller already has it (cached)."""
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap or LIST_COUNT_CAP
        self.capped = False  # more matches than `count` says
        self.rows = rows
        if known_count is not None:
            self.__dict__["count"] = min(known_count, self.cap)
            self.capped = known_count > self.cap

    @cached_property
    def count(self):
        # Without ORDER BY and with the key alone, the bounded count stops at cap + 1 matches. The
        # COUNT is wrapped around the compiled select by hand: QuerySet.count() on a slice builds
        # an aggregation subquery through the ORM, which cost more than counting the rows.
        keys = self.object_list.order_by().values("pk")
        try:
            sql, params = keys.query.sql_with_params()
        except EmptyResultSet:
            counted = 0
        else:
            counted = bounded_count(connections[keys.db], sql, params, self.cap)
        self.capped = counted > self.cap
        return min(counted, self.cap)

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count) if self.orphans == 0 else bottom + self.per_page
        source = self.rows if self.rows is not None else self.object_list
        return self._get_page(source[bottom:top], number, self)


def bounded_count(connection, keys_sql, params, cap):
    """How many rows `keys_sql` (a SELECT of ids, without ORDER BY or LIMIT) returns, counting no
    further than cap + 1."""
    with connection.cursor() as cur:
        cur.execute(f"SELECT COUNT(*) FROM ({keys_sql} LIMIT {int(cap) + 1}) keys", params)
        return cur.fetchone()[0]


def pagination_html(page, query=""):
    """The pager under a list: "共 N 条", first / previous / "第 n / m 页" / next / last. `query` is
    the list's query string without its page. Rendered here rather than in a template: it is on
    every list page, and a template of a dozen tags and lookups cost a fifth of the customer list's
    rendering."""
    paginator = page.paginator
    base = f"?{escape(query)}&amp;page=" if query else "?page="
    if getattr(paginator, "capped", False):
        count = (f'<span class="muted" title="{escape(_("结果较多，可用搜索或筛选缩小范围"))}">'
                 f'{escape(_("共 %(n)s+ 条") % {"n": number_format(paginator.count, 0, force_grouping=True)})}</span>')
    else:
        count = f'<span class="muted">{escape(ngettext("共 %(n)s 条", "共 %(n)s 条", paginator.count) % {"n": paginator.count})}</span>'
    parts = ['<div class="pagination">', count]
    if page.has_previous():
        parts.append(f'<a class="btn btn-sm" href="{base}1">«</a>')
        parts.append(f'<a class="btn btn-sm" href="{base}{page.previous_page_number()}">{escape(_("上一页"))}</a>')
    parts.append(f'<span>{escape(_("第 %(n)s / %(total)s 页") % {"n": page.number, "total": paginator.num_pages})}</span>')
    if page.has_next():
        parts.append(f'<a class="btn btn-sm" href="{base}{page.next_page_number()}">{escape(_("下一页"))}</a>')
        parts.append(f'<a class="btn btn-sm" href="{base}{paginator.num_pages}">»</a>')
    parts.append("</div>")
    return mark_safe("".join(parts))  # noqa: S308  every text and the query are escaped above
