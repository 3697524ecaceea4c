"""The process engine: start an instance, act on tasks, move through nodes.

Every public function runs in one transaction. The instance row is locked (SELECT … FOR UPDATE
on PostgreSQL; SQLite's IMMEDIATE transactions serialise writers) and the task is closed with a
compare-and-set UPDATE, so of two people acting on the same task at once exactly one action takes
effect and the other gets a clear message. Every step is recorded as a Transition, and as an
audit event on the subject.
"""

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from zhudai.audit.choices import Action as AuditAction
from zhudai.audit.services import record
from zhudai.core.expressions import cached_expression, values_for
from zhudai.core.registry import registry
from zhudai.core.transactions import on_commit_once
from zhudai.core.uploads import check_upload, store_encrypted
from zhudai.core.workdays import deadline

from zhudai.engines.rules import services as rules

from . import handlers, spec
from .choices import (TASK_ACTIONS, Action, EndResult, InstanceStatus, NodeType, Policy, TaskKind, TaskStatus,
                      VersionStatus)
from .models import CarbonCopy, ProcessDefinition, ProcessInstance, ProcessVersion, Task, Transition, TransitionFile

TASKS_VERSION_KEY = "flow:tasks:version"
DECISIONS = {Action.APPROVE, Action.REJECT, Action.RETURN, Action.REQUEST_MATERIALS}
MAX_HOPS = 100  # gateways and automatic nodes in a row; a published spec has no cycle without a task


class FlowError(ValidationError):
    """An action that cannot be taken, with the reason for the person who tried."""


def adapter_for(instance_or_key):
    key = instance_or_key if isinstance(instance_or_key, str) else instance_or_key.subject_type
    return registry.workflow(key)


def _bump():
    try:
        cache.incr(TASKS_VERSION_KEY)
    except ValueError:
        cache.set(TASKS_VERSION_KEY, 1, None)


def _tasks_changed():
    """To-do counts in the navigation are cached per user under a version bumped on every change:
    now, and again on commit, so a count read while the transaction was open is not kept. Once per
    transaction is enough (a rule's tick may create thousands of to-dos in one)."""
    if on_commit_once(_bump):
        _bump()


def _actor_label(user):
    if user is None:
        return _("系统")
    return user.display_name if user.display_name == user.username else f"{user.display_name} ({user.username})"


# -- definitions ------------------------------------------------------------------------------


@transaction.atomic
def save_draft(actor, definition, spec_data, note=""):
    """Store `spec_data` as the definition's draft (a new version number after the newest one)."""
    draft = definition.versions.filter(status=VersionStatus.DRAFT).order_by("-number").first()
    if draft is None:
        number = (definition.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        draft = ProcessVersion(definition=definition, number=number, created_by=actor)
    draft.spec = spec_data
    draft.note = note[:200]
    draft.save()
    record(AuditAction.UPDATE, definition, actor=actor, object_type="process",
           extra={"version": draft.number, "note": note, "draft": True})
    return draft


@transaction.atomic
def publish(actor, version):
    """Validate and publish a draft; new instances start on it, running ones keep their version."""
    if version.status != VersionStatus.DRAFT:
        raise FlowError(_("只能发布草稿版本。"))
    spec.check(version.spec, adapter_for(version.definition.subject))
    version.status = VersionStatus.PUBLISHED
    version.published_at = timezone.now()
    version.save(update_fields=["status", "published_at"])
    record(AuditAction.UPDATE, version.definition, actor=actor, object_type="process",
           changes={"version": [None, version.number]}, extra={"published": True, "note": version.note})
    return version


@transaction.atomic
def copy_definition(actor, source, key, name):
    """A new process starting from `source`'s newest version, as the new one's draft v1."""
    if ProcessDefinition.objects.filter(key=key).exists():
        raise FlowError(_("流程代码“%(k)s”已被使用。") % {"k": key})
    newest = source.versions.order_by("-number").first()
    definition = ProcessDefinition.objects.create(key=key, name=name, subject=source.subject,
                                                  description=_("复制自“%(n)s”") % {"n": source.name})
    ProcessVersion.objects.create(definition=definition, number=1, spec=newest.spec if newest else {"nodes": []},
                                  note=_("复制自 %(n)s v%(v)s") % {"n": source.name, "v": newest.number if newest else 0},
                                  created_by=actor)
    record(AuditAction.CREATE, definition, actor=actor, object_type="process", extra={"copied_from": source.key})
    return definition


@transaction.atomic
def make_default(actor, definition):
    """New submissions of the definition's subject use it (unless a product names its own process)."""
    if definition.published() is None:
        raise FlowError(_("请先发布一个版本，再设为默认流程。"))
    previous = list(ProcessDefinition.objects.filter(subject=definition.subject, is_default=True)
                    .exclude(pk=definition.pk).values_list("name", flat=True))
    ProcessDefinition.objects.filter(subject=definition.subject).update(is_default=False)
    ProcessDefinition.objects.filter(pk=definition.pk).update(is_default=True)
    record(AuditAction.UPDATE, definition, actor=actor, object_type="process",
           changes={"default": [", ".join(previous), definition.name]})


# -- starting ---------------------------------------------------------------------------------


@transaction.atomic
def start(actor, definition, subject, comment=""):
    """Start the definition's published version for `subject`, submitted by `actor`."""
    version = definition.published()
    if version is None:
        raise FlowError(_("流程“%(name)s”还没有发布的版本。") % {"name": definition.name})
    adapter = adapter_for(definition.subject)
    if ProcessInstance.objects.filter(subject_type=adapter.key, subject_id=subject.pk,
                                      status=InstanceStatus.RUNNING).exists():
        raise FlowError(_("该申请已在审批中。"))
    start_node = next(n for n in version.spec["nodes"] if n["type"] == NodeType.START)
    instance = ProcessInstance.objects.create(
        version=version, subject_type=adapter.key, subject_id=subject.pk, current_node=start_node["id"],
        current_name=start_node["name"], started_by=actor,
    )
    _transition(instance, start_node, Action.SUBMIT, actor, comment=comment, to_node=start_node.get("next", ""))
    _enter(actor, instance, subject, adapter, start_node["next"])
    _finish(actor, instance, subject, start_node, Action.SUBMIT, comment)
    return instance


# -- acting -----------------------------------------------------------------------------------


def _lock(instance_id):
    return ProcessInstance.objects.select_for_update().select_related("version").get(pk=instance_id)


def _locked_task(task_id):
    """(task, instance) with the instance row locked, the task read after the lock was taken."""
    instance = (ProcessInstance.objects.select_for_update(of=("self",)).select_related("version")
                .filter(tasks__pk=task_id).first())
    if instance is None:
        raise FlowError(_("待办不存在。"))
    task = Task.objects.select_related("assignee", "candidate_role").get(pk=task_id)
    return task, instance


def may_act(user, task):
    """Whether `user` may work on the open `task` (its assignee, or a member of the role that may claim it)."""
    if task.assignee_id is not None:
        return task.assignee_id == user.pk
    if task.candidate_role_id is not None:
        return user.role_id == task.candidate_role_id
    return user.has_perm("flow.reassign")


def allowed_actions(task, node):
    """The actions a task offers: approve always; the node's list for the rest."""
    if task.kind == TaskKind.MATERIALS:
        return [Action.RESUBMIT]
    configured = node.get("actions") or TASK_ACTIONS
    return [a for a in TASK_ACTIONS if a in configured or a == Action.APPROVE]


@transaction.atomic
def act(actor, task_id, action, *, comment="", target=None, to_user=None, files=(), form=None):
    """Take `action` on a task; returns the instance after it.

    target: node id for a return to a chosen earlier step; to_user: for forward and add_signer;
    form: the node's edit form (adapter.edit_form) with the handler's changes, already bound.
    """
    if action not in Action.values:
        raise FlowError(_("未知的操作。"))
    task, instance = _locked_task(task_id)
    if task.status != TaskStatus.OPEN or not instance.is_running:
        done_by = task.completed_by.display_name if task.completed_by_id else _("他人")
        raise FlowError(_("该待办已由%(who)s处理（%(what)s），无需重复操作。") % {
            "who": done_by, "what": task.get_outcome_display() or task.get_status_display()})
    if not may_act(actor, task):
        raise FlowError(_("这不是您的待办，不能处理。"))
    node = instance.version.node(task.node_id)
    adapter = adapter_for(instance)
    subject = adapter.get(instance.subject_id)
    if action not in allowed_actions(task, node):
        raise FlowError(_("该环节不允许“%(a)s”。") % {"a": Action(action).label})
    if action != Action.FORWARD and task.assignee_id is None:
        _claim(actor, task, instance, node)
    handler = {
        Action.APPROVE: _approve, Action.REJECT: _reject, Action.RETURN: _return,
        Action.REQUEST_MATERIALS: _request_materials, Action.RESUBMIT: _resubmit,
        Action.FORWARD: _forward, Action.ADD_SIGNER: _add_signer,
    }[action]
    transition = handler(actor, instance, task, node, subject, adapter, comment=comment, target=target,
                         to_user=to_user, form=form)
    if files:
        attach_files(transition, files)
    _finish(actor, instance, subject, node, action, comment)
    return instance


def _finish(actor, instance, subject, node, action, comment):
    """Every action ends here: the instance's revision moves on, the subject's history gets the event."""
    instance.revision += 1
    instance.save()
    record(AuditAction.WORKFLOW, subject, actor=actor,
           extra={"action": str(Action(action).label), "node": node.get("name", ""), "comment": comment[:200]})
    _tasks_changed()


def _close(task, actor, outcome, comment):
    """Compare-and-set: only an open task closes; a second, concurrent attempt finds it closed."""
    now = timezone.now()
    closed = Task.objects.filter(pk=task.pk, status=TaskStatus.OPEN).update(
        status=TaskStatus.DONE, outcome=outcome, comment=comment, completed_at=now, completed_by=actor)
    if not closed:
        raise FlowError(_("该待办已被他人处理，无需重复操作。"))
    task.status, task.outcome, task.comment, task.completed_at, task.completed_by = (
        TaskStatus.DONE, outcome, comment, now, actor)
    rules.emit("task", "completed", task)
    return now


def _transition(instance, node, action, actor, *, task=None, comment="", to_node="", completed_at=None):
    duration = over = None
    if task is not None and completed_at is not None:
        duration = max(0, int((completed_at - task.created_at).total_seconds()))
        over = task.due_at is not None and completed_at > task.due_at
    return Transition.objects.create(
        instance=instance, task=task, node_id=node["id"], node_name=node.get("name", ""), action=action,
        actor=actor, actor_label=_actor_label(actor), comment=comment, to_node=to_node or "",
        duration_seconds=duration, over_limit=over,
    )


def _check_self_approval(actor, instance, node, subject, adapter):
    if node.get("allow_self_approval"):
        return
    owner = adapter.owner(subject)
    if actor.pk in {instance.started_by_id, getattr(owner, "pk", None)}:
        raise FlowError(_("不能审批自己提交或负责的申请（环节“%(n)s”不允许本人审批）。") % {"n": node["name"]})


def _approve(actor, instance, task, node, subject, adapter, *, comment, form, **_kw):
    _check_self_approval(actor, instance, node, subject, adapter)
    missing = adapter.missing_documents(subject, node.get("required_documents") or [])
    if missing:
        raise FlowError(_("还缺少必备材料：%(docs)s。请先上传。") % {"docs": "、".join(missing)})
    if form is not None:
        if not form.is_valid():
            raise FlowError(_("请先修正表单中的错误：%(e)s") % {
                "e": "；".join(f"{form.fields[k].label if k in form.fields else ''}{' '.join(v)}"
                              for k, v in form.errors.items())})
        adapter.save_edits(actor, subject, form)
    else:
        empty = adapter.missing_fields(subject, node.get("editable_fields") or [])
        if empty:
            raise FlowError(_("此环节需要先填写：%(f)s。请在申请页面填写后再通过。") % {"f": "、".join(empty)})
    at = _close(task, actor, Action.APPROVE, comment)
    return _decide(actor, instance, task, node, subject, adapter, Action.APPROVE, comment, at)


def _reject(actor, instance, task, node, subject, adapter, *, comment, **_kw):
    if not comment.strip():
        raise FlowError(_("拒绝时请填写意见。"))
    at = _close(task, actor, Action.REJECT, comment)
    return _decide(actor, instance, task, node, subject, adapter, Action.REJECT, comment, at)


def _decide(actor, instance, task, node, subject, adapter, action, comment, at):
    """After one signer's approve or reject: has the node passed, failed, or does it wait for others?
    Records the signer's transition (with where the instance went) and moves on; returns it."""
    signers = list(Task.objects.filter(instance=instance, node_id=task.node_id, activation=task.activation,
                                       kind=TaskKind.APPROVAL).exclude(status=TaskStatus.CANCELLED)
                   .values_list("outcome", "status"))
    approved = sum(1 for outcome, _s in signers if outcome == Action.APPROVE)
    rejected = sum(1 for outcome, _s in signers if outcome == Action.REJECT)
    waiting = sum(1 for _o, status in signers if status == TaskStatus.OPEN)
    policy = node.get("policy", Policy.ALL) if node["type"] == NodeType.COUNTERSIGN else Policy.ALL
    needed = {Policy.ALL: len(signers), Policy.ANY: 1}.get(policy) or int(node.get("n") or len(signers))
    veto = node.get("veto", node["type"] == NodeType.TASK)
    passed = approved >= needed
    failed = not passed and rejected and (veto or approved + waiting < needed)
    target = node["next"] if passed else node.get("reject_to", "") if failed else ""
    transition = _transition(instance, node, action, actor, task=task, comment=comment, to_node=target,
                             completed_at=at)
    if (passed or failed) and waiting:
        _cancel_open(instance, node_id=task.node_id)
    if passed:
        _enter(actor, instance, subject, adapter, node["next"])
    elif failed and target:
        _enter(actor, instance, subject, adapter, target)
    elif failed:
        _end(actor, instance, subject, adapter, EndResult.REJECTED)
    return transition


def returnable_nodes(instance):
    """[(node id, name)] of the earlier work steps an instance may be returned to, latest first."""
    nodes = instance.version.nodes()
    seen, found = set(), []
    rows = Transition.objects.filter(instance=instance, action=Action.APPROVE).order_by("-id").values_list(
        "node_id", flat=True)
    for node_id in rows:
        if node_id != instance.current_node and node_id not in seen and node_id in nodes:
            seen.add(node_id)
            found.append((node_id, nodes[node_id]["name"]))
    return found


def _return(actor, instance, task, node, subject, adapter, *, comment, target=None, **_kw):
    choices = dict(returnable_nodes(instance))
    if not choices:
        raise FlowError(_("这是第一个审批环节，没有可退回的上一步。"))
    target = target or next(iter(choices))
    if target not in choices:
        raise FlowError(_("只能退回到已经走过的环节。"))
    if not comment.strip():
        raise FlowError(_("退回时请填写原因。"))
    at = _close(task, actor, Action.RETURN, comment)
    transition = _transition(instance, node, Action.RETURN, actor, task=task, comment=comment, to_node=target,
                             completed_at=at)
    _cancel_open(instance, node_id=task.node_id)
    _enter(actor, instance, subject, adapter, target)
    return transition


def _request_materials(actor, instance, task, node, subject, adapter, *, comment, **_kw):
    if not comment.strip():
        raise FlowError(_("请写明需要补充哪些材料。"))
    owner = adapter.owner(subject)
    at = _close(task, actor, Action.REQUEST_MATERIALS, comment)
    transition = _transition(instance, node, Action.REQUEST_MATERIALS, actor, task=task, comment=comment,
                             completed_at=at)
    _cancel_open(instance, node_id=task.node_id)
    assignee = owner if owner is not None and owner.is_active else None
    materials = Task.objects.create(instance=instance, node_id=node["id"], node_name=node["name"],
                                    kind=TaskKind.MATERIALS, activation=task.activation, assignee=assignee,
                                    note=comment[:200])
    _announce([materials], instance, subject, adapter)
    return transition


def _resubmit(actor, instance, task, node, subject, adapter, *, comment, **_kw):
    at = _close(task, actor, Action.RESUBMIT, comment)
    transition = _transition(instance, node, Action.RESUBMIT, actor, task=task, comment=comment,
                             to_node=node["id"], completed_at=at)
    _enter(actor, instance, subject, adapter, node["id"])
    return transition


def _usable_colleague(actor, to_user, instance):
    if to_user is None:
        raise FlowError(_("请选择同事。"))
    if not to_user.is_active:
        raise FlowError(_("%(u)s 已停用，不能接收待办。") % {"u": to_user.display_name})
    if to_user.pk == actor.pk:
        raise FlowError(_("不能转交或加签给自己。"))
    if Task.objects.filter(instance=instance, status=TaskStatus.OPEN, assignee=to_user,
                           node_id=instance.current_node).exists():
        raise FlowError(_("%(u)s 已经是该环节的处理人。") % {"u": to_user.display_name})


def _forward(actor, instance, task, node, subject, adapter, *, comment, to_user=None, **_kw):
    _usable_colleague(actor, to_user, instance)
    if not comment.strip():
        raise FlowError(_("转交时请填写原因。"))
    Task.objects.filter(pk=task.pk).update(
        assignee=to_user, candidate_role=None,
        note=(_("由%(u)s转交：%(r)s") % {"u": actor.display_name, "r": comment})[:200])
    task.assignee = to_user
    _announce([task], instance, subject, adapter, reason=_("%(u)s转交给您") % {"u": actor.display_name})
    return _transition(instance, node, Action.FORWARD, actor, task=task, comment=comment, to_node=node["id"])


def _add_signer(actor, instance, task, node, subject, adapter, *, comment, to_user=None, **_kw):
    _usable_colleague(actor, to_user, instance)
    signer = Task.objects.create(
        instance=instance, node_id=node["id"], node_name=node["name"], activation=task.activation,
        assignee=to_user, due_at=task.due_at, note=(_("%(u)s加签") % {"u": actor.display_name})[:200])
    _announce([signer], instance, subject, adapter, reason=_("%(u)s请您加签") % {"u": actor.display_name})
    return _transition(instance, node, Action.ADD_SIGNER, actor, task=task,
                       comment=comment or _("加签：%(u)s") % {"u": to_user.display_name}, to_node=node["id"])


def _claim(actor, task, instance, node):
    claimed = Task.objects.filter(pk=task.pk, status=TaskStatus.OPEN, assignee__isnull=True).update(assignee=actor)
    if not claimed:
        raise FlowError(_("该待办已被他人认领。"))
    task.assignee = actor
    _transition(instance, node, Action.CLAIM, actor, task=task)


@transaction.atomic
def claim(actor, task_id):
    """Take a claimable task for oneself."""
    task, instance = _locked_task(task_id)
    if task.status != TaskStatus.OPEN or task.assignee_id is not None:
        raise FlowError(_("该待办已被他人认领。"))
    if not may_act(actor, task):
        raise FlowError(_("您不能认领这个待办。"))
    node = instance.version.node(task.node_id)
    _claim(actor, task, instance, node)
    adapter = adapter_for(instance)
    _finish(actor, instance, adapter.get(instance.subject_id), node, Action.CLAIM, "")
    return task


@transaction.atomic
def assign(actor, task_id, to_user, comment=""):
    """An administrator (flow.reassign) gives an unassigned or stuck task to someone."""
    if not actor.has_perm("flow.reassign"):
        raise FlowError(_("您没有分配待办的权限。"))
    task, instance = _locked_task(task_id)
    if task.status != TaskStatus.OPEN:
        raise FlowError(_("该待办已处理。"))
    if to_user is None or not to_user.is_active:
        raise FlowError(_("请选择在职的同事。"))
    node = instance.version.node(task.node_id)
    Task.objects.filter(pk=task.pk).update(assignee=to_user, candidate_role=None,
                                           note=(_("由%(u)s分配") % {"u": actor.display_name})[:200])
    _transition(instance, node, Action.FORWARD, actor, task=task, comment=comment, to_node=node["id"])
    adapter = adapter_for(instance)
    subject = adapter.get(instance.subject_id)
    task.assignee = to_user
    _announce([task], instance, subject, adapter, reason=_("%(u)s分配给您") % {"u": actor.display_name})
    _finish(actor, instance, subject, node, Action.FORWARD, comment)
    return task


def can_withdraw(user, instance):
    """The submitter may withdraw while nobody else has decided anything."""
    if not instance.is_running or instance.started_by_id != user.pk:
        return False
    return not Transition.objects.filter(instance=instance, action__in=DECISIONS).exclude(actor=user).exists()


@transaction.atomic
def withdraw(actor, instance_id, comment=""):
    instance = _lock(instance_id)
    if not can_withdraw(actor, instance):
        raise FlowError(_("只有提交人可以撤回，且须在他人审批之前。"))
    adapter = adapter_for(instance)
    subject = adapter.get(instance.subject_id)
    node = instance.version.node(instance.current_node) or {"id": instance.current_node, "name": instance.current_name}
    _transition(instance, node, Action.WITHDRAW, actor, comment=comment)
    _end(actor, instance, subject, adapter, EndResult.WITHDRAWN)
    _finish(actor, instance, subject, node, Action.WITHDRAW, comment)
    return instance


def attach_files(transition, uploads):
    from django.conf import settings

    for upload in uploads:
        content_type = check_upload(upload, settings.ATTACHMENT_MAX_BYTES)
        data = b"".join(upload.chunks())
        item = TransitionFile(transition=transition, original_name=upload.name[:200], content_type=content_type,
                              size=len(data))
        store_encrypted(item.file, data)
        item.save()


def _announce(tasks, instance, subject, adapter, reason=""):
    """Tell each assignee in their bell that a task is waiting (once per task and assignee)."""
    from zhudai.notify.services import notify_user

    text = adapter.describe(subject)
    for task in tasks:
        if task.assignee is None:
            continue
        title = (_("补充材料：%(n)s") if task.kind == TaskKind.MATERIALS else _("新待办：%(n)s")) % {"n": task.node_name}
        notify_user(task.assignee, title, f"{text}{'（' + reason + '）' if reason else ''}",
                    url=f"{adapter.url(subject)}#process", related=f"{instance.subject_type}:{instance.subject_id}",
                    dedupe_key=f"task:{task.pk}:{task.assignee_id}")


# -- moving through nodes -----------------------------------------------------------------------


def _cancel_open(instance, node_id=None):
    tasks = Task.objects.filter(instance=instance, status=TaskStatus.OPEN)
    if node_id is not None:
        tasks = tasks.filter(node_id=node_id)
    tasks.update(status=TaskStatus.CANCELLED, completed_at=timezone.now())


def _end(actor, instance, subject, adapter, result):
    _cancel_open(instance)
    instance.status = result
    instance.ended_at = timezone.now()
    adapter.ended(actor, instance, subject, result)


def _enter(actor, instance, subject, adapter, node_id):
    """Move the instance into `node_id`, through gateways and automatic nodes, until it waits or ends."""
    nodes = instance.version.nodes()
    for _hop in range(MAX_HOPS):
        node = nodes[node_id]
        instance.current_node, instance.current_name, instance.entered_at = node_id, node["name"], timezone.now()
        kind = node["type"]
        if kind == NodeType.END:
            _transition(instance, node, Action.END, None)
            _end(actor, instance, subject, adapter, node.get("result", EndResult.APPROVED))
            return
        if kind == NodeType.GATEWAY:
            node_id, label = _route(node, subject, adapter)
            _transition(instance, node, Action.ROUTE, None, comment=label, to_node=node_id)
            continue
        if kind == NodeType.AUTO:
            _label, run = adapter.auto_actions()[node["action"]]
            passed, comment = run(instance, subject)
            _transition(instance, node, Action.AUTO, None, comment=comment,
                        to_node=node["next"] if passed else node.get("reject_to", ""))
            if passed:
                node_id = node["next"]
                continue
            if node.get("reject_to"):
                node_id = node["reject_to"]
                continue
            _end(actor, instance, subject, adapter, EndResult.REJECTED)
            return
        if kind == NodeType.START:
            node_id = node["next"]
            continue
        _activate(instance, node, subject, adapter)
        adapter.entered(actor, instance, subject, node)
        return
    raise FlowError(_("流程在条件分支间循环，请检查流程定义。"))


def _route(node, subject, adapter):
    schema = adapter.schema()
    branches = [(branch, cached_expression(branch["condition"], schema)) for branch in node.get("branches", [])]
    values = values_for(schema, adapter.values(subject), used=set().union(*(e.names for _b, e in branches)))
    for branch, expression in branches:
        if expression.matches(values):
            return branch["to"], branch.get("label") or branch["condition"]
    return node["default"], _("默认分支")


def _activate(instance, node, subject, adapter):
    """Create the tasks of one entry into a work node (one per signer) and its copies."""
    activation = (Task.objects.filter(instance=instance, node_id=node["id"]).aggregate(n=Max("activation"))["n"]
                  or 0) + 1
    now = timezone.now()
    due = deadline(now, node.get("limit_hours"), node.get("working_hours", False))
    chosen, tasks = [], []
    for rule in node.get("handlers", []):
        assignment = handlers.resolve(rule, subject, adapter, exclude=chosen)
        if assignment.user is not None:
            if assignment.user.pk in chosen:
                continue
            chosen.append(assignment.user.pk)
        tasks.append(Task(instance=instance, node_id=node["id"], node_name=node["name"], activation=activation,
                          assignee=assignment.user, candidate_role=assignment.role, created_at=now, due_at=due))
    Task.objects.bulk_create(tasks)
    _announce(tasks, instance, subject, adapter)
    for task in tasks:
        rules.emit("task", "created", task)
    copies = []
    for rule in node.get("cc") or []:
        assignment = handlers.resolve(rule, subject, adapter)
        if assignment.user is not None:
            copies.append(CarbonCopy(instance=instance, user=assignment.user, node_name=node["name"]))
    CarbonCopy.objects.bulk_create(copies)


def handover_tasks(actor, from_user, to_user):
    """Registered handover hook: `from_user`'s open tasks go to `to_user`, each recorded on its instance."""
    tasks = list(Task.objects.filter(assignee=from_user, status=TaskStatus.OPEN).select_related("instance"))
    note = (_("离职交接：由%(a)s转给%(b)s") % {"a": from_user.display_name, "b": to_user.display_name})[:200]
    Task.objects.filter(pk__in=[t.pk for t in tasks]).update(assignee=to_user, note=note)
    Transition.objects.bulk_create([
        Transition(instance=t.instance, task=t, node_id=t.node_id, node_name=t.node_name, action=Action.FORWARD,
                   actor=actor, actor_label=_actor_label(actor), comment=note, to_node=t.node_id) for t in tasks])
    if tasks:
        _tasks_changed()
    return {"open_tasks": len(tasks)}
