"""Append-only audit events. The database itself refuses UPDATE (and DELETE on PostgreSQL)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import OBJECT_TYPES, Action


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("audit events are append-only")

    def delete(self):
        raise PermissionError("audit events are append-only")


class AuditEvent(models.Model):
    """One thing someone (or the system) did: who, when, from where, to what, and what changed."""

    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
        on_delete=models.DO_NOTHING, related_name="+", db_constraint=False,
    )
    actor_label = models.CharField(_("操作人"), max_length=150)
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=50, blank=True, db_index=True)
    object_id = models.CharField(_("对象ID"), max_length=40, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    # The record whose history shows this event, "customer:42" for a follow-up of customer 42.
    subject = models.CharField(_("所属记录"), max_length=60, blank=True, db_index=True)
    changes = models.JSONField(_("变更"), default=dict, blank=True)
    extra = models.JSONField(_("附加信息"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    request_id = models.CharField(_("请求ID"), max_length=64, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "-id"], name="audit_object_idx")]
        verbose_name = verbose_name_plural = _("操作日志")

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.get_action_display()} {self.object_repr}"

    @property
    def object_type_label(self):
        return OBJECT_TYPES.get(self.object_type, self.object_type)

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit events are append-only")
