"""Forms for customers, follow-ups, related persons and attachments."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from zhudai.accounts.models import User
from zhudai.core import chinese
from zhudai.core.uploads import UploadForm
from zhudai.engines.forms.forms import CustomFieldFormMixin
from zhudai.engines.forms.types import MoneyField
from zhudai.security import masking

from .choices import AttachmentKind
from .models import Channel, Customer, FollowUp, RelatedPerson, Stage, Tag

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

SECTIONS = [
    (_("身份信息"), ["name", "id_number", "lunar_birthday", "marital_status", "registered_address", "current_address",
                   "city"]),
    (_("联系与工作"), ["mobile", "backup_phone", "wechat", "occupation", "employer", "employer_address",
                    "monthly_income"]),
    (_("征信与资产"), ["credit_rating", "total_debt", "debts", "house", "vehicles", "bank_name", "bank_card"]),
    (_("贷款意向"), ["loan_type", "expected_amount", "term_months", "purpose", "rate_min", "rate_max"]),
    (_("跟进"), ["channel", "owner", "stage", "next_follow_up_at", "tags", "note", "sms_opt_out"]),
]
VALIDATORS = {
    "id_number": lambda v: chinese.parse_id_number(v).number,
    "mobile": chinese.validate_mobile,
    "backup_phone": chinese.validate_phone,
    "bank_card": chinese.validate_bank_card,
}


class SensitiveInput(forms.CharField):
    """A text input for an encrypted value that is never sent back to the browser."""

    def __init__(self, *args, kind, **kwargs):
        self.kind = kind
        super().__init__(*args, **kwargs)


class CustomerForm(CustomFieldFormMixin, forms.ModelForm):
    """Create and edit a customer. On edit, sensitive inputs start empty with the masked value as a
    placeholder; left empty they keep the stored value, so editing never discloses it."""

    custom_field_model_key = "customer"

    monthly_income = MoneyField(label=_("月收入（元）"), required=False, help_text=_("可填 8000、8,000 或 0.8万"))
    total_debt = MoneyField(label=_("负债总额（元）"), required=False)
    expected_amount = MoneyField(label=_("期望金额（元）"), required=False, help_text=_("可填 50000 或 5万"))
    next_follow_up_at = forms.DateTimeField(label=_("下次跟进时间"), required=False, widget=DATETIME_WIDGET)
    tags = forms.ModelMultipleChoiceField(
        label=_("标签"), queryset=Tag.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    sms_opt_out = forms.BooleanField(label=_("拒收短信"), required=False, help_text=_("客户要求不再接收通知短信"))
    lunar_birthday = forms.BooleanField(label=_("按农历过生日"), required=False,
                                        help_text=_("生日提醒按农历日期（由身份证上的出生日期换算）"))
    confirm_duplicate = forms.BooleanField(
        label=_("我已确认不是同一个人，仍然保存"), required=False, widget=forms.CheckboxInput
    )

    class Meta:
        model = Customer
        fields = [name for _title, names in SECTIONS for name in names]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.duplicates = []
        editing = self.instance.pk is not None
        for name, kind in (("id_number", "id_number"), ("mobile", "phone"), ("backup_phone", "phone"),
                           ("bank_card", "bank_card")):
            model_field = Customer._meta.get_field(name)
            stored = getattr(self.instance, name) if editing else ""
            field = SensitiveInput(label=model_field.verbose_name, required=(name == "mobile" and not stored),
                                   max_length=30, kind=kind)
            if stored:
                field.widget.attrs["placeholder"] = masking.mask(kind, stored)
                field.help_text = _("留空表示不修改")
            elif name == "id_number":
                field.help_text = _("保存后自动识别出生日期、性别和籍贯")
            self.fields[name] = field
            self.initial[name] = ""
        self.fields["mobile"].required = not (editing and self.instance.mobile)
        self.fields["channel"].queryset = Channel.objects.filter(is_active=True)
        self.fields["stage"].queryset = Stage.objects.all()
        self.fields["stage"].required = False
        owner = self.fields["owner"]
        if user.has_perm("customer.assign"):
            owner.queryset = User.objects.assignable_by(user)
            owner.required = False
            owner.help_text = _("不选则归属于自己")
        else:
            del self.fields["owner"]
        if not editing:
            self.fields["stage"].initial = Stage.objects.order_by("order").first()
        for name in ("debts", "house", "vehicles", "note"):
            self.fields[name].widget = forms.Textarea(attrs={"rows": 2})

    def sections(self):
        rows = [(title, [self[n] for n in names if n in self.fields]) for title, names in SECTIONS]
        return rows + list(self.custom_field_sections().items())

    def _clean_sensitive(self, name):
        value = self.cleaned_data.get(name, "")
        if not value:
            return getattr(self.instance, name) if self.instance.pk else ""
        return VALIDATORS[name](value)

    def clean_id_number(self):
        return self._clean_sensitive("id_number")

    def clean_mobile(self):
        return self._clean_sensitive("mobile")

    def clean_backup_phone(self):
        return self._clean_sensitive("backup_phone")

    def clean_bank_card(self):
        return self._clean_sensitive("bank_card")

    def clean(self):
        from . import services

        data = super().clean()
        rate_min, rate_max = data.get("rate_min"), data.get("rate_max")
        if rate_min is not None and rate_max is not None and rate_min > rate_max:
            self.add_error("rate_max", _("利率上限不能低于下限。"))
        self.duplicates = services.find_duplicates(
            self.user, id_number=data.get("id_number", ""),
            phones=[data.get("mobile", ""), data.get("backup_phone", "")], exclude_pk=self.instance.pk,
        )
        for dup in self.duplicates:
            if dup.field == "id_number":
                self.add_error("id_number", dup.message)
        if any(d.field == "mobile" for d in self.duplicates) and not data.get("confirm_duplicate"):
            self.add_error(None, _("发现手机号相同的客户，可能是重复录入。确认不是同一个人后，勾选下方确认框再保存。"))
        return data

    def save(self, commit=True):
        instance = super().save(commit=False)
        self.apply_custom_fields(instance)
        if not self.fields.get("owner") or not self.cleaned_data.get("owner"):
            instance.owner = instance.owner if instance.pk else None
        return instance


class FollowUpForm(forms.ModelForm):
    next_follow_up_at = forms.DateTimeField(label=_("下次跟进时间"), required=False, widget=DATETIME_WIDGET)

    class Meta:
        model = FollowUp
        fields = ["kind", "content", "result", "next_follow_up_at"]
        widgets = {"content": forms.Textarea(attrs={"rows": 2, "placeholder": _("沟通了什么？")})}


class RelatedPersonForm(forms.ModelForm):
    id_number = forms.CharField(label=_("身份证号"), required=False, max_length=30)
    mobile = forms.CharField(label=_("手机号"), required=False, max_length=30)

    class Meta:
        model = RelatedPerson
        fields = ["relation", "name", "id_number", "mobile", "employer", "address", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, kind in (("id_number", "id_number"), ("mobile", "phone")):
            stored = getattr(self.instance, name) if self.instance.pk else ""
            self.initial[name] = ""
            if stored:
                self.fields[name].widget.attrs["placeholder"] = masking.mask(kind, stored)
                self.fields[name].help_text = _("留空表示不修改")

    def clean_id_number(self):
        value = self.cleaned_data["id_number"]
        if not value:
            return self.instance.id_number if self.instance.pk else ""
        return chinese.parse_id_number(value).number

    def clean_mobile(self):
        value = self.cleaned_data["mobile"]
        if not value:
            return self.instance.mobile if self.instance.pk else ""
        return chinese.validate_phone(value)


class AttachmentForm(UploadForm):
    kind = forms.ChoiceField(label=_("类别"), choices=AttachmentKind.choices)
    field_order = ["kind", "file", "note"]


class AssignForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("分配给"), queryset=User.objects.none(), empty_label=_("选择业务员…"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.assignable_by(user).select_related("org_unit")


class MergeForm(forms.Form):
    duplicate = forms.IntegerField(label=_("要并入的重复客户编号"))

    def clean_duplicate(self):
        value = self.cleaned_data["duplicate"]
        if value <= 0:
            raise ValidationError(_("请输入客户编号。"))
        return value
