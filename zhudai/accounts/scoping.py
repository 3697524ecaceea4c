"""Data scopes (数据权限), enforced in one place.

Every read path starts from `Model.objects.visible_to(user)` or an `access_*` helper; nothing in
list, search, detail, export, report or API code starts from a bare `.objects.all()`.
A scoped model names its owner and org-unit columns:

    class Customer(models.Model):
        scope_owner_field = "owner"
        scope_unit_field = "org_unit"     # the owner's unit, kept in step by the services
        scope_view_permission = "customer.view"
        objects = ScopedQuerySet.as_manager()
"""

from django.db import models
from django.http import Http404

from .choices import DataScope


class ScopedQuerySet(models.QuerySet):
    def scope_lookup(self, user, permission=None):
        """`user`'s scope on this model as filter arguments: None when they may see nothing (not
        logged in, or without the permission: the model's view permission by default), {} for
        everything, else one lookup, {"owner_id": 7} or {"org_unit_id": 3} or {"org_unit_id__in": [3, 4]}."""
        model = self.model
        permission = permission or model.scope_view_permission
        if user is None or not user.is_authenticated or not user.has_perm(permission):
            return None
        scope = user.data_scope
        if scope == DataScope.ALL:
            return {}
        if scope in (DataScope.TEAM, DataScope.DEPARTMENT) and user.scope_unit_ids:
            units = user.scope_unit_ids
            if len(units) == 1:
                return {f"{model.scope_unit_field}_id": units[0]}
            return {f"{model.scope_unit_field}_id__in": list(units)}
        return {f"{model.scope_owner_field}_id": user.pk}

    def visible_to(self, user, permission=None):
        """Rows `user` may see; empty without the permission (the model's view permission by default)."""
        lookup = self.scope_lookup(user, permission)
        if lookup is None:
            return self.none()
        return self.filter(**lookup) if lookup else self

    def outside_scope_of(self, user, permission=None):
        """Rows outside `user`'s data scope (everything without the permission): what a widening rule,
        such as "the handler of a task sees its application", has to add."""
        lookup = self.scope_lookup(user, permission)
        if lookup is None:
            return self
        return self.exclude(**lookup) if lookup else self.none()

    def is_visible(self, user, pk, permission=None):
        return self.visible_to(user, permission).filter(pk=pk).exists()


def access_object(queryset, user, pk, permission=None):
    """The object with `pk` if `user` may see it; otherwise 404, the same for missing and forbidden."""
    try:
        return queryset.visible_to(user, permission).get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def can_act_on(user, obj, permission):
    """Whether `user` holds `permission` and `obj` lies inside their data scope."""
    return type(obj).objects.visible_to(user, permission).filter(pk=obj.pk).exists()
