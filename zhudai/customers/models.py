"""Customers (leads are customers at the first stage), their people, documents and follow-ups."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhudai.accounts.scoping import ScopedQuerySet
from zhudai.core import chinese
from zhudai.security.fields import BlindIndexField, EncryptedField, EncryptedModelMixin, blind_index_index

from .choices import (AttachmentKind, CreditRating, FollowUpKind, Gender, LoanType, MaritalStatus,
                      Relation)

MONEY = {"max_digits": 14, "decimal_places": 2, "null": True, "blank": True}


class Stage(models.Model):
    """A customer stage (新线索 … 已结清); administrators rename and add stages."""

    code = models.SlugField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=30)
    order = models.PositiveIntegerField(_("排序"), default=0)
    is_closed = models.BooleanField(_("已结束"), default=False, help_text=_("无效、流失、已结清等不再跟进的阶段"))

    class Meta:
        ordering = ["order", "id"]
        verbose_name = verbose_name_plural = _("客户阶段")

    def __str__(self):
        return self.name


class Channel(models.Model):
    """Where a customer came from (抖音, 转介绍, 中介合作, …)."""

    name = models.CharField(_("名称"), max_length=40, unique=True)
    order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = verbose_name_plural = _("客户来源")

    def __str__(self):
        return self.name


class Tag(models.Model):
    name = models.CharField(_("名称"), max_length=30, unique=True)
    color = models.CharField(_("颜色"), max_length=20, default="blue")

    class Meta:
        ordering = ["name"]
        verbose_name = verbose_name_plural = _("标签")

    def __str__(self):
        return self.name


class CustomerQuerySet(ScopedQuerySet):
    def with_list_columns(self):
        return self.select_related("stage", "channel", "owner")


class Customer(EncryptedModelMixin, models.Model):
    """A person who wants credit: the whole profile of DOMAIN.md, one record per person."""

    scope_owner_field = "owner"
    scope_unit_field = "org_unit"
    scope_view_permission = "customer.view"

    # Identity
    name = models.CharField(_("姓名"), max_length=50, db_index=True)
    name_initials = models.CharField(_("拼音首字母"), max_length=40, db_index=True, editable=False)
    id_number = EncryptedField(_("身份证号"), kind="id_number", index_field="id_number_bidx")
    id_number_bidx = BlindIndexField(unique=True)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    # Many older customers keep the lunar (农历) birthday; its month and day (MMDD) are derived on save
    # so that the birthday reminder finds them with one indexed lookup. Nullable: ADD COLUMN, no rebuild.
    lunar_birthday = models.BooleanField(_("按农历过生日"), null=True, blank=True)
    lunar_birth_md = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    native_region = models.CharField(_("籍贯"), max_length=60, blank=True)
    marital_status = models.CharField(_("婚姻状况"), max_length=20, choices=MaritalStatus.choices, blank=True)
    registered_address = models.CharField(_("户籍地址"), max_length=200, blank=True)
    current_address = models.CharField(_("现居地址"), max_length=200, blank=True)
    # No index: nothing looks customers up by city (rules read it from the row), and imports pay
    # for every index on every row.
    city = models.CharField(_("所在城市"), max_length=30, blank=True)
    # Contact and work
    mobile = EncryptedField(_("手机号"), kind="phone", index_field="mobile_bidx")
    mobile_bidx = BlindIndexField()
    backup_phone = EncryptedField(_("备用电话"), kind="phone", index_field="backup_phone_bidx")
    backup_phone_bidx = BlindIndexField()
    wechat = models.CharField(_("微信号"), max_length=60, blank=True)
    occupation = models.CharField(_("职业"), max_length=60, blank=True)
    employer = models.CharField(_("单位名称"), max_length=100, blank=True, db_index=True)
    employer_address = models.CharField(_("单位地址"), max_length=200, blank=True)
    monthly_income = models.DecimalField(_("月收入（元）"), **MONEY)
    # Credit and assets
    credit_rating = models.CharField(_("征信情况"), max_length=10, choices=CreditRating.choices, blank=True)
    debts = models.TextField(_("负债情况"), blank=True)
    total_debt = models.DecimalField(_("负债总额（元）"), **MONEY)
    house = models.TextField(_("名下房产"), blank=True)
    vehicles = models.TextField(_("车辆信息"), blank=True)
    bank_name = models.CharField(_("开户银行"), max_length=60, blank=True)
    bank_card = EncryptedField(_("银行卡号"), kind="bank_card", index_field="bank_card_bidx")
    bank_card_bidx = BlindIndexField()
    # Loan intent
    loan_type = models.CharField(_("贷款类型"), max_length=20, choices=LoanType.choices, blank=True)
    expected_amount = models.DecimalField(_("期望金额（元）"), **MONEY)
    term_months = models.PositiveSmallIntegerField(_("期限（月）"), null=True, blank=True)
    purpose = models.CharField(_("资金用途"), max_length=200, blank=True)
    rate_min = models.DecimalField(_("可接受年利率下限（%）"), max_digits=5, decimal_places=2, null=True, blank=True)
    rate_max = models.DecimalField(_("可接受年利率上限（%）"), max_digits=5, decimal_places=2, null=True, blank=True)
    # Follow-up
    channel = models.ForeignKey(Channel, verbose_name=_("客户来源"), null=True, blank=True, on_delete=models.PROTECT)
    # owner, org_unit and stage have no index of their own: the composite indexes below start with
    # them and serve every lookup by them; each index is paid for on every insert (imports).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("所属业务员"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="customers", db_index=False,
    )
    # The owner's org unit, kept in step by the services: data scopes filter on one indexed column.
    org_unit = models.ForeignKey(
        "accounts.OrgUnit", verbose_name=_("所属团队"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", db_index=False,
    )
    stage = models.ForeignKey(Stage, verbose_name=_("当前阶段"), on_delete=models.PROTECT, db_index=False)
    next_follow_up_at = models.DateTimeField(_("下次跟进时间"), null=True, blank=True)
    last_follow_up_at = models.DateTimeField(_("最近跟进时间"), null=True, blank=True)
    # When the current owner got the customer: "no follow-up within N hours of assignment" rules.
    assigned_at = models.DateTimeField(_("分配时间"), null=True, blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("标签"), blank=True, related_name="customers")
    note = models.TextField(_("备注"), blank=True)
    # Nullable (None = no) only so that adding it to a large SQLite table is ADD COLUMN, not a rebuild.
    sms_opt_out = models.BooleanField(_("拒收短信"), null=True, blank=True, help_text=_("客户要求不再接收通知短信"))
    custom_fields = models.JSONField(_("自定义字段"), default=dict, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    created_by = models.ForeignKey(  # not indexed: only ever read from the row
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+", db_index=False,
    )

    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = _("客户")
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="customer_owner_created"),
            models.Index(fields=["org_unit", "-created_at"], name="customer_unit_created"),
            models.Index(fields=["stage", "-created_at"], name="customer_stage_created"),
            # A team's list filtered by stage: its COUNT and first page from one index. Stage leads,
            # so that SQLite never picks it for a team's unfiltered list (it would sort the team).
            models.Index(fields=["stage", "org_unit", "-created_at"], name="customer_stage_unit_created"),
            models.Index(fields=["owner", "next_follow_up_at"], name="customer_owner_next"),
            models.Index(fields=["next_follow_up_at"], name="customer_next_follow_up"),
            # "No follow-up for 3 days": the rules tick reads one range of it per minute.
            models.Index(fields=["last_follow_up_at"], name="customer_last_follow_up"),
            # "Not followed up within 2 hours of assignment": one range per tick, like the above.
            models.Index(fields=["assigned_at"], name="customer_assigned_at"),
            # Lunar birthdays: a few customers; partial, so imports of everyone else do not maintain it.
            models.Index(fields=["lunar_birth_md"], name="customer_lunar_birthday",
                         condition=models.Q(lunar_birth_md__isnull=False)),
            # Name-prefix search inside a data scope.
            models.Index(fields=["owner", "name"], name="customer_owner_name"),
            models.Index(fields=["org_unit", "name"], name="customer_unit_name"),
            blind_index_index("mobile_bidx", "customer_mobile_bidx"),
            blind_index_index("backup_phone_bidx", "customer_backup_phone_bidx"),
            blind_index_index("bank_card_bidx", "customer_bank_card_bidx"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name_initials = chinese.pinyin_initials(self.name)
        self.lunar_birth_md = chinese.lunar_month_day(self.birth_date) if self.lunar_birthday else None
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = set(update_fields) | {"name_initials"}
        if update_fields is not None and {"birth_date", "lunar_birthday"} & set(update_fields):
            kwargs["update_fields"] = set(kwargs["update_fields"]) | {"lunar_birth_md"}
        super().save(*args, **kwargs)

    @property
    def age(self):
        if not self.birth_date:
            return None
        today = timezone.localdate()
        b = self.birth_date
        return today.year - b.year - ((today.month, today.day) < (b.month, b.day))

    @property
    def follow_up_overdue(self):
        return bool(self.next_follow_up_at and self.next_follow_up_at < timezone.now())


class RelatedPerson(EncryptedModelMixin, models.Model):
    """Spouse, emergency contact or guarantor, with their own contact data and ID."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="related_persons")
    relation = models.CharField(_("关系"), max_length=20, choices=Relation.choices)
    name = models.CharField(_("姓名"), max_length=50)
    id_number = EncryptedField(_("身份证号"), kind="id_number", index_field="id_number_bidx")
    id_number_bidx = BlindIndexField()
    mobile = EncryptedField(_("手机号"), kind="phone", index_field="mobile_bidx")
    mobile_bidx = BlindIndexField()
    employer = models.CharField(_("单位名称"), max_length=100, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["relation", "id"]
        indexes = [
            blind_index_index("id_number_bidx", "related_id_number_bidx"),
            blind_index_index("mobile_bidx", "related_mobile_bidx"),
        ]
        verbose_name = verbose_name_plural = _("关联人")

    def __str__(self):
        return f"{self.get_relation_display()} {self.name}"


class FollowUp(models.Model):
    """One contact with a customer; together they form the customer's timeline."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="follow_ups")
    kind = models.CharField(_("方式"), max_length=20, choices=FollowUpKind.choices, default=FollowUpKind.PHONE)
    content = models.TextField(_("跟进内容"))
    result = models.CharField(_("跟进结果"), max_length=200, blank=True)
    next_follow_up_at = models.DateTimeField(_("下次跟进时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("跟进人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("跟进时间"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "-created_at"], name="followup_customer_created")]
        verbose_name = verbose_name_plural = _("跟进记录")

    def __str__(self):
        return f"{self.customer} {self.get_kind_display()} {self.created_at:%Y-%m-%d}"


def attachment_path(instance, filename):
    # The original name is kept in the row only: paths carry no personal data.
    return f"attachments/{timezone.now():%Y/%m}/{instance.customer_id}.bin"


class Attachment(models.Model):
    """A document of the customer (credit report, bank statement, …), encrypted on disk."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("类别"), max_length=20, choices=AttachmentKind.choices, default=AttachmentKind.OTHER)
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        ordering = ["kind", "-uploaded_at"]
        verbose_name = verbose_name_plural = _("附件")

    def __str__(self):
        return self.original_name


class SavedFilter(models.Model):
    """A user's named customer-list filter (the query string of the list page)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters")
    name = models.CharField(_("名称"), max_length=40)
    query = models.CharField(_("条件"), max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="saved_filter_unique_name")]
        verbose_name = verbose_name_plural = _("常用筛选")

    def __str__(self):
        return self.name


class AssignmentRule(models.Model):
    """Who gets a new lead: the first active rule that matches (by channel and region) picks a member
    of its team, in turn (round robin) or the one with the fewest open leads."""

    class Strategy(models.TextChoices):
        ROUND_ROBIN = "round_robin", _("轮流分配")
        LEAST_LOADED = "least_loaded", _("分给在跟线索最少的人")

    name = models.CharField(_("名称"), max_length=60)
    order = models.PositiveIntegerField(_("顺序"), default=0, help_text=_("按顺序匹配，第一条匹配的规则生效"))
    channel = models.ForeignKey(Channel, verbose_name=_("客户来源"), null=True, blank=True, on_delete=models.CASCADE,
                                related_name="+", help_text=_("留空表示任何来源"))
    region = models.CharField(_("地区"), max_length=40, blank=True,
                              help_text=_("城市或籍贯包含的文字，如“吴忠”；或身份证前几位，如“6403”。留空表示任何地区"))
    team = models.ForeignKey("accounts.OrgUnit", verbose_name=_("分给哪个团队"), on_delete=models.CASCADE,
                             related_name="+")
    strategy = models.CharField(_("分配方式"), max_length=20, choices=Strategy.choices, default=Strategy.ROUND_ROBIN)
    last_assigned = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = verbose_name_plural = _("线索分配规则")

    def __str__(self):
        return self.name


class PoolClaim(models.Model):
    """One customer taken from the lead pool (公海): counts toward the daily limit."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    claimed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["user", "-claimed_at"], name="pool_claim_user")]
