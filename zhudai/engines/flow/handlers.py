"""Handler rules: who works on a node.

A rule is a dict with a "kind" (HandlerKind):
- {"kind": "role", "role": "risk", "mode": "least_load" | "claim"}: the member of the role with the
  fewest open tasks, or one task any member may claim;
- {"kind": "user", "user": "gm"}; {"kind": "owner"}; {"kind": "owner_lead"} (a team lead of the
  owner's team, looking up the org tree when the team has none);
- {"kind": "field", "field": "risk_officer"}: a user field of the subject;
- {"kind": "expression", "expression": 'amount > 100000 ? "gm" : "lead1"'}: a login name.
Deactivated users are never chosen, and paused users (on leave) get no new work: a rule that
finds nobody gives an unassigned task that users holding flow.reassign hand to someone.
"""

from dataclasses import dataclass

from django.db.models import Count

from zhudai.accounts.models import Role, User
from zhudai.core.expressions import cached_expression, values_for

from .choices import HandlerKind, TaskStatus

TEAM_LEAD_ROLE = "team_lead"


@dataclass(frozen=True)
class Assignment:
    user: User | None = None
    role: Role | None = None  # claimable by its members when user is None


NOBODY = Assignment()


def resolve(rule, subject, adapter, *, exclude=()):
    """One Assignment for a handler rule."""
    kind = rule.get("kind")
    if kind == HandlerKind.ROLE:
        role = Role.objects.filter(code=rule.get("role")).first()
        if role is None:
            return NOBODY
        if rule.get("mode") == "claim":
            return Assignment(role=role)
        user = least_loaded(User.objects.assignable().filter(role=role).exclude(pk__in=exclude))
        return Assignment(user=user) if user else Assignment(role=role)
    if kind == HandlerKind.USER:
        return _usable(User.objects.filter(username=rule.get("user")).first())
    if kind == HandlerKind.OWNER:
        return _usable(adapter.owner(subject))
    if kind == HandlerKind.OWNER_LEAD:
        return _usable(team_lead(adapter.owner(subject), exclude=exclude))
    if kind == HandlerKind.FIELD:
        return _usable(adapter.user_field(subject, rule.get("field")))
    if kind == HandlerKind.EXPRESSION:
        schema = adapter.schema()
        expression = cached_expression(rule.get("expression", ""), schema)
        login = expression.evaluate(values_for(schema, adapter.values(subject), used=expression.names))
        return _usable(User.objects.filter(username=str(login)).first())
    return NOBODY


def _usable(user):
    return Assignment(user=user) if user is not None and user.is_active else NOBODY


def least_loaded(users):
    """The user with the fewest open tasks (ties: the lowest id), or None."""
    candidates = list(users)
    if not candidates:
        return None
    from .models import Task

    load = dict(Task.objects.filter(status=TaskStatus.OPEN, assignee__in=[u.pk for u in candidates])
                .values_list("assignee").annotate(n=Count("id")).values_list("assignee", "n"))
    return min(candidates, key=lambda u: (load.get(u.pk, 0), u.pk))


def team_lead(owner, *, exclude=()):
    """A team lead of the owner's unit, or of the nearest unit above it that has one."""
    if owner is None or owner.org_unit_id is None:
        return None
    unit = owner.org_unit
    for _depth in range(20):
        leads = User.objects.assignable().filter(role__code=TEAM_LEAD_ROLE, org_unit=unit).exclude(
            pk__in=[owner.pk, *exclude])
        lead = least_loaded(leads)
        if lead is not None or unit.parent_id is None:
            return lead
        unit = unit.parent
    return None
