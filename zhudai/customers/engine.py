"""What the customers app tells the rules engine: the fields reminders may watch and change."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from zhudai.engines.rules.adapters import RuleSubject
from zhudai.security.masking import mask

from .models import Customer

SCHEMA = {
    "name": "string", "stage": "string", "stage_closed": "boolean", "owner": "string", "has_owner": "boolean",
    "followed_up": "boolean", "credit_rating": "string", "city": "string", "age": "number",
    "expected_amount": "number", "loan_type": "string", "channel": "string", "created_at": "datetime",
    "last_follow_up_at": "datetime", "next_follow_up_at": "datetime",
}
LABELS = {
    "name": _("姓名"), "stage": _("阶段代码：new 新线索 / contacted / collecting / approving / disbursed / repaying / settled / invalid / lost"),
    "stage_closed": _("阶段已结束（无效、流失、结清）"), "owner": _("业务员登录名"), "has_owner": _("有业务员（不在公海）"),
    "followed_up": _("跟进过"), "credit_rating": _("征信：good / fair / poor / none"), "city": _("所在城市"),
    "age": _("年龄"), "expected_amount": _("期望金额"), "loan_type": _("credit / mortgage"), "channel": _("客户来源"),
    "created_at": _("登记时间"), "last_follow_up_at": _("最近跟进时间"), "next_follow_up_at": _("下次跟进时间"),
}


class CustomerRuleSubject(RuleSubject):
    key = "customer"
    label = _("客户")
    model = Customer

    def queryset(self):
        return Customer.objects.select_related("stage", "owner", "channel")

    def time_fields(self):
        return {"created_at": _("登记时间"), "next_follow_up_at": _("下次跟进时间"),
                "last_follow_up_at": _("最近跟进时间")}

    def annual_fields(self):
        return {"birth_date": _("生日")}

    def lunar_fields(self, field):
        return ("lunar_birthday", "lunar_birth_md") if field == "birth_date" else None

    def activity_field(self):
        return ("last_follow_up_at", "created_at")

    def customer(self, record):
        return record

    def assignment_field(self):
        return "assigned_at"

    def events(self):
        return {"created": _("新建客户"), "updated": _("修改客户资料"), "stage_changed": _("阶段变化"),
                "assigned": _("分配给业务员")}

    def schema(self):
        return SCHEMA

    def labels(self):
        return LABELS

    def values(self, record):
        return {
            "name": record.name, "stage": record.stage.code, "stage_closed": record.stage.is_closed,
            "owner": record.owner.username if record.owner_id else "", "has_owner": record.owner_id is not None,
            "followed_up": record.last_follow_up_at is not None, "credit_rating": record.credit_rating,
            "city": record.city, "age": record.age, "expected_amount": record.expected_amount,
            "loan_type": record.loan_type, "channel": record.channel.name if record.channel_id else "",
            "created_at": record.created_at, "last_follow_up_at": record.last_follow_up_at,
            "next_follow_up_at": record.next_follow_up_at,
        }

    def owner(self, record):
        return record.owner

    def describe(self, record):
        return record.name

    def url(self, record):
        return reverse("customers:detail", args=[record.pk])

    def context(self, record):
        return {"name": record.name, "stage": record.stage.name, "mobile": mask("phone", record.mobile),
                "owner": record.owner.display_name if record.owner_id else _("公海"),
                "next_follow_up_at": record.next_follow_up_at, "sms_params": {"name": record.name}}

    def settable_fields(self):
        return {"stage": _("阶段（填阶段代码）")}

    def set_field(self, actor, record, name, value):
        from . import services

        services.set_stage(actor, record, value, reason=str(_("提醒规则")))

    def assign(self, actor, record, user):
        from . import services

        services.assign_customers(actor, [record], user, reason=str(_("提醒规则")))

    def sms_recipient(self, record):
        return record.mobile, record
