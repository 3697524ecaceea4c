from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IoConfig(AppConfig):
    name = "zhudai.io"
    label = "io"
    verbose_name = _("导入导出")
