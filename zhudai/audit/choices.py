from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    CREATE = "create", _("新建")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    REVEAL = "reveal", _("查看敏感信息")
    DOWNLOAD = "download", _("下载附件")
    EXPORT = "export", _("导出")
    LOGIN = "login", _("登录")
    LOGOUT = "logout", _("退出")
    LOGIN_FAILED = "login_failed", _("登录失败")
    PERMISSION = "permission", _("权限变更")
    ASSIGN = "assign", _("分配")
    MERGE = "merge", _("合并")
    HANDOVER = "handover", _("离职交接")
    KEY_ROTATION = "key_rotation", _("密钥轮换")
    IMPORT = "import", _("导入")
    WORKFLOW = "workflow", _("审批操作")
    GENERATE = "generate", _("生成文件")


# Labels for the object types events are recorded under.
OBJECT_TYPES = {
    "customer": _("客户"),
    "followup": _("跟进记录"),
    "related_person": _("关联人"),
    "attachment": _("附件"),
    "user": _("用户"),
    "role": _("角色"),
    "org_unit": _("组织"),
    "field_definition": _("自定义字段"),
    "import": _("导入记录"),
    "loan_application": _("贷款申请"),
    "loan_product": _("贷款产品"),
    "loan_document": _("申请材料"),
    "contract_template": _("合同模板"),
    "process": _("审批流程"),
    "rule": _("提醒规则"),
    "message": _("消息"),
    "system": _("系统"),
}
