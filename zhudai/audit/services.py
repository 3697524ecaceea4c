"""Writing audit events. Call from service functions, inside their transaction."""

import datetime
from decimal import Decimal

from zhudai.core import context

from .choices import Action
from .models import AuditEvent


def subject_key(obj):
    return f"{getattr(obj, '_registry_key', None) or obj._meta.model_name}:{obj.pk}"


def record(action, obj=None, *, actor=None, changes=None, extra=None, object_type=None, object_id=None,
           object_repr=None, subject=None):
    """Append one event. The actor defaults to whoever the current request, command or job runs as.

    `subject` is the record whose history shows the event (the customer of a follow-up); it
    defaults to `obj` itself.
    """
    ctx = context.current()
    actor = actor if actor is not None else ctx.user
    if obj is not None:
        object_type = object_type or getattr(obj, "_registry_key", None) or obj._meta.model_name
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=_actor_label(actor, ctx),
        action=action,
        object_type=object_type or "",
        object_id=str(object_id or ""),
        object_repr=(object_repr or "")[:200],
        subject=subject_key(subject) if subject is not None else (
            f"{object_type}:{object_id}" if object_type and object_id else ""),
        changes=_jsonable(changes or {}),
        extra=_jsonable(extra or {}),
        ip=ctx.ip,
        request_id=ctx.request_id,
    )


def record_many(action, object_type, objects, *, actor=None, changes=None, extra=None):
    """One event per (pk, repr) in `objects`, inserted in batches: bulk reassignments, handovers."""
    ctx = context.current()
    actor = actor if actor is not None else ctx.user
    label = _actor_label(actor, ctx)
    events = [
        AuditEvent(
            actor=actor if getattr(actor, "pk", None) else None, actor_label=label, action=action,
            object_type=object_type, object_id=str(pk), object_repr=str(text)[:200],
            subject=f"{object_type}:{pk}", changes=_jsonable(changes or {}),
            extra=_jsonable(extra or {}), ip=ctx.ip, request_id=ctx.request_id,
        )
        for pk, text in objects
    ]
    AuditEvent.objects.bulk_create(events, batch_size=500)
    return len(events)


def _actor_label(actor, ctx):
    if getattr(actor, "pk", None):
        name = getattr(actor, "display_name", "") or actor.username
        return f"{name} ({actor.username})" if name != actor.username else actor.username
    return ctx.label or "system"


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "pk"):
        return str(value)
    return value


def diff(before, after):
    """Field-level changes {field: [before, after]} between two snapshots, JSON-ready."""
    changes = {}
    for key in sorted(set(before) | set(after)):
        old, new = _jsonable(before.get(key)), _jsonable(after.get(key))
        if old != new:
            changes[key] = [old, new]
    return changes


def record_change(obj, before, after, *, actor=None, action=Action.UPDATE, extra=None, subject=None,
                  object_type=None):
    """Record an update if anything changed; returns the changes."""
    changes = diff(before, after)
    if changes:
        record(action, obj, actor=actor, changes=changes, extra=extra, subject=subject, object_type=object_type)
    return changes
