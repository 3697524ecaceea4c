from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    name = "zhudai.security"
    label = "security"
    verbose_name = _("数据保护")

    def ready(self):
        from zhudai.core.registry import registry

        from .masking import REVEAL_PERMISSIONS

        registry.register_permissions(
            _("敏感信息"), [(perm, label) for perm, label in REVEAL_PERMISSIONS.values()]
        )
