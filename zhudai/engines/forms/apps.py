from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FormsEngineConfig(AppConfig):
    name = "zhudai.engines.forms"
    label = "forms_engine"
    verbose_name = _("自定义字段")

    def ready(self):
        from zhudai.core.registry import registry

        from .rotation import rotate_custom_values

        registry.rotation_hooks.append(rotate_custom_values)
