"""The customer list's search, filters and sorting, including custom fields."""

import re
from datetime import timedelta

import django_filters as df
from django import forms
from django.db import connection
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhudai.accounts.models import OrgUnit, User
from zhudai.engines.forms import types
from zhudai.engines.forms.choices import FieldType
from zhudai.engines.forms.models import FieldDefinition
from zhudai.security.fields import blind_index

from .choices import FollowUpDue
from .models import Channel, Customer, Stage, Tag

SORTS = {
    "created": "created_at", "name": "name", "next": "next_follow_up_at", "last": "last_follow_up_at",
    "amount": "expected_amount", "updated": "updated_at",
}
ID_LIKE = re.compile(r"^\d{17}[\dXx]$")
PHONE_LIKE = re.compile(r"^(\+?86)?1\d{10}$")
LATIN = re.compile(r"^[A-Za-z]+$")


EXACT_MATCH_LIMIT = 500
DENSE_MATCHES = 2000


def search(queryset, text):
    """Apply the search box to `queryset` (already scoped)."""
    q, exact = search_q(text)
    if exact:
        # Phone and ID searches match a handful of rows: take their ids first. Left to itself,
        # SQLite walks the created_at index for the ORDER BY and tests a million rows.
        ids = list(queryset.filter(q).order_by().values_list("pk", flat=True)[:EXACT_MATCH_LIMIT])
        return queryset.filter(pk__in=ids)
    return queryset.filter(q)


def search_q(text, *, scan=False):
    """One search box: phone or ID number exactly (blind index), pinyin initials, or name/employer prefix.

    Returns (Q, exact): `exact` when the Q is a blind-index match of a phone or ID number. `scan`
    writes the prefixes as `prefix_scan` (see core.lookups).
    """
    text = text.strip().replace(" ", "")
    if not text:
        return Q(), False
    if ID_LIKE.match(text):
        return Q(id_number_bidx=blind_index("id_number", text)), True
    digits = re.sub(r"[\s-]", "", text)
    if PHONE_LIKE.match(digits):
        h = blind_index("phone", digits)
        return Q(mobile_bidx=h) | Q(backup_phone_bidx=h), True
    lookup = "prefix_scan" if scan else "prefix"
    if LATIN.match(text):
        return Q(**{f"name_initials__{lookup}": text.lower()}), False
    return Q(**{f"name__{lookup}": text}) | Q(**{f"employer__{lookup}": text}), False


class CustomerFilterSet(df.FilterSet):
    q = df.CharFilter(label=_("搜索"), method="filter_q")
    stage = df.ModelChoiceFilter(label=_("阶段"), queryset=Stage.objects.all())
    owner = df.ModelChoiceFilter(label=_("业务员"), queryset=User.objects.all())
    team = df.ModelChoiceFilter(label=_("团队"), field_name="org_unit", queryset=OrgUnit.objects.all())
    channel = df.ModelChoiceFilter(label=_("来源"), queryset=Channel.objects.all())
    tag = df.ModelChoiceFilter(label=_("标签"), field_name="tags", queryset=Tag.objects.all())
    follow_up = df.ChoiceFilter(label=_("跟进"), choices=FollowUpDue.choices, method="filter_follow_up")
    created_after = df.DateFilter(label=_("创建日期从"), field_name="created_at", lookup_expr="date__gte",
                                  widget=forms.DateInput(attrs={"type": "date"}))
    created_before = df.DateFilter(label=_("至"), field_name="created_at", lookup_expr="date__lte",
                                   widget=forms.DateInput(attrs={"type": "date"}))
    sort = df.CharFilter(method="filter_sort", widget=forms.HiddenInput)

    class Meta:
        model = Customer
        fields = []

    def __init__(self, data=None, queryset=None, *, user, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.user = user
        visible_users = User.objects.filter(is_active=True)
        if user.data_scope == "own":
            visible_users = visible_users.filter(pk=user.pk)
        elif user.data_scope != "all" and user.scope_unit_ids:
            visible_users = visible_users.filter(org_unit__in=user.scope_unit_ids)
        self.filters["owner"].queryset = visible_users
        units = OrgUnit.objects.filter(kind="team")
        if user.data_scope != "all":
            units = units.filter(pk__in=user.scope_unit_ids or [0])
        self.filters["team"].queryset = units
        if user.data_scope == "own":
            del self.filters["owner"], self.filters["team"]
        self.custom_definitions = []
        for defn in FieldDefinition.objects.for_model("customer").visible_to(user):
            if defn.field_type in (FieldType.FILE, FieldType.LONG_TEXT):
                continue
            self.custom_definitions.append(defn)
            self.filters[defn.form_name] = _custom_filter(defn)

    def filter_q(self, queryset, name, value):
        return search(queryset, value)

    def dense_rows(self):
        """The same list written so that SQLite walks the date index and stops at the page instead
        of fetching and sorting every match: for a name or initials prefix that matches thousands
        of rows ("王" in an all-data list: 107 → 7 ms at 1M customers). None when that does not
        apply. Call it only for many matches (a rare prefix would walk the whole index); the count
        stays on the index plan (see CappedPaginator(rows=…))."""
        text = (self.form.cleaned_data.get("q") or "") if self.is_bound and self.form.is_valid() else ""
        q, exact = search_q(text)
        sort = (self.data.get("sort") or "").lstrip("-")
        if connection.vendor != "sqlite" or exact or not q or sort == "name":
            return None
        queryset = self.queryset.all()
        for name, value in self.form.cleaned_data.items():  # every filter but the search box, as qs does
            if name != "q":
                queryset = self.filters[name].filter(queryset, value)
        return queryset.filter(search_q(text, scan=True)[0])

    def filter_follow_up(self, queryset, name, value):
        now = timezone.now()
        today_end = timezone.localtime(now).replace(hour=23, minute=59, second=59, microsecond=999999)
        if value == FollowUpDue.OVERDUE:
            return queryset.filter(next_follow_up_at__lt=now)
        if value == FollowUpDue.TODAY:
            return queryset.filter(next_follow_up_at__gte=now, next_follow_up_at__lte=today_end)
        if value == FollowUpDue.WEEK:
            return queryset.filter(next_follow_up_at__gte=now, next_follow_up_at__lte=now + timedelta(days=7))
        if value == FollowUpDue.NONE:
            return queryset.filter(next_follow_up_at__isnull=True)
        return queryset

    def filter_sort(self, queryset, name, value):
        return queryset  # applied in `ordering()` so that the default order applies without a value

    @property
    def qs(self):
        return super().qs.order_by(*ordering(self.data.get("sort") if self.data else None))


def ordering(value):
    """ORDER BY for the list's `sort` parameter ("name", "-created", …); newest first by default."""
    value = value or "-created"
    key = value.lstrip("-")
    column = SORTS.get(key, "created_at")
    desc = value.startswith("-") or key not in SORTS
    if not Customer._meta.get_field(column).null:
        # A plain ORDER BY lets the (scope, created_at) indexes answer the first page directly.
        return [f"-{column}" if desc else column, "-id" if desc else "id"]
    # Empty values (no follow-up planned, no amount) go last whichever way the column sorts.
    order = F(column).desc(nulls_last=True) if desc else F(column).asc(nulls_last=True)
    return [order, "-id" if desc else "id"]


def has_filters(params):
    """Whether a query string filters the list (paging and sorting alone do not)."""
    return any(value for key, value in params.items() if key not in {"page", "per_page", "sort"})


class CustomFieldFilter(df.Filter):
    """Filters on one custom field through the engine's filter_q, so every type behaves alike."""

    def __init__(self, definition, field_class, **kwargs):
        self.definition = definition
        self.field_class = field_class
        super().__init__(label=definition.label, **kwargs)

    def filter(self, qs, value):
        if isinstance(value, slice):
            value = (value.start, value.stop)
            if value == (None, None):
                return qs
        if hasattr(value, "pk"):
            value = value.pk
        if value in (None, "", [], ()):
            return qs
        return qs.filter(types.filter_q(self.definition, value))


class _RangeField(forms.MultiValueField):
    part, input_type = forms.CharField, "text"

    def __init__(self, **kwargs):
        super().__init__(fields=(self.part(required=False), self.part(required=False)),
                         require_all_fields=False, **kwargs)
        self.widget = forms.MultiWidget([
            forms.TextInput(attrs={"type": self.input_type, "placeholder": _("从")}),
            forms.TextInput(attrs={"type": self.input_type, "placeholder": _("到")}),
        ])

    def compress(self, data_list):
        low, high = (list(data_list) + [None, None])[:2] if data_list else (None, None)
        return slice(low, high)


class NumberRangeField(_RangeField):
    part, input_type = forms.DecimalField, "number"


class DateRangeField(_RangeField):
    part, input_type = forms.DateField, "date"


def _custom_filter(defn):
    t = defn.field_type
    if t in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
        return CustomFieldFilter(defn, forms.ChoiceField, choices=[("", "---------")] + [(c, c) for c in defn.choices])
    if t == FieldType.BOOLEAN:
        return CustomFieldFilter(defn, forms.ChoiceField, choices=[("", "---------"), ("true", _("是")), ("false", _("否"))])
    if t in (FieldType.NUMBER, FieldType.MONEY):
        return CustomFieldFilter(defn, NumberRangeField)
    if t in (FieldType.DATE, FieldType.DATETIME):
        return CustomFieldFilter(defn, DateRangeField)
    if t == FieldType.USER:
        return CustomFieldFilter(defn, forms.ModelChoiceField, queryset=User.objects.filter(is_active=True))
    return CustomFieldFilter(defn, forms.CharField)
