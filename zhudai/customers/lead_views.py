"""The lead pool (公海), the assignment rules page, and the public lead form an ad or website links to."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from zhudai.core import chinese, preferences
from zhudai.core.context import acting
from zhudai.core.errors import error_text
from zhudai.core.paging import CappedPaginator
from zhudai.engines.forms.types import MoneyField

from . import assignment, queries
from .models import AssignmentRule, Channel, Customer


@login_required
@permission_required("customer.add", raise_exception=True)
def pool(request):
    rows = assignment.pool().order_by("-created_at", "-id")
    page = CappedPaginator(rows, 30).get_page(request.GET.get("page"))
    return render(request, "customers/pool.html", {
        "page": page, "claimed": assignment.claims_today(request.user),
        "limit": preferences.get("lead_pool_daily_limit")})


@login_required
@require_POST
@permission_required("customer.add", raise_exception=True)
def pool_claim(request):
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    try:
        taken = assignment.claim(request.user, ids)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        if taken:
            messages.success(request, _("已领取 %(n)d 位客户。") % {"n": taken})
        else:
            messages.warning(request, _("没有领到：这些客户可能已被同事领走。"))
    return redirect("customers:pool")


@login_required
@require_POST
def pool_release(request, pk):
    customer = queries.access_customer(request.user, pk)
    if customer.owner_id != request.user.pk and not request.user.has_perm("customer.assign"):
        raise PermissionDenied
    assignment.release(request.user, [customer], reason=request.POST.get("reason", ""))
    messages.success(request, _("“%(n)s”已放回公海。") % {"n": customer.name})
    return redirect("customers:list")


POOL_PARAMETERS = ("lead_pool_daily_limit", "lead_pool_take_back_days")


class AssignmentRuleForm(forms.ModelForm):
    class Meta:
        model = AssignmentRule
        fields = ["name", "order", "channel", "region", "team", "strategy", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from zhudai.accounts.models import OrgUnit

        self.fields["team"].queryset = OrgUnit.objects.filter(is_active=True)


@login_required
@permission_required("customer.assign", raise_exception=True)
def assignment_rules(request, pk=None):
    if not request.user.has_perm("user.manage"):
        raise PermissionDenied
    rule = get_object_or_404(AssignmentRule, pk=pk) if pk else AssignmentRule()
    posted = request.method == "POST"
    pool_form = preferences.PreferenceForm(POOL_PARAMETERS, request.POST if posted and "pool" in request.POST else None)
    if pool_form.is_bound:
        if pool_form.is_valid():
            preferences.save(request.user, pool_form.cleaned_data)
            messages.success(request, _("公海参数已保存。"))
            return redirect("assignment")
        posted = False
    form = AssignmentRuleForm(request.POST if posted else None, instance=rule)
    if posted:
        if request.POST.get("delete") and rule.pk:
            rule.delete()
            messages.success(request, _("规则已删除。"))
            return redirect("assignment")
        if form.is_valid():
            form.save()
            messages.success(request, _("分配规则“%(n)s”已保存。") % {"n": rule.name})
            return redirect("assignment")
    rules = [(r, assignment.members(r)) for r in AssignmentRule.objects.select_related("team", "channel")]
    return render(request, "customers/assignment.html", {"form": form, "rule": rule, "rules": rules,
                                                         "pool_form": pool_form})


class LeadForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("您的称呼"), max_length=50)
    mobile = forms.CharField(label=gettext_lazy("手机号"), max_length=20)
    city = forms.CharField(label=gettext_lazy("所在城市"), max_length=30, required=False)
    expected_amount = MoneyField(label=gettext_lazy("需要多少资金"), required=False,
                                 help_text=gettext_lazy("例如 5万、20万"))
    purpose = forms.CharField(label=gettext_lazy("资金用途"), max_length=200, required=False)
    website = forms.CharField(required=False, widget=forms.HiddenInput)  # a field people never fill: bots do

    def clean_mobile(self):
        return chinese.validate_mobile(self.cleaned_data["mobile"])


def public_lead(request):
    """The H5 lead form: no login; the channel comes from the link (?channel=抖音); rate limited."""
    channel = Channel.objects.filter(name=request.GET.get("channel", ""), is_active=True).first()
    form = LeadForm(request.POST or None)
    if request.method == "POST":
        address = request.META.get("REMOTE_ADDR", "")
        key = f"lead-form:{address}"
        if cache.get(key, 0) >= settings.LEAD_FORM_RATE_PER_HOUR:
            form.add_error(None, _("提交太频繁，请稍后再试，或直接致电我们。"))
        elif form.is_valid() and not form.cleaned_data["website"]:
            cache.set(key, cache.get(key, 0) + 1, 3600)
            data = form.cleaned_data
            from .models import Stage

            lead = Customer(name=data["name"], mobile=data["mobile"], city=data["city"],
                            expected_amount=data["expected_amount"], purpose=data["purpose"], channel=channel,
                            stage=Stage.objects.filter(code="new").first(), note=_("来自线上留资表单"))
            with acting(None, label="public:lead-form", ip=address):
                assignment.take_lead(None, lead)
            return render(request, "customers/lead_thanks.html")
        elif form.is_valid():
            return render(request, "customers/lead_thanks.html")  # the bot is told nothing
    return render(request, "customers/lead_form.html", {"form": form, "channel": channel})
