"""People and organisation: org units (company > department > team), roles and users."""

from functools import cache, cached_property

from django.contrib.auth import load_backend
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import PermissionDenied
from django.core.signals import setting_changed
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import DataScope, UnitKind


class OrgUnit(models.Model):
    """A node of the organisation tree: the company, a department or branch, or a team."""

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=UnitKind.choices, default=UnitKind.TEAM)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = verbose_name_plural = _("组织单元")

    def __str__(self):
        return self.name

    def ancestors(self):
        node, chain = self.parent, []
        while node is not None and len(chain) < 20:
            chain.append(node)
            node = node.parent
        return chain

    @property
    def full_name(self):
        return " / ".join([u.name for u in reversed(self.ancestors())] + [self.name])

    def descendant_ids(self):
        """This unit's id and every unit below it (the org tree is small: one query)."""
        children = {}
        for unit_id, parent_id in OrgUnit.objects.values_list("id", "parent_id"):
            children.setdefault(parent_id, []).append(unit_id)
        found, stack = [], [self.pk]
        while stack:
            unit_id = stack.pop()
            found.append(unit_id)
            stack.extend(children.get(unit_id, []))
        return found


class Role(models.Model):
    """A set of permissions (codes such as customer.view) with one data scope."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60, unique=True)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    permissions = models.JSONField(_("权限"), default=list, blank=True)
    data_scope = models.CharField(_("数据范围"), max_length=20, choices=DataScope.choices, default=DataScope.OWN)
    is_system = models.BooleanField(_("系统内置"), default=False)

    class Meta:
        ordering = ["id"]
        verbose_name = verbose_name_plural = _("角色")

    def __str__(self):
        return self.name


class ActiveUserManager(UserManager):
    def assignable(self):
        """Users who may receive new work: active and not paused."""
        return self.filter(is_active=True, is_paused=False)

    def assignable_by(self, user):
        """Users `user` may give customers to: anyone assignable with the all-data scope, people of
        their team or department with a team/department scope, otherwise only themselves; and only
        themselves without the assign permission."""
        from .choices import DataScope

        mine = self.assignable().filter(pk=user.pk)
        if not user.has_perm("customer.assign"):
            return mine
        if user.data_scope == DataScope.ALL:
            return self.assignable()
        if user.data_scope in (DataScope.TEAM, DataScope.DEPARTMENT) and user.scope_unit_ids:
            return self.assignable().filter(org_unit__in=user.scope_unit_ids)
        return mine


class User(AbstractUser):
    """A member of staff. Deactivated users cannot log in and are never assigned new work."""

    name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("所属组织"), null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    role = models.ForeignKey(Role, verbose_name=_("角色"), null=True, blank=True, on_delete=models.PROTECT)
    is_paused = models.BooleanField(_("暂停分配"), default=False, help_text=_("休假等情况下不接收新分配的客户"))

    objects = ActiveUserManager()

    class Meta:
        ordering = ["id"]
        verbose_name = verbose_name_plural = _("用户")

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        return self.name or self.username

    def has_perm(self, perm, obj=None):
        """As Django's, asking the configured backends, loaded once per process: Django's
        auth.get_backends() imports and instantiates each one on every call, and a page asks ~15
        times (the sidebar alone)."""
        if self.is_active and self.is_superuser:
            return True
        try:
            return any(backend.has_perm(self, perm, obj) for backend in permission_backends())
        except PermissionDenied:
            return False

    @cached_property
    def permission_codes(self):
        if not self.is_active:
            return frozenset()
        if self.is_superuser:
            from zhudai.core.registry import registry

            return frozenset(registry.permissions)
        return frozenset(self.role.permissions) if self.role_id else frozenset()

    @property
    def data_scope(self):
        if self.is_superuser:
            return DataScope.ALL
        return self.role.data_scope if self.role_id else DataScope.OWN

    @cached_property
    def scope_unit_ids(self):
        """Org units whose records this user sees under a team or department scope."""
        if not self.org_unit_id:
            return []
        if self.data_scope == DataScope.DEPARTMENT:
            return self.org_unit.descendant_ids()
        return [self.org_unit_id]


@cache
def permission_backends():
    from django.conf import settings

    backends = (load_backend(path) for path in settings.AUTHENTICATION_BACKENDS)
    return tuple(backend for backend in backends if hasattr(backend, "has_perm"))


def _backends_changed(setting, **kwargs):
    if setting == "AUTHENTICATION_BACKENDS":
        permission_backends.cache_clear()


setting_changed.connect(_backends_changed)
