from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from zhudai.core.registry import registry

from .models import OrgUnit, Role, User


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码不正确。连续失败多次后账号将被暂时锁定。"),
        "inactive": _("该账号已停用。"),
    }


class UserForm(forms.ModelForm):
    password = forms.CharField(
        label=_("密码"), required=False, widget=forms.PasswordInput(render_value=False),
        help_text=_("新建用户必填；编辑时留空表示不修改。至少8位，不能全是数字或过于常见。"),
    )

    class Meta:
        model = User
        fields = ["username", "name", "phone", "email", "org_unit", "role", "is_paused"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = OrgUnit.objects.filter(is_active=True)
        self.fields["role"].required = True
        self.fields["name"].required = True
        if not self.instance.pk:
            self.fields["password"].required = True


class UnitForm(forms.ModelForm):
    class Meta:
        model = OrgUnit
        fields = ["name", "kind", "parent", "order", "is_active"]


class RoleForm(forms.ModelForm):
    permissions = forms.MultipleChoiceField(label=_("权限"), required=False, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Role
        fields = ["name", "code", "description", "data_scope", "permissions"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["permissions"].choices = [(p.code, f"{p.group} · {p.label}") for p in registry.permissions.values()]
        if self.instance.is_system:
            self.fields["code"].disabled = True

    def permission_groups(self):
        selected = set(self["permissions"].value() or [])
        return [(group, [(p.code, p.label, p.code in selected) for p in entries])
                for group, entries in registry.permission_groups().items()]


class HandoverForm(forms.Form):
    from_user = forms.ModelChoiceField(label=_("离职/移交人"), queryset=User.objects.all())
    to_user = forms.ModelChoiceField(label=_("接收人"), queryset=User.objects.filter(is_active=True))
    deactivate = forms.BooleanField(label=_("交接后停用移交人的账号"), required=False, initial=True)

    def clean(self):
        data = super().clean()
        if data.get("from_user") and data.get("from_user") == data.get("to_user"):
            self.add_error("to_user", _("接收人不能是移交人本人。"))
        return data
