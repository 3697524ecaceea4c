from django.db import models
from django.utils.translation import gettext_lazy as _


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class MaritalStatus(models.TextChoices):
    SINGLE = "single", _("未婚")
    MARRIED = "married", _("已婚")
    DIVORCED = "divorced", _("离异")
    WIDOWED = "widowed", _("丧偶")


class LoanType(models.TextChoices):
    CREDIT = "credit", _("信用贷")
    MORTGAGE = "mortgage", _("抵押贷")


class CreditRating(models.TextChoices):
    GOOD = "good", _("良好")
    FAIR = "fair", _("一般")
    POOR = "poor", _("较差")
    NONE = "none", _("无记录")


class FollowUpKind(models.TextChoices):
    PHONE = "phone", _("电话")
    VISIT = "visit", _("面谈/上门")
    WECHAT = "wechat", _("微信")
    OTHER = "other", _("其他")


class Relation(models.TextChoices):
    SPOUSE = "spouse", _("配偶")
    EMERGENCY = "emergency", _("紧急联系人")
    GUARANTOR = "guarantor", _("担保人")
    OTHER = "other", _("其他")


class AttachmentKind(models.TextChoices):
    CREDIT_REPORT = "credit_report", _("征信报告")
    BANK_STATEMENT = "bank_statement", _("银行流水")
    PROPERTY = "property", _("房产证明")
    VEHICLE = "vehicle", _("车辆证明")
    ID_CARD = "id_card", _("身份证件")
    INCOME = "income", _("收入证明")
    OTHER = "other", _("其他")


class FollowUpDue(models.TextChoices):
    TODAY = "today", _("今天到期")
    OVERDUE = "overdue", _("已逾期")
    WEEK = "week", _("7天内")
    NONE = "none", _("未安排")
