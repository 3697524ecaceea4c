"""The process editor: one form per node, and the text forms of handler rules and branches.

Handler rules are written one per line:
    role:risk            the member of role "risk" with the fewest open tasks
    role:risk:claim      one task any member of the role may claim
    user:gm   owner   owner_lead   field:created_by
    expr:amount > 100000 ? "gm" : "lead1"      (a login name)
Gateway branches, one per line, tried in order:  condition => node id | label
"""

from django import forms

from zhudai.accounts.models import User
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .choices import TASK_ACTIONS, EndResult, HandlerKind, NodeType, Policy


class ActionForm(forms.Form):
    """One action on a task: its comment, and what forward / add_signer / return need."""

    action = forms.CharField(widget=forms.HiddenInput)
    comment = forms.CharField(label=_("意见"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("审批意见")}))
    to_user = forms.ModelChoiceField(label=_("同事"), queryset=User.objects.none(), required=False)
    target = forms.ChoiceField(label=_("退回到"), required=False, choices=())
    files = forms.FileField(label=_("附件"), required=False)

    def __init__(self, *args, returnable=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_user"].queryset = User.objects.filter(is_active=True).order_by("org_unit", "id")
        self.fields["target"].choices = [("", _("上一步"))] + list(returnable)



def handler_to_text(rule):
    kind = rule.get("kind")
    if kind == HandlerKind.ROLE:
        return f"role:{rule.get('role', '')}" + (":claim" if rule.get("mode") == "claim" else "")
    if kind == HandlerKind.USER:
        return f"user:{rule.get('user', '')}"
    if kind == HandlerKind.FIELD:
        return f"field:{rule.get('field', '')}"
    if kind == HandlerKind.EXPRESSION:
        return f"expr:{rule.get('expression', '')}"
    return kind or ""


def text_to_handler(line):
    line = line.strip()
    head, _sep, rest = line.partition(":")
    head = head.strip().lower()
    if head in (HandlerKind.OWNER, HandlerKind.OWNER_LEAD) and not rest:
        return {"kind": head}
    if head == "role" and rest:
        role, _s, mode = rest.partition(":")
        rule = {"kind": "role", "role": role.strip(), "mode": "claim" if mode.strip() == "claim" else "least_load"}
        return rule
    if head == "user" and rest:
        return {"kind": "user", "user": rest.strip()}
    if head == "field" and rest:
        return {"kind": "field", "field": rest.strip()}
    if head == "expr" and rest:
        return {"kind": "expression", "expression": rest.strip()}
    raise ValidationError(_("无法识别的处理人规则“%(l)s”：请写 role:角色代码、user:登录名、owner、owner_lead、"
                            "field:字段 或 expr:表达式。") % {"l": line})


def branch_to_text(branch):
    label = f" | {branch['label']}" if branch.get("label") else ""
    return f"{branch.get('condition', '')} => {branch.get('to', '')}{label}"


def text_to_branch(line):
    condition, arrow, rest = line.rpartition("=>")
    if not arrow or not condition.strip():
        raise ValidationError(_("分支“%(l)s”的格式应为：条件 => 目标环节代码 | 说明") % {"l": line})
    target, _s, label = rest.partition("|")
    return {"condition": condition.strip(), "to": target.strip(), "label": label.strip()}


def _lines(text):
    return [line for line in (text or "").splitlines() if line.strip()]


class NodeForm(forms.Form):
    id = forms.SlugField(label=_("代码"), max_length=60)
    name = forms.CharField(label=_("名称"), max_length=100)
    type = forms.ChoiceField(label=_("类型"), choices=NodeType.choices)
    next = forms.CharField(label=_("下一环节"), required=False, max_length=60)
    reject_to = forms.CharField(label=_("拒绝后去往"), required=False, max_length=60,
                                help_text=_("留空：拒绝即结束（已拒绝）"))
    handlers = forms.CharField(label=_("处理人"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                               help_text=_("每行一条：role:risk、role:risk:claim、user:gm、owner、owner_lead、"
                                           "field:created_by、expr:表达式"))
    cc = forms.CharField(label=_("抄送"), required=False, widget=forms.Textarea(attrs={"rows": 1}))
    policy = forms.ChoiceField(label=_("会签规则"), choices=Policy.choices, required=False)
    n = forms.IntegerField(label=_("N（N人同意）"), required=False, min_value=1)
    veto = forms.BooleanField(label=_("一票否决"), required=False)
    limit_hours = forms.DecimalField(label=_("时限（小时）"), required=False, min_value=0, max_digits=6,
                                     decimal_places=1)
    working_hours = forms.BooleanField(label=_("按工作时间计（节假日除外）"), required=False)
    allow_self_approval = forms.BooleanField(label=_("允许本人审批"), required=False)
    actions = forms.MultipleChoiceField(label=_("可用操作"), required=False, widget=forms.CheckboxSelectMultiple,
                                        choices=[(a.value, a.label) for a in TASK_ACTIONS])
    editable_fields = forms.MultipleChoiceField(label=_("处理人可编辑字段"), required=False,
                                                widget=forms.CheckboxSelectMultiple)
    required_documents = forms.MultipleChoiceField(label=_("必备材料"), required=False,
                                                   widget=forms.CheckboxSelectMultiple)
    status = forms.ChoiceField(label=_("进入时设置状态"), required=False)
    action = forms.ChoiceField(label=_("自动处理"), required=False)
    branches = forms.CharField(label=_("分支条件"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                               help_text=_("每行一条，按顺序判断：条件 => 目标环节代码 | 说明"))
    default = forms.CharField(label=_("默认分支"), required=False, max_length=60)
    result = forms.ChoiceField(label=_("结束结果"), choices=EndResult.choices, required=False)

    def __init__(self, *args, adapter, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["editable_fields"].choices = list(adapter.editable_fields().items())
        self.fields["required_documents"].choices = list(adapter.document_kinds().items())
        self.fields["status"].choices = [("", "—")] + list(adapter.statuses().items())
        self.fields["action"].choices = [("", "—")] + [(k, label) for k, (label, _f) in adapter.auto_actions().items()]
        self.fields["type"].widget.attrs["x-model"] = "type"

    def clean_handlers(self):
        return [text_to_handler(line) for line in _lines(self.cleaned_data["handlers"])]

    def clean_cc(self):
        return [text_to_handler(line) for line in _lines(self.cleaned_data["cc"])]

    def clean_branches(self):
        return [text_to_branch(line) for line in _lines(self.cleaned_data["branches"])]

    def to_node(self):
        """The node dict for the spec, with only the keys its type uses."""
        data = self.cleaned_data
        kind = data["type"]
        node = {"id": data["id"], "type": kind, "name": data["name"]}
        if kind in (NodeType.START, NodeType.AUTO, NodeType.TASK, NodeType.COUNTERSIGN):
            node["next"] = data["next"]
        if kind in (NodeType.AUTO, NodeType.TASK, NodeType.COUNTERSIGN) and data["reject_to"]:
            node["reject_to"] = data["reject_to"]
        if kind == NodeType.AUTO:
            node["action"] = data["action"]
        if kind in (NodeType.TASK, NodeType.COUNTERSIGN):
            node.update(handlers=data["handlers"], actions=data["actions"] or [a.value for a in TASK_ACTIONS],
                        allow_self_approval=data["allow_self_approval"], working_hours=data["working_hours"],
                        editable_fields=data["editable_fields"], required_documents=data["required_documents"])
            if data["limit_hours"]:
                node["limit_hours"] = float(data["limit_hours"])
            for key in ("cc", "status"):
                if data[key]:
                    node[key] = data[key]
        if kind == NodeType.COUNTERSIGN:
            node.update(policy=data["policy"] or Policy.ALL, veto=data["veto"])
            if data["n"]:
                node["n"] = data["n"]
        if kind == NodeType.GATEWAY:
            node.update(branches=data["branches"], default=data["default"])
        if kind == NodeType.END:
            node["result"] = data["result"] or EndResult.APPROVED
        return node


def initial_for(node):
    """A node dict as NodeForm initial data."""
    initial = {k: v for k, v in node.items() if k not in ("handlers", "cc", "branches")}
    initial["handlers"] = "\n".join(handler_to_text(r) for r in node.get("handlers", []))
    initial["cc"] = "\n".join(handler_to_text(r) for r in node.get("cc", []))
    initial["branches"] = "\n".join(branch_to_text(b) for b in node.get("branches", []))
    initial.setdefault("veto", node.get("type") == NodeType.TASK)
    return initial


class BaseNodeFormSet(forms.BaseFormSet):
    def __init__(self, *args, adapter, **kwargs):
        self.adapter = adapter
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {"adapter": self.adapter}

    @property
    def empty_form(self):
        form = self.form(auto_id=self.auto_id, prefix=self.add_prefix("__prefix__"), empty_permitted=True,
                         use_required_attribute=False, adapter=self.adapter, renderer=self.renderer)
        self.add_fields(form, None)
        return form

    def to_spec(self):
        nodes = []
        for form in self.forms:
            if not form.has_changed() and form.empty_permitted:
                continue
            if self.can_delete and self._should_delete_form(form):
                continue
            nodes.append(form.to_node())
        return {"nodes": nodes}


NodeFormSet = forms.formset_factory(NodeForm, formset=BaseNodeFormSet, extra=1, can_delete=True)
