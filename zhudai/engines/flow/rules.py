"""Process tasks as a rules subject: "an approval step waiting over 24 hours" and the like."""

from django.utils.translation import gettext_lazy as _

from zhudai.engines.rules.adapters import RuleSubject

from .models import Task

SCHEMA = {"status": "string", "node_id": "string", "node_name": "string", "kind": "string", "assignee": "string",
          "has_assignee": "boolean", "created_at": "datetime", "due_at": "datetime"}


class TaskRuleSubject(RuleSubject):
    key = "task"
    label = _("审批待办")
    model = Task

    def queryset(self):
        return Task.objects.select_related("instance", "assignee")

    def time_fields(self):
        return {"created_at": _("到达时间"), "due_at": _("办理时限")}

    def events(self):
        return {"created": _("待办到达"), "completed": _("待办处理完")}

    def schema(self):
        return SCHEMA

    def labels(self):
        return {"status": _("open 待处理 / done 已处理 / cancelled"), "node_id": _("环节代码"), "node_name": _("环节名称"),
                "kind": _("approval 审批 / materials 补充材料"), "assignee": _("处理人登录名"),
                "has_assignee": _("已有处理人"), "created_at": _("到达时间"), "due_at": _("办理时限")}

    def values(self, record):
        return {"status": record.status, "node_id": record.node_id, "node_name": record.node_name, "kind": record.kind,
                "assignee": record.assignee.username if record.assignee_id else "",
                "has_assignee": record.assignee_id is not None, "created_at": record.created_at,
                "due_at": record.due_at}

    def owner(self, record):
        return record.assignee

    def _summary(self, record):
        from .services import adapter_for

        instance = record.instance
        return adapter_for(instance).summaries([instance.subject_id]).get(instance.subject_id, {"text": "", "url": ""})

    def describe(self, record):
        return f"{record.node_name} {self._summary(record)['text']}"

    def url(self, record):
        return f"{self._summary(record)['url']}#process"

    def context(self, record):
        return {"step": record.node_name, "record": self._summary(record)["text"],
                "assignee": record.assignee.display_name if record.assignee_id else _("待认领"),
                "created_at": record.created_at}
