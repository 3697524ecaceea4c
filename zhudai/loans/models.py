"""Loan products, loan applications (the "deal" on a customer), their documents and contracts."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhudai.accounts.scoping import ScopedQuerySet
from zhudai.security.fields import BlindIndexField, EncryptedField, EncryptedModelMixin

from .choices import ApplicationStatus, DocumentKind, ProductType

MONEY = {"max_digits": 14, "decimal_places": 2}
RATE = {"max_digits": 5, "decimal_places": 2}


class Product(models.Model):
    """A lender's loan product: ranges an application must fit and the documents it needs."""

    lender = models.CharField(_("放款机构"), max_length=60)
    name = models.CharField(_("产品名称"), max_length=60)
    product_type = models.CharField(_("产品类型"), max_length=20, choices=ProductType.choices,
                                    default=ProductType.CREDIT)
    min_amount = models.DecimalField(_("最低金额（元）"), **MONEY, default=10000)
    max_amount = models.DecimalField(_("最高金额（元）"), **MONEY, default=500000)
    min_term = models.PositiveSmallIntegerField(_("最短期限（月）"), default=3)
    max_term = models.PositiveSmallIntegerField(_("最长期限（月）"), default=36)
    rate_min = models.DecimalField(_("年利率下限（%）"), **RATE, default=4)
    rate_max = models.DecimalField(_("年利率上限（%）"), **RATE, default=18)
    required_documents = models.JSONField(_("所需材料"), default=list, blank=True)
    description = models.TextField(_("说明"), blank=True)
    process = models.ForeignKey("flow_engine.ProcessDefinition", verbose_name=_("审批流程"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+",
                                help_text=_("留空则使用默认流程（标准助贷流程）"))
    is_active = models.BooleanField(_("在售"), default=True)

    class Meta:
        ordering = ["lender", "name"]
        constraints = [models.UniqueConstraint(fields=["lender", "name"], name="loan_product_unique_name")]
        verbose_name = verbose_name_plural = _("贷款产品")

    def __str__(self):
        return f"{self.lender} · {self.name}"

    def required_document_labels(self):
        return [DocumentKind(code).label for code in self.required_documents if code in DocumentKind.values]


class LoanApplicationQuerySet(ScopedQuerySet):
    def with_list_columns(self):
        return self.select_related("customer", "product", "owner")


class LoanApplication(EncryptedModelMixin, models.Model):
    """One request for a loan by a customer, from intake to disbursement."""

    scope_owner_field = "owner"
    scope_unit_field = "org_unit"
    scope_view_permission = "loan.view"

    number = models.CharField(_("申请编号"), max_length=20, unique=True)
    customer = models.ForeignKey("customers.Customer", verbose_name=_("客户"), on_delete=models.PROTECT,
                                 related_name="applications")
    product = models.ForeignKey(Product, verbose_name=_("贷款产品"), on_delete=models.PROTECT,
                                related_name="applications")
    amount = models.DecimalField(_("申请金额（元）"), **MONEY)
    term_months = models.PositiveSmallIntegerField(_("期限（月）"))
    purpose = models.CharField(_("资金用途"), max_length=200, blank=True)
    channel = models.ForeignKey("customers.Channel", verbose_name=_("渠道"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("负责人"), on_delete=models.PROTECT,
                              related_name="loan_applications")
    org_unit = models.ForeignKey("accounts.OrgUnit", verbose_name=_("所属团队"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=20, choices=ApplicationStatus.choices,
                              default=ApplicationStatus.DRAFT, db_index=True)
    current_step = models.CharField(_("当前环节"), max_length=100, blank=True)
    is_renewal = models.BooleanField(_("续贷"), default=False, help_text=_("提交时客户已有放款记录"))
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    # Risk assessment
    recommended_amount = models.DecimalField(_("建议额度（元）"), **MONEY, null=True, blank=True)
    recommended_rate = models.DecimalField(_("建议年利率（%）"), **RATE, null=True, blank=True)
    recommended_term = models.PositiveSmallIntegerField(_("建议期限（月）"), null=True, blank=True)
    risk_opinion = models.TextField(_("风控意见"), blank=True)
    # Outcome
    credit_line = models.DecimalField(_("授信额度（元）"), **MONEY, null=True, blank=True)
    approved_rate = models.DecimalField(_("批准年利率（%）"), **RATE, null=True, blank=True)
    approved_term = models.PositiveSmallIntegerField(_("批准期限（月）"), null=True, blank=True)
    contract_signed_at = models.DateField(_("签约日期"), null=True, blank=True)
    disbursed_at = models.DateField(_("放款日期"), null=True, blank=True)
    disbursed_amount = models.DecimalField(_("放款金额（元）"), **MONEY, null=True, blank=True)
    disbursement_bank = models.CharField(_("收款银行"), max_length=60, blank=True)
    disbursement_account = EncryptedField(_("收款账号"), kind="bank_card", index_field="disbursement_account_bidx")
    disbursement_account_bidx = BlindIndexField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = LoanApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="loan_owner_created"),
            models.Index(fields=["org_unit", "-created_at"], name="loan_unit_created"),
            models.Index(fields=["customer", "-created_at"], name="loan_customer_created"),
            models.Index(fields=["status", "-created_at"], name="loan_status_created"),
            models.Index(fields=["-created_at", "-id"], name="loan_created"),  # the all-data list's first page
            models.Index(fields=["disbursed_at"], name="loan_disbursed"),  # rules: a month after disbursement
        ]
        verbose_name = verbose_name_plural = _("贷款申请")

    def __str__(self):
        return self.number

    @property
    def is_open(self):
        return self.status in (ApplicationStatus.DRAFT, ApplicationStatus.IN_REVIEW, ApplicationStatus.APPROVED,
                               ApplicationStatus.SIGNED)


def document_path(instance, filename):
    return f"loans/{timezone.now():%Y/%m}/{instance.application_id}.bin"


class ApplicationDocument(models.Model):
    """A document of an application (checklist item, generated contract, signed contract), encrypted."""

    application = models.ForeignKey(LoanApplication, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("材料类型"), max_length=30, choices=DocumentKind.choices, default=DocumentKind.OTHER)
    file = models.FileField(_("文件"), upload_to=document_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        ordering = ["kind", "-uploaded_at", "-id"]
        verbose_name = verbose_name_plural = _("申请材料")

    def __str__(self):
        return self.original_name


def template_path(instance, filename):
    return f"contract-templates/{timezone.now():%Y%m%d%H%M%S}.docx"


class ContractTemplate(models.Model):
    """A Word (.docx) contract template with docxtpl placeholders such as {{ customer.name }}."""

    name = models.CharField(_("模板名称"), max_length=60)
    product = models.ForeignKey(Product, verbose_name=_("适用产品"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="contract_templates",
                                help_text=_("留空表示适用于所有产品"))
    file = models.FileField(_("模板文件"), upload_to=template_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    is_active = models.BooleanField(_("启用"), default=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = verbose_name_plural = _("合同模板")

    def __str__(self):
        return self.name
