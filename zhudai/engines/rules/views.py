"""Settings > 提醒规则: list, edit, test (what matches now) and the execution log; finishing a reminder."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhudai.core.expressions import describe
from zhudai.core.errors import error_text
from zhudai.core.paging import CappedPaginator
from zhudai.core.registry import registry

from . import services
from .forms import ActionFormSet, RuleForm
from .models import Firing, Rule


@login_required
@permission_required("rules.manage", raise_exception=True)
def rule_list(request):
    week = timezone.now() - datetime.timedelta(days=7)
    rules = Rule.objects.annotate(week=Count("firings", filter=Q(firings__fired_at__gte=week)))
    subjects = {k: s.label for k, s in registry.rule_subjects.items()}
    return render(request, "rules/list.html", {"rules": [(r, subjects.get(r.subject, r.subject)) for r in rules]})


@login_required
@permission_required("rules.manage", raise_exception=True)
def rule_edit(request, pk=None):
    rule = get_object_or_404(Rule, pk=pk) if pk else Rule(subject="customer", trigger="time", unit="hours")
    form = RuleForm(request.POST or None, instance=rule)
    actions = ActionFormSet(request.POST or None, initial=rule.actions, prefix="actions")
    if request.method == "POST" and form.is_valid() and actions.is_valid():
        rule = form.save(commit=False)
        rule.actions = actions.to_actions()
        try:
            services.save_rule(request.user, rule)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            problems = services.validate(rule)
            if problems:
                messages.warning(request, _("规则已保存为停用状态，启用前请修正：%(p)s") % {"p": "；".join(problems)})
            else:
                messages.success(request, _("规则“%(n)s”已保存。") % {"n": rule.name})
            return redirect("rules:list")
    help_rows = [(subject.label, describe(subject.schema(), {k: str(v) for k, v in subject.labels().items()}))
                 for subject in registry.rule_subjects.values()]
    return render(request, "rules/form.html", {"form": form, "actions": actions, "rule": rule, "help_rows": help_rows})


@login_required
@permission_required("rules.manage", raise_exception=True)
def rule_test(request, pk):
    """What the rule would act on now: records whose moment passed within 30 days and whose condition holds."""
    rule = get_object_or_404(Rule, pk=pk)
    problems = services.validate(rule)
    matches, error = [], ""
    if not problems:
        try:
            subject = services.subject_for(rule)
            matches = [(subject.describe(item), subject.url(item), services.moment_of(rule, base))
                       for item, base in services.matching_now(rule)]
        except ValidationError as exc:
            error = error_text(exc)
    return render(request, "rules/test.html", {"rule": rule, "problems": problems, "matches": matches,
                                               "error": error})


@login_required
@permission_required("rules.manage", raise_exception=True)
def rule_log(request, pk):
    rule = get_object_or_404(Rule, pk=pk)
    page = CappedPaginator(Firing.objects.filter(rule=rule), 50).get_page(request.GET.get("page"))
    subject = services.subject_for(rule)
    records = subject.queryset().in_bulk([f.subject_id for f in page])
    rows = [(f, subject.describe(records[f.subject_id]) if f.subject_id in records else f"#{f.subject_id}")
            for f in page]
    return render(request, "rules/log.html", {"rule": rule, "page": page, "rows": rows})


@login_required
@require_POST
@permission_required("rules.manage", raise_exception=True)
def rule_toggle(request, pk):
    rule = get_object_or_404(Rule, pk=pk)
    rule.is_enabled = not rule.is_enabled
    try:
        services.save_rule(request.user, rule)
        messages.success(request, (_("已启用“%(n)s”。") if rule.is_enabled else _("已停用“%(n)s”。")) % {"n": rule.name})
    except ValidationError as exc:
        messages.error(request, _("不能启用：%(e)s") % {"e": error_text(exc)})
    return redirect("rules:list")


@login_required
@require_POST
def todo_done(request, pk):
    if services.complete_todo(request.user, pk):
        messages.success(request, _("提醒已完成。"))
    back = request.POST.get("next", "")
    return redirect(back if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}) else "flow:todo")
