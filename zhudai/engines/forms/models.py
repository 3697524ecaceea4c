"""Administrator-defined fields on registered models (the customer profile and later others)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import FieldType


class FieldDefinitionQuerySet(models.QuerySet):
    def for_model(self, model_key):
        return self.filter(model_key=model_key, is_active=True).order_by("section", "order", "id")

    def visible_to(self, user):
        """Definitions whose values `user` may see: no roles listed means everyone."""
        if user.is_superuser:
            return self
        return self.filter(models.Q(view_roles__isnull=True) | models.Q(view_roles=user.role_id)).distinct()

    def editable_by(self, user):
        if user.is_superuser:
            return self
        return self.filter(models.Q(edit_roles__isnull=True) | models.Q(edit_roles=user.role_id)).distinct()


class FieldDefinition(models.Model):
    """One custom field: its key in the JSON column, type, rules and who may see and edit it."""

    model_key = models.CharField(_("所属对象"), max_length=40)
    key = models.SlugField(
        _("字段键"), max_length=40,
        help_text=_("小写字母、数字和下划线，以字母开头；保存后不可修改，导入、接口和规则用它引用字段"),
    )
    label = models.CharField(_("名称"), max_length=60)
    field_type = models.CharField(_("类型"), max_length=20, choices=FieldType.choices, default=FieldType.TEXT)
    required = models.BooleanField(_("必填"), default=False)
    help_text = models.CharField(_("填写说明"), max_length=200, blank=True)
    choices = models.JSONField(_("选项"), default=list, blank=True)
    section = models.CharField(_("分组"), max_length=40, blank=True, default="")
    order = models.PositiveIntegerField(_("排序"), default=0)
    view_roles = models.ManyToManyField(
        "accounts.Role", verbose_name=_("可查看角色"), blank=True, related_name="+",
        help_text=_("不选表示所有角色可见"),
    )
    edit_roles = models.ManyToManyField(
        "accounts.Role", verbose_name=_("可编辑角色"), blank=True, related_name="+",
        help_text=_("不选表示所有可编辑客户的角色都可编辑"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = FieldDefinitionQuerySet.as_manager()

    class Meta:
        ordering = ["model_key", "section", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["model_key", "key"], name="field_definition_unique_key")]
        verbose_name = verbose_name_plural = _("自定义字段")

    def __str__(self):
        return self.label

    @property
    def form_name(self):
        return f"cf_{self.key}"
