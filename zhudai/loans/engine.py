"""What the loans app tells the process engine about loan applications."""

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from zhudai.core.chinese import wan
from zhudai.engines.flow.adapters import WorkflowAdapter
from zhudai.engines.rules.adapters import RuleSubject

from .choices import ApplicationStatus, DocumentKind
from .models import LoanApplication

EDITABLE_FIELDS = ["recommended_amount", "recommended_rate", "recommended_term", "risk_opinion", "credit_line",
                   "approved_rate", "approved_term", "contract_signed_at", "disbursed_at", "disbursed_amount",
                   "disbursement_bank", "disbursement_account"]
DISBURSEMENT_FIELDS = {"disbursed_at", "disbursed_amount", "disbursement_bank", "disbursement_account"}
SCHEMA = {
    "amount": "number", "term_months": "number", "product_type": "string", "product": "string",
    "lender": "string", "channel": "string", "is_renewal": "boolean", "recommended_amount": "number",
    "credit_line": "number", "submitted_at": "datetime",
    "customer": {
        "credit_rating": "string", "age": "number", "gender": "string", "city": "string", "occupation": "string",
        "marital_status": "string", "monthly_income": "number", "total_debt": "number", "returning": "boolean",
        "loan_count": "number",
    },
}
LABELS = {
    "amount": _("申请金额（元）"), "term_months": _("期限（月）"), "product_type": _("产品类型：credit 信用贷 / mortgage 抵押贷"),
    "product": _("产品名称"), "lender": _("放款机构"), "channel": _("渠道名称"), "is_renewal": _("是否续贷"),
    "recommended_amount": _("风控建议额度"), "credit_line": _("授信额度"), "submitted_at": _("提交时间"),
    "customer.credit_rating": _("征信：good 良好 / fair 一般 / poor 较差 / none 无记录"), "customer.age": _("年龄"),
    "customer.gender": _("性别：M / F"), "customer.city": _("所在城市"), "customer.occupation": _("职业"),
    "customer.marital_status": _("婚姻：single / married / divorced / widowed"),
    "customer.monthly_income": _("月收入"), "customer.total_debt": _("负债总额"),
    "customer.returning": _("老客户（已有放款记录）"), "customer.loan_count": _("已放款次数"),
}
MIN_AGE, MAX_AGE = 18, 65


class LoanApplicationAdapter(WorkflowAdapter):
    key = "loan_application"
    label = _("贷款申请")
    model = LoanApplication

    def get(self, subject_id):
        return (LoanApplication.objects.select_related("customer", "product", "owner__org_unit", "channel")
                .get(pk=subject_id))

    def owner(self, subject):
        return subject.owner

    def describe(self, subject):
        return f"{subject.number} {subject.customer.name} {wan(subject.amount)}"

    def url(self, subject):
        return reverse("loans:detail", args=[subject.pk])

    def summaries(self, subject_ids):
        rows = LoanApplication.objects.filter(pk__in=subject_ids).values_list("pk", "number", "customer__name", "amount")
        return {pk: {"text": f"{number} {name} {wan(amount)}", "url": reverse("loans:detail", args=[pk])}
                for pk, number, name, amount in rows}

    def visible(self, user, subject_ids):
        from .queries import visible_applications

        return set(visible_applications(user).filter(pk__in=subject_ids).values_list("pk", flat=True))

    def schema(self):
        return SCHEMA

    def labels(self):
        return LABELS

    def values(self, subject):
        customer = subject.customer

        def loans():  # read only by conditions that ask for it (values_for computes it on first use)
            return (LoanApplication.objects.filter(customer=customer, status=ApplicationStatus.DISBURSED)
                    .exclude(pk=subject.pk).count())

        return {
            "amount": subject.amount, "term_months": subject.term_months,
            "product_type": subject.product.product_type, "product": subject.product.name,
            "lender": subject.product.lender, "channel": subject.channel.name if subject.channel_id else "",
            "is_renewal": subject.is_renewal, "recommended_amount": subject.recommended_amount,
            "credit_line": subject.credit_line, "submitted_at": subject.submitted_at,
            "customer": {
                "credit_rating": customer.credit_rating, "age": customer.age, "gender": customer.gender,
                "city": customer.city, "occupation": customer.occupation, "marital_status": customer.marital_status,
                "monthly_income": customer.monthly_income, "total_debt": customer.total_debt,
                "returning": lambda: loans() > 0, "loan_count": loans,
            },
        }

    def user_fields(self):
        return {"owner": _("负责人"), "created_by": _("录入人")}

    def document_kinds(self):
        return dict(DocumentKind.choices)

    def missing_documents(self, subject, codes):
        if not codes:
            return []
        from zhudai.customers.models import Attachment

        present = set(subject.documents.values_list("kind", flat=True))
        present |= set(Attachment.objects.filter(customer_id=subject.customer_id).values_list("kind", flat=True))
        return [str(DocumentKind(code).label) for code in codes if code not in present]

    def editable_fields(self):
        return {name: LoanApplication._meta.get_field(name).verbose_name for name in EDITABLE_FIELDS}

    def missing_fields(self, subject, fields):
        from .forms import REQUIRED_WHEN_EDITABLE

        return [str(LoanApplication._meta.get_field(name).verbose_name) for name in fields
                if name in REQUIRED_WHEN_EDITABLE and getattr(subject, name) in (None, "")]

    def edit_form(self, subject, fields, data=None):
        if not fields:
            return None
        from .forms import ApplicationStepForm

        return ApplicationStepForm(data, instance=subject, fields=fields, prefix="step")

    def save_edits(self, actor, subject, form):
        from . import services

        if DISBURSEMENT_FIELDS & set(form.fields) and not actor.has_perm("loan.disburse"):
            raise ValidationError(_("只有有“登记放款”权限的人（财务）可以登记放款。"))
        # The form may be bound to another copy of the row: apply its values to the engine's subject.
        before = services.snapshot(subject)
        for name in form.fields:
            setattr(subject, name, form.cleaned_data[name])
        services.save_application(actor, subject, before)

    def statuses(self):
        return {ApplicationStatus.APPROVED: ApplicationStatus.APPROVED.label,
                ApplicationStatus.SIGNED: ApplicationStatus.SIGNED.label}

    def entered(self, actor, instance, subject, node):
        from . import services

        services.step_entered(actor, subject, node["name"], node.get("status") or None)

    def ended(self, actor, instance, subject, result):
        from . import services

        services.process_ended(actor, subject, result)

    def auto_actions(self):
        return {"basic_check": (_("基本资料检查：身份证号、手机号、年龄18-65岁、金额和期限在产品范围内"), basic_check)}


def basic_check(instance, application):
    """The system check after submission: identity present, age and product ranges."""
    customer, product = application.customer, application.product
    problems = []
    if not customer.id_number:
        problems.append(str(_("缺少身份证号")))
    if not customer.mobile:
        problems.append(str(_("缺少手机号")))
    if customer.age is not None and not MIN_AGE <= customer.age <= MAX_AGE:
        problems.append(str(_("年龄 %(a)d 岁不在 %(lo)d-%(hi)d 岁之间")) % {"a": customer.age, "lo": MIN_AGE, "hi": MAX_AGE})
    if not product.min_amount <= application.amount <= product.max_amount:
        problems.append(str(_("金额超出产品范围")))
    if not product.min_term <= application.term_months <= product.max_term:
        problems.append(str(_("期限超出产品范围")))
    if problems:
        return False, "；".join(problems)
    return True, str(_("基本资料检查通过"))


class LoanRuleSubject(RuleSubject):
    """Loan applications for the rules engine (post-loan revisit after disbursement, …)."""

    key = "loan_application"
    label = _("贷款申请")
    model = LoanApplication
    schema_fields = {"status": "string", "amount": "number", "product": "string", "current_step": "string",
                     "owner": "string", "is_renewal": "boolean", "disbursed_amount": "number"}

    def queryset(self):
        return LoanApplication.objects.select_related("customer", "product", "owner")

    def time_fields(self):
        return {"submitted_at": _("提交时间"), "disbursed_at": _("放款日期"), "created_at": _("创建时间")}

    def annual_fields(self):
        return {}

    def activity_field(self):
        return None

    def schema(self):
        return self.schema_fields

    def labels(self):
        return {"status": _("状态：draft / in_review / approved / signed / disbursed / rejected / withdrawn"),
                "amount": _("申请金额"), "product": _("产品名称"), "current_step": _("当前环节名称"),
                "owner": _("负责人登录名"), "is_renewal": _("续贷"), "disbursed_amount": _("放款金额")}

    def values(self, record):
        return {"status": record.status, "amount": record.amount, "product": record.product.name,
                "current_step": record.current_step, "owner": record.owner.username, "is_renewal": record.is_renewal,
                "disbursed_amount": record.disbursed_amount}

    def owner(self, record):
        return record.owner

    def describe(self, record):
        return f"{record.number} {record.customer.name}"

    def url(self, record):
        return reverse("loans:detail", args=[record.pk])

    def context(self, record):
        return {"number": record.number, "name": record.customer.name, "amount": wan(record.amount),
                "product": record.product.name, "owner": record.owner.display_name,
                "disbursed_at": record.disbursed_at, "sms_params": {"name": record.customer.name}}

    def settable_fields(self):
        return {}

    def customer(self, record):
        return record.customer

    def sms_recipient(self, record):
        return record.customer.mobile, record.customer
