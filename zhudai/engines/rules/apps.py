from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RulesEngineConfig(AppConfig):
    name = "zhudai.engines.rules"
    label = "rules_engine"
    verbose_name = _("规则引擎")

    def ready(self):
        from zhudai.core.registry import registry

        registry.register_permissions(_("规则"), [("rules.manage", _("管理提醒规则"))])
