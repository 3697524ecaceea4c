from django.db import models
from django.utils.translation import gettext_lazy as _


class ProductType(models.TextChoices):
    CREDIT = "credit", _("信用贷")
    MORTGAGE = "mortgage", _("抵押贷")


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    IN_REVIEW = "in_review", _("审批中")
    APPROVED = "approved", _("已批准")
    SIGNED = "signed", _("已签约")
    DISBURSED = "disbursed", _("已放款")
    REJECTED = "rejected", _("已拒绝")
    WITHDRAWN = "withdrawn", _("已撤回")


class DocumentKind(models.TextChoices):
    # The first six share their codes with customer attachments (customers.choices.AttachmentKind):
    # a credit report uploaded on the customer's page counts for the application too.
    ID_CARD = "id_card", _("身份证件")
    CREDIT_REPORT = "credit_report", _("征信报告")
    BANK_STATEMENT = "bank_statement", _("银行流水")
    INCOME = "income", _("收入证明")
    PROPERTY = "property", _("房产证明")
    VEHICLE = "vehicle", _("车辆证明")
    MARRIAGE = "marriage", _("婚姻证明")
    BUSINESS_LICENSE = "business_license", _("营业执照")
    CONTRACT = "contract", _("合同（生成）")
    SIGNED_CONTRACT = "signed_contract", _("已签合同")
    DISBURSEMENT_PROOF = "disbursement_proof", _("放款凭证")
    OTHER = "other", _("其他")
