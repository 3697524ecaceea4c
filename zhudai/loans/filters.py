"""Filters and sorting of the loan application list."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhudai.accounts.models import User

from .choices import ApplicationStatus
from .models import LoanApplication, Product

SORTS = {
    "-created": ("-created_at", "-id"), "created": ("created_at", "id"),
    "-amount": ("-amount", "-id"), "amount": ("amount", "id"),
    "-submitted": ("-submitted_at", "-id"), "number": ("number",),
}


OWNER_SELECT_MAX = 100


def owner_choices(user):
    """The people whose applications `user` may list: themselves, their team or department, or
    everyone who may own applications (roles with loan.add). No scan of the applications."""
    from zhudai.accounts.choices import DataScope
    from zhudai.accounts.models import Role

    owners = User.objects.filter(is_active=True, role_id__in=[
        pk for pk, permissions in Role.objects.values_list("pk", "permissions") if "loan.add" in permissions])
    if user.data_scope == DataScope.ALL:
        return owners.select_related("role")
    if user.data_scope in (DataScope.TEAM, DataScope.DEPARTMENT) and user.scope_unit_ids:
        return owners.filter(org_unit__in=user.scope_unit_ids)
    return User.objects.filter(pk=user.pk)


def step_names():
    """The names of the work steps of the published loan processes, in process order."""
    from zhudai.engines.flow.choices import NodeType, VersionStatus
    from zhudai.engines.flow.models import ProcessVersion

    names = []
    for spec in ProcessVersion.objects.filter(definition__subject="loan_application",
                                              status=VersionStatus.PUBLISHED).values_list("spec", flat=True):
        for node in spec.get("nodes", []):
            if node.get("type") in (NodeType.TASK, NodeType.COUNTERSIGN) and node.get("name") not in names:
                names.append(node["name"])
    return names


class LoanApplicationFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search",
                                  widget=forms.TextInput(attrs={"placeholder": _("申请编号、客户姓名或拼音首字母")}))
    status = django_filters.ChoiceFilter(label=_("状态"), choices=ApplicationStatus.choices, empty_label=_("全部"))
    product = django_filters.ModelChoiceFilter(label=_("产品"), queryset=Product.objects.all(), empty_label=_("全部"))
    owner = django_filters.ModelChoiceFilter(label=_("负责人"), queryset=User.objects.none(), empty_label=_("全部"),
                                             to_field_name="username")
    step = django_filters.ChoiceFilter(label=_("当前环节"), field_name="current_step", empty_label=_("全部"))
    amount_min = django_filters.NumberFilter(label=_("金额≥"), field_name="amount", lookup_expr="gte")
    amount_max = django_filters.NumberFilter(label=_("金额≤"), field_name="amount", lookup_expr="lte")
    created_from = django_filters.DateFilter(label=_("创建自"), field_name="created_at", lookup_expr="date__gte",
                                             widget=forms.DateInput(attrs={"type": "date"}))
    created_to = django_filters.DateFilter(label=_("创建至"), field_name="created_at", lookup_expr="date__lte",
                                           widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = LoanApplication
        fields = []

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        owners = owner_choices(user)
        self.filters["owner"].queryset = owners
        if owners.count() > OWNER_SELECT_MAX:
            # A firm-wide list of owners is too long for a drop-down: type the login name instead.
            self.filters["owner"].extra["widget"] = forms.TextInput(attrs={"placeholder": _("业务员登录名")})
        self.filters["step"].extra["choices"] = [(name, name) for name in step_names()]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        if value.upper().startswith("ZD"):
            return queryset.filter(number__startswith=value.upper())
        if value.isascii() and value.isalpha():
            return queryset.filter(customer__name_initials__startswith=value.lower())
        return queryset.filter(Q(customer__name__startswith=value) | Q(number__contains=value))
