"""Process definitions (versioned rows), running instances, tasks and their history.

The engine knows nothing about loans: an instance points at its subject by registry key and id
("loan_application", 42), and everything it needs to know about the subject comes from the
workflow adapter the domain app registered (see `zhudai.engines.flow.adapters`).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import Action, InstanceStatus, TaskKind, TaskStatus, VersionStatus


class ProcessDefinition(models.Model):
    """A named process for one kind of record; what it does lives in its versions."""

    key = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    subject = models.CharField(_("适用对象"), max_length=40, help_text=_("登记到流程引擎的业务对象"))
    description = models.CharField(_("说明"), max_length=200, blank=True)
    is_default = models.BooleanField(_("默认流程"), default=False, help_text=_("该类对象提交时使用的流程"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = verbose_name_plural = _("审批流程")

    def __str__(self):
        return self.name

    def published(self):
        """The version new instances start on (the newest published one), or None."""
        return self.versions.filter(status=VersionStatus.PUBLISHED).order_by("-number").first()


class ProcessVersion(models.Model):
    """One version of a process: its nodes as JSON. Published versions are never edited again."""

    definition = models.ForeignKey(ProcessDefinition, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版本"))
    spec = models.JSONField(_("流程定义"), default=dict)
    status = models.CharField(_("状态"), max_length=20, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    note = models.CharField(_("变更说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    class Meta:
        ordering = ["definition", "-number"]
        constraints = [models.UniqueConstraint(fields=["definition", "number"], name="flow_version_unique")]
        verbose_name = verbose_name_plural = _("流程版本")

    def __str__(self):
        return f"{self.definition.name} v{self.number}"

    def nodes(self):
        return {node["id"]: node for node in self.spec.get("nodes", [])}

    def node(self, node_id):
        return self.nodes().get(node_id)


class ProcessInstance(models.Model):
    """One run of a process for one subject. `revision` grows with every action (optimistic checks)."""

    version = models.ForeignKey(ProcessVersion, on_delete=models.PROTECT, related_name="instances")
    subject_type = models.CharField(max_length=40)
    subject_id = models.BigIntegerField()
    status = models.CharField(_("状态"), max_length=20, choices=InstanceStatus.choices, default=InstanceStatus.RUNNING)
    current_node = models.CharField(_("当前环节"), max_length=60, blank=True)
    current_name = models.CharField(_("当前环节"), max_length=100, blank=True)
    entered_at = models.DateTimeField(_("进入当前环节"), default=timezone.now)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("提交人"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    revision = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="flow_instance_subject"),
            models.Index(fields=["started_by", "-started_at"], name="flow_instance_started_by"),
        ]
        verbose_name = verbose_name_plural = _("流程实例")

    def __str__(self):
        return f"{self.subject_type}:{self.subject_id} {self.current_name}"

    @property
    def is_running(self):
        return self.status == InstanceStatus.RUNNING


class Task(models.Model):
    """Work waiting for one person (or claimable by the members of a role) at one node."""

    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="tasks")
    node_id = models.CharField(max_length=60)
    node_name = models.CharField(_("环节"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=TaskKind.choices, default=TaskKind.APPROVAL)
    # The tasks one entry into a node created (a countersign's several signers) share an activation.
    activation = models.PositiveIntegerField(default=1)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("处理人"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="flow_tasks")
    # Unassigned tasks are claimable by the members of this role; with neither, by users holding
    # flow.reassign (the handler rule found nobody: an administrator must pick someone).
    candidate_role = models.ForeignKey("accounts.Role", verbose_name=_("可认领角色"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    outcome = models.CharField(_("处理结果"), max_length=20, choices=Action.choices, blank=True)
    comment = models.TextField(_("意见"), blank=True)
    created_at = models.DateTimeField(_("到达时间"), default=timezone.now)
    due_at = models.DateTimeField(_("办理时限"), null=True, blank=True)
    completed_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    note = models.CharField(_("说明"), max_length=200, blank=True)  # "由 X 转交：原因", "加签"

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            # "My pending tasks": one index range per person, ordered by deadline.
            models.Index(fields=["assignee", "due_at", "id"], name="flow_task_open_assignee",
                         condition=Q(status="open")),
            models.Index(fields=["candidate_role", "due_at", "id"], name="flow_task_open_claimable",
                         condition=Q(status="open", assignee__isnull=True)),
            models.Index(fields=["completed_by", "-completed_at"], name="flow_task_completed_by"),
            models.Index(fields=["instance", "node_id", "activation"], name="flow_task_instance_node"),
            models.Index(fields=["created_at"], name="flow_task_created"),  # rules: a step waiting too long
        ]
        verbose_name = verbose_name_plural = _("待办任务")

    def __str__(self):
        return f"{self.node_name} ({self.get_status_display()})"

    @property
    def is_open(self):
        return self.status == TaskStatus.OPEN

    @property
    def overdue(self):
        return self.is_open and self.due_at is not None and self.due_at < timezone.now()


class Transition(models.Model):
    """One recorded step of an instance: who did what where, with the time the step took."""

    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="transitions")
    task = models.ForeignKey(Task, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    node_id = models.CharField(max_length=60)
    node_name = models.CharField(_("环节"), max_length=100)
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor_label = models.CharField(_("操作人"), max_length=150)
    comment = models.TextField(_("意见"), blank=True)
    to_node = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    # For actions that complete a task: seconds since the task arrived, and whether that ran over
    # the node's time limit. "Average time per step" and "share over the limit" read these.
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    over_limit = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["instance", "id"], name="flow_transition_instance"),
            models.Index(fields=["node_id", "created_at"], name="flow_transition_node"),
        ]
        verbose_name = verbose_name_plural = _("流程记录")

    def __str__(self):
        return f"{self.node_name} {self.get_action_display()} {self.actor_label}"

    @property
    def duration_text(self):
        """"2天3小时", "45分钟": how long the step waited for this action."""
        if self.duration_seconds is None:
            return ""
        minutes = self.duration_seconds // 60
        days, hours, mins = minutes // 1440, minutes // 60 % 24, minutes % 60
        if days:
            return _("%(d)d天%(h)d小时") % {"d": days, "h": hours}
        if hours:
            return _("%(h)d小时%(m)d分钟") % {"h": hours, "m": mins}
        return _("%(m)d分钟") % {"m": max(mins, 1) if self.duration_seconds else 0}


def transition_file_path(instance, filename):
    return f"flow/{timezone.now():%Y/%m}/{instance.transition_id}.bin"


class TransitionFile(models.Model):
    """A file attached to an action (a scan with the approval comment), encrypted on disk."""

    transition = models.ForeignKey(Transition, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=transition_file_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.original_name


class CarbonCopy(models.Model):
    """An instance copied to someone (抄送) at a node, for information."""

    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="copies")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flow_copies")
    node_name = models.CharField(_("环节"), max_length=100)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "-id"], name="flow_copy_user")]
        verbose_name = verbose_name_plural = _("抄送")
