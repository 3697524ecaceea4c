from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "zhudai.notify"
    label = "notify"
    verbose_name = _("消息通知")

    def ready(self):
        from zhudai.core.registry import registry

        registry.register_permissions(_("消息通知"), [("notify.manage", _("查看发送记录、重发失败消息"))])
