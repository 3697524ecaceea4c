"""Pagination that never counts more rows than anyone reads.

Counting every match of a broad search costs time in proportion to the matches (60-100 ms for
"王" or an unfiltered list at 1,000,000 customers), while nobody pages through more than a few
hundred pages. Lists count up to `cap` matches and then say "10,000+".
"""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

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
        # Without ORDER BY and with the key alone, the bounded count stops at cap + 1 matches.
        counted = self.object_list.order_by().values("pk")[: self.cap + 1].count()
        self.capped = counted > self.cap
        return min(counted, self.cap)

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count) if self.orphans == 0 else bottom + self.per_page
        source = self.rows if self.rows is not None else self.object_list
        return self._get_page(source[bottom:top], number, self)
