"""The rule editor: the rule itself and one small form per action."""

from django import forms
from django.utils.translation import gettext_lazy as _

from zhudai.core.registry import registry

from .choices import ActionType, Priority, Since
from .models import Rule

CHANNELS = [("in_app", _("站内消息")), ("email", _("邮件")), ("sms", _("短信（发给客户）")),
            ("wecom", _("企业微信群机器人")), ("dingtalk", _("钉钉群机器人"))]


def field_choices(subject):
    """(field, label) of the date fields the rule's subject offers."""
    if subject is None:
        return [("", "—")]
    fields = {**subject.time_fields(), **subject.annual_fields()}
    return [("", "—")] + [(name, f"{label}（{name}）") for name, label in fields.items()]


class RuleForm(forms.ModelForm):
    date_field = forms.ChoiceField(label=_("时间字段"), required=False)

    class Meta:
        model = Rule
        fields = ["name", "subject", "trigger", "event", "date_field", "since", "offset", "unit", "working_time",
                  "condition", "is_enabled"]
        widgets = {"condition": forms.Textarea(attrs={"rows": 2, "placeholder": 'stage == "new" and not followed_up'}),
                   "subject": forms.Select()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].widget.choices = [(k, s.label) for k, s in registry.rule_subjects.items()]
        subject = registry.rule_subjects.get(self.data.get("subject") or self.instance.subject)
        self.fields["date_field"].choices = field_choices(subject)
        self.fields["date_field"].help_text = _("更换对象后，保存一次再选该对象的时间字段")
        events = subject.events() if subject else {}
        self.fields["event"] = forms.ChoiceField(label=_("事件"), required=False,
                                                 choices=[("", "—")] + list(events.items()),
                                                 help_text=_("“发生某件事时”：新建、修改、阶段变化、分配、审批待办到达或处理完"))
        self.fields["offset"].help_text = _("正数为之后，负数为之前；“一段时间没有跟进”填时长")
        self.fields["since"].required = False

    def clean_since(self):
        return self.cleaned_data.get("since") or Since.ACTIVITY


class ActionForm(forms.Form):
    type = forms.ChoiceField(label=_("动作"), choices=ActionType.choices)
    to = forms.CharField(label=_("接收人"), required=False, max_length=60,
                         help_text=_("owner 负责人、owner_lead 团队主管、role:角色代码、user:登录名"))
    channel = forms.ChoiceField(label=_("渠道"), choices=CHANNELS, required=False)
    title = forms.CharField(label=_("标题"), required=False, max_length=200,
                            help_text=_("可用 {{ name }} 等变量，见右侧"))
    body = forms.CharField(label=_("内容"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    priority = forms.ChoiceField(label=_("优先级"), choices=Priority.choices, required=False)
    due_hours = forms.DecimalField(label=_("期限（小时）"), required=False, min_value=0, max_digits=6, decimal_places=1,
                                   help_text=_("待办的处理期限；“安排跟进”则为几小时后跟进"))
    field = forms.CharField(label=_("字段"), required=False, max_length=60)
    value = forms.CharField(label=_("值"), required=False, max_length=200)
    address = forms.CharField(label=_("地址"), required=False, max_length=300,
                              help_text=_("群机器人或 Webhook 的 URL"))
    template = forms.CharField(label=_("短信模板编号"), required=False, max_length=60)

    KEYS = {
        ActionType.TODO: ["to", "title", "body", "priority", "due_hours"],
        ActionType.NOTIFY: ["channel", "to", "title", "body", "address", "template"],
        ActionType.SET_FIELD: ["field", "value"],
        ActionType.ASSIGN: ["to"],
        ActionType.FOLLOW_UP: ["due_hours"],
        ActionType.WEBHOOK: ["address", "title", "body"],
    }

    def to_action(self):
        data = self.cleaned_data
        action = {"type": data["type"]}
        for key in self.KEYS[data["type"]]:
            value = data.get(key)
            if value not in (None, ""):
                action[key] = float(value) if key == "due_hours" else value
        return action


class BaseActionFormSet(forms.BaseFormSet):
    FILLED = ("to", "title", "body", "field", "value", "address", "template")

    def to_actions(self):
        """The actions filled in: the blank form at the end (its drop-downs show a default) is none."""
        return [f.to_action() for f in self.forms
                if f.cleaned_data and (any(f.cleaned_data.get(k) for k in self.FILLED) or (
                    f.cleaned_data.get("type") == ActionType.FOLLOW_UP and f.cleaned_data.get("due_hours")))
                and not (self.can_delete and self._should_delete_form(f))]


ActionFormSet = forms.formset_factory(ActionForm, formset=BaseActionFormSet, extra=1, can_delete=True)
