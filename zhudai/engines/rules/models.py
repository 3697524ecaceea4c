"""If-then rules, the record of each time a rule fired (once per record and occurrence), and the
to-dos rules create (shown in the to-do center beside approval tasks)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import Priority, Since, Trigger, Unit


class Rule(models.Model):
    """如果…那么…: on a subject, when a moment arrives and the condition holds, take the actions."""

    name = models.CharField(_("名称"), max_length=80)
    code = models.SlugField(_("代码"), max_length=40, unique=True, null=True, blank=True,
                            help_text=_("系统内置规则的代码"))
    subject = models.CharField(_("对象"), max_length=40)
    trigger = models.CharField(_("触发方式"), max_length=20, choices=Trigger.choices, default=Trigger.TIME)
    date_field = models.CharField(_("时间字段"), max_length=60, blank=True)
    event = models.CharField(_("事件"), max_length=40, blank=True, help_text=_("触发方式为“发生某件事时”时使用"))
    since = models.CharField(_("从何时算起"), max_length=12, choices=Since.choices, default=Since.ACTIVITY,
                             help_text=_("触发方式为“一段时间没有跟进”时使用"))
    offset = models.IntegerField(_("偏移"), default=0, help_text=_("正数为之后，负数为之前"))
    unit = models.CharField(_("单位"), max_length=10, choices=Unit.choices, default=Unit.HOURS)
    working_time = models.BooleanField(_("按工作时间计"), default=False,
                                       help_text=_("小时按工作时间、天按工作日计（节假日除外）"))
    condition = models.TextField(_("条件"), blank=True, help_text=_("留空表示总是满足"))
    actions = models.JSONField(_("动作"), default=list)
    is_enabled = models.BooleanField(_("启用"), default=False)
    # The scheduler looks at moments after this one only: enabling a rule never replays the past.
    watched_from = models.DateTimeField(_("生效时间"), null=True, blank=True)
    checked_until = models.DateTimeField(_("已检查到"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = verbose_name_plural = _("提醒规则")

    def __str__(self):
        return self.name


class Firing(models.Model):
    """One occurrence a rule fired for one record. The unique key is what makes firing once-only:
    two schedulers, a restart or a re-run find the row and do nothing."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="firings")
    subject_id = models.BigIntegerField()
    base_at = models.DateTimeField()  # the moment the occurrence is about (the date field's value)
    fired_at = models.DateTimeField(_("时间"), default=timezone.now)
    ok = models.BooleanField(_("成功"), default=True)
    detail = models.JSONField(_("执行结果"), default=list, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["rule", "subject_id", "base_at"], name="rule_firing_once")]
        verbose_name = verbose_name_plural = _("规则执行记录")


class Todo(models.Model):
    """A reminder for one person, made by a rule (or a person); done with one click."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("处理人"), on_delete=models.CASCADE,
                             related_name="todos")
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    priority = models.CharField(_("优先级"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    due_at = models.DateTimeField(_("期限"), null=True, blank=True)
    rule = models.ForeignKey(Rule, null=True, blank=True, on_delete=models.SET_NULL, related_name="todos")
    related = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["user", "due_at", "id"], name="rules_todo_open",
                                condition=Q(done_at__isnull=True))]
        verbose_name = verbose_name_plural = _("提醒待办")

    def __str__(self):
        return self.title

    @property
    def overdue(self):
        return self.done_at is None and self.due_at is not None and self.due_at < timezone.now()
