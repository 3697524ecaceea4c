from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "zhudai.customers"
    label = "customers"
    verbose_name = _("客户")

    def ready(self):
        from zhudai.core.registry import registry

        from . import services
        from .models import Customer

        registry.register_model(
            "customer", Customer, _("客户"), custom_fields=True,
            sensitive_fields={"id_number": "id_number", "mobile": "phone", "backup_phone": "phone",
                              "bank_card": "bank_card"},
        )
        registry.register_permissions(
            _("客户"),
            [
                ("customer.view", _("查看客户")),
                ("customer.add", _("新建客户")),
                ("customer.change", _("编辑客户")),
                ("customer.delete", _("删除客户")),
                ("customer.import", _("批量导入客户")),
                ("customer.export", _("导出客户")),
                ("customer.assign", _("分配客户")),
                ("customer.merge", _("合并重复客户")),
            ],
        )
        registry.handover_hooks.append(services.handover_customers)
        from .engine import CustomerRuleSubject

        registry.register_rule_subject(CustomerRuleSubject())
        self.connect_panel_cache()

    def connect_panel_cache(self):
        """The list's cached filter panel lists these tables: any change makes it render anew."""
        from django.apps import apps
        from django.db.models.signals import post_delete, post_save

        from .rendering import bump_lookups_version

        for label in ("customers.Stage", "customers.Channel", "customers.Tag", "customers.SavedFilter",
                      "accounts.User", "accounts.OrgUnit", "accounts.Role", "forms_engine.FieldDefinition"):
            model = apps.get_model(label)
            post_save.connect(bump_lookups_version, sender=model, dispatch_uid=f"panel-{label}-save")
            post_delete.connect(bump_lookups_version, sender=model, dispatch_uid=f"panel-{label}-delete")
