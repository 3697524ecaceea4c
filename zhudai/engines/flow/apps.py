from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FlowEngineConfig(AppConfig):
    name = "zhudai.engines.flow"
    label = "flow_engine"
    verbose_name = _("流程引擎")

    def ready(self):
        from zhudai.core.registry import registry

        from .services import handover_tasks

        registry.register_permissions(
            _("流程"),
            [
                ("flow.manage", _("管理审批流程")),
                ("flow.reassign", _("处理无人认领的待办")),
            ],
        )
        registry.handover_hooks.append(handover_tasks)
        from .rules import TaskRuleSubject

        registry.register_rule_subject(TaskRuleSubject())
