from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "zhudai.accounts"
    label = "accounts"
    verbose_name = _("人员与权限")

    def ready(self):
        from zhudai.core.registry import registry

        registry.register_permissions(
            _("系统管理"),
            [
                ("user.manage", _("管理用户、组织和角色")),
                ("user.handover", _("离职交接")),
                ("audit.view", _("查看操作日志")),
                ("settings.fields", _("管理自定义字段")),
            ],
        )
