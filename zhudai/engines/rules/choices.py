from django.db import models
from django.utils.translation import gettext_lazy as _


class Trigger(models.TextChoices):
    TIME = "time", _("相对某个时间")
    INACTIVITY = "inactivity", _("一段时间没有跟进")
    ANNUAL = "annual", _("每年的某一天（生日）")
    EVENT = "event", _("发生某件事时")


class Since(models.TextChoices):
    ACTIVITY = "activity", _("最近一次跟进（没有跟进过则从登记时起）")
    ASSIGNMENT = "assignment", _("分配给当前业务员之后")


class Unit(models.TextChoices):
    MINUTES = "minutes", _("分钟")
    HOURS = "hours", _("小时")
    DAYS = "days", _("天")


class ActionType(models.TextChoices):
    TODO = "todo", _("创建待办")
    NOTIFY = "notify", _("发送通知")
    SET_FIELD = "set_field", _("修改字段")
    ASSIGN = "assign", _("分配给")
    FOLLOW_UP = "follow_up", _("安排跟进")
    WEBHOOK = "webhook", _("调用 Webhook")


class Priority(models.TextChoices):
    LOW = "low", _("低")
    NORMAL = "normal", _("普通")
    HIGH = "high", _("高")
