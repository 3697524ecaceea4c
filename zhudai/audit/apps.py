from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "zhudai.audit"
    label = "audit"
    verbose_name = _("操作日志")

    def ready(self):
        from . import signals  # noqa: F401  login, logout and failed-login events
