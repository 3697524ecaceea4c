"""Forms for loan applications, their documents, products, contract templates and process actions."""

from django import forms
from django.utils.translation import gettext_lazy as _

from zhudai.accounts.models import User
from zhudai.core import chinese
from zhudai.core.uploads import UploadForm
from zhudai.customers.models import Channel
from zhudai.engines.forms.types import MoneyField
from zhudai.security import masking

from .choices import DocumentKind
from .models import ContractTemplate, LoanApplication, Product

DATE_WIDGET = forms.DateInput(attrs={"type": "date"})
# Fields a node makes required when it lets its handler edit them (the step cannot pass without them).
REQUIRED_WHEN_EDITABLE = {"credit_line", "contract_signed_at", "disbursed_at", "disbursed_amount",
                          "disbursement_account"}


class ApplicationForm(forms.ModelForm):
    """Create or edit a draft application."""

    amount = MoneyField(label=_("申请金额（元）"), help_text=_("可填 50000 或 5万"))

    class Meta:
        model = LoanApplication
        fields = ["product", "amount", "term_months", "purpose", "channel", "owner"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(is_active=True)
        self.fields["channel"].queryset = Channel.objects.filter(is_active=True)
        self.fields["channel"].help_text = _("不选则沿用客户来源")
        owner = self.fields["owner"]
        if user.has_perm("customer.assign"):
            owner.queryset = User.objects.assignable_by(user)
            owner.required = False
            owner.help_text = _("不选则为客户的业务员")
        else:
            del self.fields["owner"]


class ApplicationStepForm(forms.ModelForm):
    """The fields a process step lets its handler fill in (风控建议、授信、签约、放款)."""

    recommended_amount = MoneyField(label=_("建议额度（元）"), required=False)
    credit_line = MoneyField(label=_("授信额度（元）"), required=False)
    disbursed_amount = MoneyField(label=_("放款金额（元）"), required=False)
    disbursement_account = forms.CharField(label=_("收款账号"), required=False, max_length=30)

    class Meta:
        model = LoanApplication
        fields = ["recommended_amount", "recommended_rate", "recommended_term", "risk_opinion", "credit_line",
                  "approved_rate", "approved_term", "contract_signed_at", "disbursed_at", "disbursed_amount",
                  "disbursement_bank", "disbursement_account"]
        widgets = {"contract_signed_at": DATE_WIDGET, "disbursed_at": DATE_WIDGET,
                   "risk_opinion": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, fields=(), **kwargs):
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in fields:
                del self.fields[name]
            elif name in REQUIRED_WHEN_EDITABLE:
                self.fields[name].required = True
        if "disbursement_account" in self.fields:
            # Like the customer form: the stored card number is never sent back to the browser.
            self.initial["disbursement_account"] = ""
            if self.instance.disbursement_account:
                self.fields["disbursement_account"].required = False
                self.fields["disbursement_account"].widget.attrs["placeholder"] = masking.mask(
                    "bank_card", self.instance.disbursement_account)
                self.fields["disbursement_account"].help_text = _("留空表示不修改")
        for name, field in self.fields.items():
            if name in ("credit_line", "recommended_amount", "disbursed_amount") and self.instance.pk:
                value = getattr(self.instance, name)
                self.initial[name] = "" if value is None else f"{value:f}"

    def clean_disbursement_account(self):
        value = self.cleaned_data.get("disbursement_account", "")
        if not value:
            return self.instance.disbursement_account
        return chinese.validate_bank_card(value)


class DocumentForm(UploadForm):
    kind = forms.ChoiceField(label=_("材料类型"), choices=DocumentKind.choices)
    field_order = ["kind", "file", "note"]


class ProductForm(forms.ModelForm):
    min_amount = MoneyField(label=_("最低金额（元）"))
    max_amount = MoneyField(label=_("最高金额（元）"))
    required_documents = forms.MultipleChoiceField(
        label=_("所需材料"), choices=DocumentKind.choices, required=False, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Product
        fields = ["lender", "name", "product_type", "min_amount", "max_amount", "min_term", "max_term", "rate_min",
                  "rate_max", "required_documents", "process", "description", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from zhudai.engines.flow.models import ProcessDefinition

        self.fields["process"].queryset = ProcessDefinition.objects.filter(subject="loan_application")
        self.fields["process"].empty_label = _("默认流程")

    def clean(self):
        data = super().clean()
        for low, high, label in (("min_amount", "max_amount", _("金额")), ("min_term", "max_term", _("期限")),
                                 ("rate_min", "rate_max", _("利率"))):
            if data.get(low) is not None and data.get(high) is not None and data[low] > data[high]:
                self.add_error(high, _("%(w)s上限不能低于下限。") % {"w": label})
        return data


class TemplateForm(forms.ModelForm):
    upload = forms.FileField(label=_("Word 模板（.docx）"), required=False,
                             help_text=_("在 Word 中用 {{ customer.name }}、{{ application.amount_cn }} 等占位符"))

    class Meta:
        model = ContractTemplate
        fields = ["name", "product", "is_active"]

    def clean(self):
        data = super().clean()
        if not self.instance.pk and not data.get("upload"):
            self.add_error("upload", _("请上传 .docx 模板文件。"))
        return data
