from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoansConfig(AppConfig):
    name = "zhudai.loans"
    label = "loans"
    verbose_name = _("贷款申请")

    def ready(self):
        from zhudai.core.registry import registry

        from . import services
        from .engine import LoanApplicationAdapter, LoanRuleSubject
        from .models import LoanApplication, Product

        registry.register_model("loan_application", LoanApplication, _("贷款申请"),
                                sensitive_fields={"disbursement_account": "bank_card"})
        registry.register_model("loan_product", Product, _("贷款产品"))
        registry.register_workflow(LoanApplicationAdapter())
        registry.register_rule_subject(LoanRuleSubject())
        registry.register_permissions(
            _("贷款申请"),
            [
                ("loan.view", _("查看贷款申请")),
                ("loan.add", _("新建和提交贷款申请")),
                ("loan.change", _("编辑贷款申请")),
                ("loan.disburse", _("登记放款")),
                ("loan.contract", _("生成合同")),
                ("settings.products", _("管理贷款产品和合同模板")),
            ],
        )
        registry.handover_hooks.append(services.handover_applications)
