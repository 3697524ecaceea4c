from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    COMPANY = "company", _("公司")
    DEPARTMENT = "department", _("部门/分公司")
    TEAM = "team", _("团队")


class DataScope(models.TextChoices):
    OWN = "own", _("本人")
    TEAM = "team", _("本团队")
    DEPARTMENT = "department", _("本部门及下级")
    ALL = "all", _("全部")
