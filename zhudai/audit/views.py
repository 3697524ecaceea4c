"""The audit log viewer: search and filter, read only (there is no edit or delete anywhere)."""

from datetime import timedelta

from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from .choices import OBJECT_TYPES, Action
from .models import AuditEvent


class AuditFilterForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False,
                        widget=forms.TextInput(attrs={"placeholder": _("操作人、对象、请求ID")}))
    action = forms.ChoiceField(label=_("操作"), required=False, choices=[("", _("全部操作"))] + Action.choices)
    object_type = forms.ChoiceField(label=_("对象类型"), required=False,
                                    choices=[("", _("全部类型"))] + list(OBJECT_TYPES.items()))
    date_from = forms.DateField(label=_("从"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("至"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    ip = forms.CharField(label=_("IP"), required=False)


def filtered_events(data):
    form = AuditFilterForm(data)
    events = AuditEvent.objects.select_related(None)
    if form.is_valid():
        d = form.cleaned_data
        if d["q"]:
            events = events.filter(Q(actor_label__icontains=d["q"]) | Q(object_repr__icontains=d["q"])
                                   | Q(request_id=d["q"]))
        if d["action"]:
            events = events.filter(action=d["action"])
        if d["object_type"]:
            events = events.filter(object_type=d["object_type"])
        if d["date_from"]:
            events = events.filter(created_at__date__gte=d["date_from"])
        if d["date_to"]:
            events = events.filter(created_at__lt=d["date_to"] + timedelta(days=1))
        if d["ip"]:
            events = events.filter(ip=d["ip"])
    return form, events


@require_safe
@login_required
@permission_required("audit.view", raise_exception=True)
def event_list(request):
    form, events = filtered_events(request.GET)
    page = Paginator(events.order_by("-id"), 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "audit/list.html", {"form": form, "page": page, "query": params.urlencode()})


@require_safe
@login_required
@permission_required("audit.view", raise_exception=True)
def event_detail(request, pk):
    return render(request, "audit/detail.html", {"event": get_object_or_404(AuditEvent, pk=pk)})
