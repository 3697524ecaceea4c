"""Writes to users, roles and org units; each audited, role and scope changes as permission events."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zhudai.audit.choices import Action
from zhudai.audit.services import record, record_change
from zhudai.core.registry import registry


def user_snapshot(user):
    return {
        "username": user.username, "name": user.name, "phone": user.phone, "email": user.email,
        "org_unit": str(user.org_unit) if user.org_unit_id else None,
        "role": str(user.role) if user.role_id else None,
        "is_active": user.is_active, "is_paused": user.is_paused, "is_superuser": user.is_superuser,
    }


PERMISSION_FIELDS = {"role", "is_active", "is_superuser", "org_unit"}


@transaction.atomic
def save_user(actor, user, before=None, *, password=None):
    """Create or update a staff member; a role, unit or activation change is a permission event."""
    creating = user.pk is None
    if password:
        validate_password(password, user)
        user.set_password(password)
    elif creating:
        user.set_unusable_password()
    user.save()
    after = user_snapshot(user)
    if creating:
        record(Action.CREATE, user, actor=actor, object_type="user", changes={k: [None, v] for k, v in after.items() if v})
        return user
    changes = record_change(user, before or {}, after, actor=actor)
    if PERMISSION_FIELDS & set(changes):
        record(Action.PERMISSION, user, actor=actor, object_type="user",
               changes={k: v for k, v in changes.items() if k in PERMISSION_FIELDS})
    if "org_unit" in changes:
        _follow_unit(user)
    if password and not creating:
        record(Action.UPDATE, user, actor=actor, object_type="user", extra={"password": "reset"})
    return user


def _follow_unit(user):
    """A user who moves to another team takes their customers' team along (data scopes follow)."""
    for entry in registry.models.values():
        model = entry.model
        if getattr(model, "scope_owner_field", None) and getattr(model, "scope_unit_field", None):
            model.objects.filter(**{f"{model.scope_owner_field}": user}).update(
                **{f"{model.scope_unit_field}_id": user.org_unit_id}
            )


@transaction.atomic
def deactivate_user(actor, user):
    """Deactivated users cannot log in and are never assigned new work; their data stays."""
    if user.pk == getattr(actor, "pk", None):
        raise ValidationError(_("不能停用自己的账号。"))
    before = user_snapshot(user)
    user.is_active = False
    return save_user(actor, user, before)


@transaction.atomic
def handover(actor, from_user, to_user, *, deactivate=True):
    """离职交接: everything `from_user` owns goes to `to_user` in one audited action."""
    if from_user.pk == to_user.pk:
        raise ValidationError(_("交接双方不能是同一个人。"))
    if not to_user.is_active:
        raise ValidationError(_("不能交接给已停用的用户。"))
    counts = {}
    for hook in registry.handover_hooks:
        counts.update(hook(actor, from_user, to_user))
    record(Action.HANDOVER, from_user, actor=actor, object_type="user",
           changes={"to": [from_user.display_name, to_user.display_name]}, extra={"counts": counts})
    if deactivate and from_user.is_active:
        deactivate_user(actor, from_user)
    return counts


def role_snapshot(role):
    return {"name": role.name, "description": role.description, "data_scope": role.data_scope,
            "permissions": sorted(role.permissions)}


@transaction.atomic
def save_role(actor, role, before=None):
    unknown = set(role.permissions) - set(registry.permissions)
    if unknown:
        raise ValidationError(_("未知权限：%(codes)s") % {"codes": ", ".join(sorted(unknown))})
    creating = role.pk is None
    role.save()
    after = role_snapshot(role)
    if creating:
        record(Action.PERMISSION, role, actor=actor, object_type="role", changes={k: [None, v] for k, v in after.items()})
    else:
        record_change(role, before or {}, after, actor=actor, action=Action.PERMISSION)
    return role


@transaction.atomic
def save_unit(actor, unit, before=None):
    if unit.pk and unit.parent_id and unit.parent_id in unit.descendant_ids():
        raise ValidationError(_("上级不能是自己或自己的下级。"))
    creating = unit.pk is None
    unit.save()
    after = unit_snapshot(unit)
    if creating:
        record(Action.CREATE, unit, actor=actor, object_type="org_unit", changes={k: [None, v] for k, v in after.items()})
    else:
        record_change(unit, before or {}, after, actor=actor)
    return unit


def unit_snapshot(unit):
    return {"name": unit.name, "kind": unit.kind, "parent": str(unit.parent) if unit.parent_id else None,
            "is_active": unit.is_active}


@transaction.atomic
def delete_unit(actor, unit):
    if unit.children.exists() or unit.members.exists():
        raise ValidationError(_("该组织下还有下级组织或成员，不能删除。"))
    record(Action.DELETE, unit, actor=actor, object_type="org_unit")
    unit.delete()

