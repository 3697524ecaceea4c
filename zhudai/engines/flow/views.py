"""The to-do center (待办中心), actions on tasks, and the process settings pages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from zhudai.accounts.models import Role, User
from zhudai.audit.choices import Action as AuditAction
from zhudai.audit.services import record
from zhudai.core.errors import error_text
from zhudai.core.expressions import describe
from zhudai.core.paging import CappedPaginator

from zhudai.engines.rules import services as rule_services

from . import diagram, queries, rendering, services, spec
from .choices import Action, InstanceStatus, TaskStatus, VersionStatus
from .forms import ActionForm, NodeFormSet, initial_for
from .models import CarbonCopy, ProcessDefinition, ProcessInstance, ProcessVersion, Task, Transition, TransitionFile
from .services import FlowError, adapter_for

TABS = [
    ("pending", gettext_lazy("待我处理")), ("claimable", gettext_lazy("可认领")), ("submitted", gettext_lazy("我提交的")),
    ("handled", gettext_lazy("我已处理")), ("copied", gettext_lazy("抄送我的")),
]


def _back(request, default):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@login_required
def todo(request):
    """One page per person: what waits for me, what I can claim, what I submitted, handled, was copied."""
    user, tab = request.user, request.GET.get("tab", "pending")
    rows = {
        "pending": queries.pending, "claimable": queries.claimable, "submitted": queries.submitted,
        "handled": queries.handled, "copied": queries.copied,
    }.get(tab)
    if rows is None:
        tab, rows = "pending", queries.pending
    mine, claimable, reminders = queries.counts(user)
    known = {"pending": mine, "claimable": claimable}.get(tab)
    page = CappedPaginator(rows(user), 30, known_count=known).get_page(request.GET.get("page"))
    instance_of = (lambda row: row) if tab == "submitted" else (lambda row: row.instance)
    items = queries.with_subjects(list(page), instance_of)
    if tab == "copied":
        CarbonCopy.objects.filter(pk__in=[c.pk for c, _s in items], read_at__isnull=True).update(
            read_at=timezone.now())
    counts = {"pending": mine + reminders, "claimable": claimable}
    colleagues = (list(User.objects.filter(is_active=True).select_related("role").order_by("org_unit", "id"))
                  if tab == "claimable" and user.has_perm("flow.reassign") else None)
    rows = rendering.rows_html(
        tab, items, csrf_token=get_token(request), back=request.get_full_path(), colleagues=colleagues,
        act_url=reverse("flow:act", args=[0]), claim_url=reverse("flow:claim", args=[0]),
        assign_url=reverse("flow:assign", args=[0]))
    return render(request, "flow/todo.html", {
        "tab": tab, "tabs": [(key, label, counts.get(key)) for key, label in TABS], "page": page, "items": items,
        "rows_html": rows,
        "reminders": list(rule_services.open_todos(user)[:50]) if tab == "pending" and reminders else [],
    })


@login_required
@require_POST
def task_act(request, pk):
    """One action on one task, from the to-do list (one tap plus a comment) or the application page."""
    task = get_object_or_404(Task.objects.select_related("instance__version"), pk=pk)
    instance = task.instance
    adapter = adapter_for(instance)
    form = ActionForm(request.POST, request.FILES, returnable=services.returnable_nodes(instance))
    back = _back(request, reverse("flow:todo"))
    if not form.is_valid():
        messages.error(request, _("提交的内容有误，请重试。"))
        return redirect(back)
    data = form.cleaned_data
    node = instance.version.node(task.node_id) or {}
    step_form = None
    if request.POST.get("step-present") and node.get("editable_fields"):
        step_form = adapter.edit_form(adapter.get(instance.subject_id), node["editable_fields"], request.POST)
    try:
        services.act(request.user, task.pk, data["action"], comment=data["comment"], target=data["target"] or None,
                     to_user=data["to_user"], files=request.FILES.getlist("files"), form=step_form)
    except (FlowError, ValidationError) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("已%(a)s：%(n)s") % {"a": Action(data["action"]).label, "n": task.node_name})
    return redirect(back)


@login_required
@require_POST
def bulk_approve(request):
    """Approve several tasks with one comment; each in its own transaction, failures reported."""
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    comment = request.POST.get("comment", "").strip() or _("同意")
    if not ids:
        messages.warning(request, _("请先勾选待办。"))
        return redirect("flow:todo")
    done, failed = 0, []
    for task in Task.objects.filter(pk__in=ids, assignee=request.user, status=TaskStatus.OPEN):
        try:
            services.act(request.user, task.pk, Action.APPROVE, comment=comment)
            done += 1
        except (FlowError, ValidationError) as exc:
            failed.append(f"{task.node_name}：{error_text(exc)}")
    if done:
        messages.success(request, _("已批量通过 %(n)d 项待办。") % {"n": done})
    for text in failed[:10]:
        messages.error(request, text)
    return redirect("flow:todo")


@login_required
@require_POST
def task_claim(request, pk):
    try:
        services.claim(request.user, pk)
        messages.success(request, _("已认领，待办已移到“待我处理”。"))
    except FlowError as exc:
        messages.error(request, error_text(exc))
    return redirect(_back(request, reverse("flow:todo")))


@login_required
@require_POST
@permission_required("flow.reassign", raise_exception=True)
def task_assign(request, pk):
    to_user = User.objects.filter(pk=request.POST.get("to_user") or 0).first()
    try:
        services.assign(request.user, pk, to_user, request.POST.get("comment", ""))
        messages.success(request, _("已分配给 %(u)s。") % {"u": to_user.display_name})
    except FlowError as exc:
        messages.error(request, error_text(exc))
    return redirect(_back(request, reverse("flow:todo") + "?tab=claimable"))


@login_required
@require_POST
def instance_withdraw(request, pk):
    instance = get_object_or_404(ProcessInstance, pk=pk, started_by=request.user)
    try:
        services.withdraw(request.user, instance.pk, request.POST.get("comment", ""))
        messages.success(request, _("已撤回。"))
    except FlowError as exc:
        messages.error(request, error_text(exc))
    return redirect(_back(request, reverse("flow:todo") + "?tab=submitted"))


# -- settings: processes ------------------------------------------------------------------------


@login_required
@permission_required("flow.manage", raise_exception=True)
def definition_list(request):
    definitions = ProcessDefinition.objects.prefetch_related("versions")
    return render(request, "flow/definition_list.html", {"definitions": definitions})


@login_required
@permission_required("flow.manage", raise_exception=True)
def definition_detail(request, pk):
    definition = get_object_or_404(ProcessDefinition, pk=pk)
    versions = list(definition.versions.all())
    number = request.GET.get("v")
    shown = next((v for v in versions if str(v.number) == number), None) or definition.published() or (
        versions[0] if versions else None)
    adapter = adapter_for(definition.subject)
    problems = spec.validate(shown.spec, adapter) if shown and shown.status == VersionStatus.DRAFT else []
    running = {row["version"]: row["n"] for row in ProcessInstance.objects.filter(
        version__definition=definition, status=InstanceStatus.RUNNING).values("version").annotate(
        n=Count("id"))}
    return render(request, "flow/definition_detail.html", {
        "definition": definition, "versions": [(v, running.get(v.pk, 0)) for v in versions], "shown": shown,
        "svg": diagram.render(shown.spec) if shown else "", "problems": problems,
        "nodes": shown.spec.get("nodes", []) if shown else [],
    })


@login_required
@permission_required("flow.manage", raise_exception=True)
def definition_edit(request, pk):
    """Edit the draft (started from the newest version): nodes, handlers, conditions, limits."""
    definition = get_object_or_404(ProcessDefinition, pk=pk)
    adapter = adapter_for(definition.subject)
    base = definition.versions.order_by("-number").first()
    nodes = base.spec.get("nodes", []) if base else []
    if request.method == "POST":
        formset = NodeFormSet(request.POST, adapter=adapter, prefix="nodes")
        note = request.POST.get("note", "")
        if formset.is_valid():
            spec_data = formset.to_spec()
            draft = services.save_draft(request.user, definition, spec_data, note)
            problems = spec.validate(spec_data, adapter)
            if problems:
                messages.warning(request, _("草稿已保存，但还不能发布：请修正下列问题。"))
            else:
                messages.success(request, _("草稿 v%(n)d 已保存，检查通过，可以发布。") % {"n": draft.number})
            return redirect(f"{reverse('flow:definition', args=[pk])}?v={draft.number}")
    else:
        formset = NodeFormSet(initial=[initial_for(n) for n in nodes], adapter=adapter, prefix="nodes")
    return render(request, "flow/definition_edit.html", {
        "definition": definition, "formset": formset, "base": base,
        "fields_help": describe(adapter.schema(), {k: str(v) for k, v in adapter.labels().items()}),
        "roles": Role.objects.all(),
        "svg": diagram.render({"nodes": nodes}),
    })


@login_required
@require_POST
@permission_required("flow.manage", raise_exception=True)
def version_publish(request, pk):
    version = get_object_or_404(ProcessVersion, pk=pk)
    try:
        services.publish(request.user, version)
        messages.success(request, _("v%(n)d 已发布：新提交的申请使用此版本，审批中的申请仍按原版本完成。") % {"n": version.number})
    except ValidationError as exc:
        messages.error(request, _("不能发布：%(e)s") % {"e": error_text(exc)})
    return redirect(f"{reverse('flow:definition', args=[version.definition_id])}?v={version.number}")


@login_required
@require_POST
@permission_required("flow.manage", raise_exception=True)
def version_discard(request, pk):
    version = get_object_or_404(ProcessVersion, pk=pk, status=VersionStatus.DRAFT)
    definition_id = version.definition_id
    with transaction.atomic():
        record(AuditAction.DELETE, version.definition, actor=request.user, object_type="process",
                        extra={"draft": version.number})
        version.delete()
    messages.success(request, _("草稿已删除。"))
    return redirect("flow:definition", definition_id)


@login_required
@require_POST
@permission_required("flow.manage", raise_exception=True)
def definition_copy(request, pk):
    source = get_object_or_404(ProcessDefinition, pk=pk)
    key = slugify(request.POST.get("key", ""))[:40]
    name = request.POST.get("name", "").strip()[:60]
    if not key or not name:
        messages.error(request, _("请填写新流程的代码（字母、数字、下划线）和名称。"))
        return redirect("flow:definition", pk)
    try:
        definition = services.copy_definition(request.user, source, key, name)
    except FlowError as exc:
        messages.error(request, error_text(exc))
        return redirect("flow:definition", pk)
    messages.success(request, _("已复制为“%(n)s”（草稿 v1）：修改后发布，再在贷款产品中选用或设为默认。") % {"n": name})
    return redirect("flow:definition_edit", definition.pk)


@login_required
@require_POST
@permission_required("flow.manage", raise_exception=True)
def definition_make_default(request, pk):
    definition = get_object_or_404(ProcessDefinition, pk=pk)
    try:
        services.make_default(request.user, definition)
        messages.success(request, _("“%(n)s”已设为默认流程。") % {"n": definition.name})
    except FlowError as exc:
        messages.error(request, error_text(exc))
    return redirect("flow:definition", pk)


def transitions_for(instance):
    return list(Transition.objects.filter(instance=instance).select_related("actor").prefetch_related("files"))


def process_panel(user, subject_type, subject):
    """Context for the process section of a subject's page (flow/_process_panel.html): diagram with the
    current step, history, who holds it now, and the actions `user` may take."""
    instance = queries.latest_instance(subject_type, subject.pk)
    if instance is None:
        return None
    adapter = adapter_for(subject_type)
    node = instance.version.node(instance.current_node) or {}
    open_tasks = list(Task.objects.filter(instance=instance, status=TaskStatus.OPEN)
                      .select_related("assignee", "candidate_role"))
    mine = [(task, services.allowed_actions(task, node)) for task in open_tasks if services.may_act(user, task)]
    transitions = transitions_for(instance)
    returnable = services.returnable_nodes(instance)
    approving = any(task.kind == "approval" for task, _actions in mine)
    running = instance.status == InstanceStatus.RUNNING
    return {
        "instance": instance, "node": node, "open_tasks": open_tasks, "mine": mine, "transitions": transitions,
        "returnable": returnable, "action_form": ActionForm(returnable=returnable),
        "step_form": adapter.edit_form(subject, node.get("editable_fields") or []) if approving else None,
        "missing": adapter.missing_documents(subject, node.get("required_documents") or []) if approving else [],
        "can_withdraw": services.can_withdraw(user, instance),
        "svg": diagram.render(instance.version.spec, current=instance.current_node if running else None,
                              visited={t.node_id for t in transitions}),
    }


@login_required
def transition_file(request, pk):
    """A file attached to an action, for whoever may open the subject; every download is audited."""
    from zhudai.core.uploads import file_response, read_encrypted

    item = get_object_or_404(TransitionFile.objects.select_related("transition__instance"), pk=pk)
    instance = item.transition.instance
    subject = adapter_for(instance).access(request.user, instance.subject_id)
    data = read_encrypted(item.file)
    record(AuditAction.DOWNLOAD, subject, actor=request.user, extra={"file": item.original_name})
    return file_response(data, item.content_type, item.original_name)
