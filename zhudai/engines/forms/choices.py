from django.db import models
from django.utils.translation import gettext_lazy as _


class FieldType(models.TextChoices):
    TEXT = "text", _("单行文本")
    LONG_TEXT = "long_text", _("多行文本")
    NUMBER = "number", _("数字")
    MONEY = "money", _("金额")
    DATE = "date", _("日期")
    DATETIME = "datetime", _("日期时间")
    CHOICE = "choice", _("单选")
    MULTI_CHOICE = "multi_choice", _("多选")
    BOOLEAN = "boolean", _("是/否")
    PHONE = "phone", _("电话")
    ID_NUMBER = "id_number", _("身份证号")
    FILE = "file", _("文件")
    USER = "user", _("用户")


# Stored encrypted with a blind index, masked like the built-in fields of the same kind.
SENSITIVE_TYPES = {FieldType.PHONE: "phone", FieldType.ID_NUMBER: "id_number"}
CHOICE_TYPES = {FieldType.CHOICE, FieldType.MULTI_CHOICE}
