"""Reads for the to-do center (待办中心) and for who may see a subject because of its process.

Tasks give access: the handler of a step sees the application even outside their data scope,
as do the submitter and the people it was copied to. Everything else starts from the domain's
data scope.
"""

from django.core.cache import cache
from django.db.models import Q

from .choices import InstanceStatus, TaskStatus
from .models import CarbonCopy, ProcessInstance, Task
from .services import TASKS_VERSION_KEY, adapter_for

TODO_COUNT_SECONDS = 300


def pending(user):
    """Open tasks assigned to `user`, the earliest deadline first (one index range)."""
    return (Task.objects.filter(status=TaskStatus.OPEN, assignee=user)
            .select_related("instance").order_by("due_at", "id"))


def claimable(user):
    """Open unassigned tasks `user` may claim: their role's, and orphans for flow.reassign holders."""
    condition = Q(candidate_role_id=user.role_id) if user.role_id else Q(pk__in=[])
    if user.has_perm("flow.reassign"):
        condition |= Q(candidate_role__isnull=True)
    return (Task.objects.filter(condition, status=TaskStatus.OPEN, assignee__isnull=True)
            .select_related("instance", "candidate_role").order_by("due_at", "id"))


def submitted(user):
    return ProcessInstance.objects.filter(started_by=user).order_by("-started_at", "-id")


def handled(user):
    return (Task.objects.filter(completed_by=user, status=TaskStatus.DONE)
            .select_related("instance").order_by("-completed_at", "-id"))


def copied(user):
    return CarbonCopy.objects.filter(user=user).select_related("instance").order_by("-id")


def counts(user):
    """(my open tasks, tasks I may claim, my open reminders), cached until any of them changes (the
    services bump the version)."""
    from zhudai.engines.rules.services import open_todos

    version = cache.get(TASKS_VERSION_KEY, 0)
    key = f"flow:todo:{user.pk}:{user.role_id}:{version}"
    found = cache.get(key)
    if found is None:
        found = (pending(user).count(), claimable(user).count(), open_todos(user).count())
        cache.set(key, found, TODO_COUNT_SECONDS)
    return found


def pending_count(user):
    """My open tasks, those I may claim and my reminders: the navigation badge."""
    return sum(counts(user))


def with_subjects(rows, instance_of=lambda row: row.instance):
    """[(row, summary)] where summary is the adapter's {text, url} for the row's subject, one query
    per subject type."""
    wanted = {}
    for row in rows:
        instance = instance_of(row)
        wanted.setdefault(instance.subject_type, set()).add(instance.subject_id)
    summaries = {}
    for key, ids in wanted.items():
        for subject_id, summary in adapter_for(key).summaries(ids).items():
            summaries[(key, subject_id)] = summary
    return [(row, summaries.get((instance_of(row).subject_type, instance_of(row).subject_id))) for row in rows]


def involvement(user, subject_type):
    """A subquery of the subject ids `user` may open because of a process: handler now or before,
    claimer (open tasks of their role), submitter, copied. A UNION of parts that are each one index
    range (an OR of them made PostgreSQL scan every instance)."""
    instances = ProcessInstance.objects.filter(subject_type=subject_type).order_by()
    task_sets = [Task.objects.filter(status=TaskStatus.OPEN, assignee=user), Task.objects.filter(completed_by=user)]
    if user.role_id:
        task_sets.append(Task.objects.filter(status=TaskStatus.OPEN, assignee__isnull=True,
                                             candidate_role_id=user.role_id))
    parts = [instances.filter(pk__in=tasks.values("instance_id")).values("subject_id") for tasks in task_sets]
    parts.append(instances.filter(pk__in=CarbonCopy.objects.filter(user=user).values("instance_id")).values("subject_id"))
    parts.append(instances.filter(started_by=user).values("subject_id"))
    return parts[0].union(*parts[1:])


def running_instance(subject_type, subject_id):
    return (ProcessInstance.objects.filter(subject_type=subject_type, subject_id=subject_id,
                                           status=InstanceStatus.RUNNING)
            .select_related("version__definition").first())


def latest_instance(subject_type, subject_id):
    return (ProcessInstance.objects.filter(subject_type=subject_type, subject_id=subject_id)
            .select_related("version__definition").order_by("-id").first())
