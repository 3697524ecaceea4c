"""Shared steps for the process tests: a process from a spec, the open task of a person, acting."""

import copy

from zhudai.core.context import acting
from zhudai.engines.flow import services
from zhudai.engines.flow.choices import TaskStatus
from zhudai.engines.flow.models import ProcessDefinition, ProcessInstance, Task
from zhudai.loans.defaults import STANDARD_PROCESS
from zhudai.testing import factories


def standard_spec():
    return copy.deepcopy(STANDARD_PROCESS)


def process(spec, key="test", admin=None):
    """A published process for loan applications from `spec`."""
    definition = ProcessDefinition.objects.create(key=key, name=f"测试流程 {key}", subject="loan_application")
    version = services.save_draft(admin, definition, spec)
    services.publish(admin, version)
    return definition


def instance_of(application):
    return ProcessInstance.objects.filter(subject_type="loan_application", subject_id=application.pk).latest("id")


def open_tasks(application):
    return list(Task.objects.filter(instance=instance_of(application), status=TaskStatus.OPEN).order_by("id"))


def task_for(application, user):
    return Task.objects.get(instance=instance_of(application), status=TaskStatus.OPEN, assignee=user)


def act(user, application, action="approve", comment="同意", *, fields=None, **options):
    """`user` takes `action` on their open task. `fields`: values for the step's edit form; an approval
    at a step that needs a credit line gets the applied amount unless the test gives fields itself."""
    task = task_for(application, user)
    node = task.instance.version.node(task.node_id)
    editable = node.get("editable_fields") or []
    if fields is None and action == "approve" and "credit_line" in editable and "form" not in options:
        fields = {"credit_line": str(application.amount)}
    if fields is not None:
        application.refresh_from_db()
        data = {f"step-{name}": value for name, value in fields.items()}
        options["form"] = services.adapter_for(task.instance).edit_form(application, editable, data)
    with acting(user):
        return services.act(user, task.pk, action, comment=comment, **options)


def add_documents(application, user, *kinds):
    from zhudai.loans import services as loan_services

    for kind in kinds:
        loan_services.add_document(user, application, factories.upload(f"{kind}.pdf"), kind)


def submitted(owner, amount=30000, **fields):
    from zhudai.loans import services as loan_services

    application = factories.application(owner, amount=amount, **fields)
    with acting(owner):
        loan_services.submit_application(owner, application)
    application.refresh_from_db()
    return application


def node_ids(application):
    return [t.node_id for t in open_tasks(application)]
