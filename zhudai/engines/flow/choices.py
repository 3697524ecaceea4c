from django.db import models
from django.utils.translation import gettext_lazy as _


class NodeType(models.TextChoices):
    START = "start", _("开始")
    TASK = "task", _("审批")
    COUNTERSIGN = "countersign", _("会签")
    AUTO = "auto", _("自动")
    GATEWAY = "gateway", _("条件分支")
    END = "end", _("结束")


class EndResult(models.TextChoices):
    APPROVED = "approved", _("通过")
    REJECTED = "rejected", _("拒绝")
    WITHDRAWN = "withdrawn", _("撤回")


class InstanceStatus(models.TextChoices):
    RUNNING = "running", _("进行中")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("已拒绝")
    WITHDRAWN = "withdrawn", _("已撤回")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    RETIRED = "retired", _("已停用")


class TaskKind(models.TextChoices):
    APPROVAL = "approval", _("审批")
    MATERIALS = "materials", _("补充材料")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    DONE = "done", _("已处理")
    CANCELLED = "cancelled", _("已取消")


class Action(models.TextChoices):
    SUBMIT = "submit", _("提交")
    APPROVE = "approve", _("通过")
    REJECT = "reject", _("拒绝")
    RETURN = "return", _("退回")
    REQUEST_MATERIALS = "request_materials", _("补充材料")
    RESUBMIT = "resubmit", _("重新提交")
    FORWARD = "forward", _("转交")
    ADD_SIGNER = "add_signer", _("加签")
    WITHDRAW = "withdraw", _("撤回")
    CLAIM = "claim", _("认领")
    AUTO = "auto", _("自动处理")
    ROUTE = "route", _("条件分支")
    END = "end", _("结束")


# The actions a handler may be offered on a task node; withdraw and claim are not per node.
TASK_ACTIONS = [Action.APPROVE, Action.REJECT, Action.RETURN, Action.REQUEST_MATERIALS, Action.FORWARD,
                Action.ADD_SIGNER]


class HandlerKind(models.TextChoices):
    ROLE = "role", _("角色")
    USER = "user", _("指定用户")
    OWNER = "owner", _("申请负责人")
    OWNER_LEAD = "owner_lead", _("负责人的团队主管")
    FIELD = "field", _("申请中的字段")
    EXPRESSION = "expression", _("表达式")


class Policy(models.TextChoices):
    ALL = "all", _("全部同意")
    ANY = "any", _("任一同意")
    N_OF_M = "n", _("N人同意")
