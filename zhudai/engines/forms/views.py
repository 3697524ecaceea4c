"""Settings pages for custom fields, and serving a custom-field file after the caller checked access."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhudai.audit.choices import Action
from zhudai.audit.services import record, record_change
from zhudai.core.registry import registry
from zhudai.core.uploads import file_response
from zhudai.security.crypto import cipher

from .choices import CHOICE_TYPES
from .models import FieldDefinition


class FieldDefinitionForm(forms.ModelForm):
    choices_text = forms.CharField(
        label=gettext_lazy("选项"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("单选、多选使用，每行一个选项"),
    )

    class Meta:
        model = FieldDefinition
        fields = ["model_key", "label", "key", "field_type", "required", "help_text", "section", "order",
                  "view_roles", "edit_roles", "is_active"]
        widgets = {"view_roles": forms.CheckboxSelectMultiple, "edit_roles": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model_key"] = forms.ChoiceField(
            label=_("所属对象"), choices=[(m.key, m.label) for m in registry.custom_field_models()])
        self.fields["choices_text"].initial = "\n".join(self.instance.choices or [])
        if self.instance.pk:
            self.fields["key"].disabled = True
            self.fields["model_key"].disabled = True
            self.fields["field_type"].disabled = True
            self.fields["field_type"].help_text = _("已有数据的字段不能改变类型")

    def clean_key(self):
        import re

        key = self.cleaned_data["key"]
        if not re.match(r"^[a-z][a-z0-9_]{0,39}$", key):
            raise forms.ValidationError(_("字段键须以小写字母开头，只含小写字母、数字和下划线。"))
        model = registry.models.get(self.data.get("model_key") or self.instance.model_key)
        if model and key in {f.name for f in model.model._meta.get_fields()}:
            raise forms.ValidationError(_("与内置字段重名，请换一个字段键。"))
        return key

    def clean(self):
        data = super().clean()
        options = [line.strip() for line in (data.get("choices_text") or "").splitlines() if line.strip()]
        if data.get("field_type") in CHOICE_TYPES:
            if not options:
                self.add_error("choices_text", _("单选、多选字段至少需要一个选项。"))
            if len(set(options)) != len(options):
                self.add_error("choices_text", _("选项不能重复。"))
        self.instance.choices = options if data.get("field_type") in CHOICE_TYPES else []
        return data


def _snapshot(defn):
    return {"label": defn.label, "key": defn.key, "field_type": defn.field_type, "required": defn.required,
            "choices": defn.choices, "section": defn.section, "is_active": defn.is_active,
            "view_roles": sorted(r.name for r in defn.view_roles.all()) if defn.pk else [],
            "edit_roles": sorted(r.name for r in defn.edit_roles.all()) if defn.pk else []}


@login_required
@permission_required("settings.fields", raise_exception=True)
def field_list(request):
    definitions = FieldDefinition.objects.prefetch_related("view_roles", "edit_roles")
    return render(request, "forms/field_list.html", {"definitions": definitions, "models": registry.models})


@login_required
@permission_required("settings.fields", raise_exception=True)
def field_edit(request, pk=None):
    defn = get_object_or_404(FieldDefinition, pk=pk) if pk else FieldDefinition(model_key="customer")
    before = _snapshot(defn)
    form = FieldDefinitionForm(request.POST or None, instance=defn)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            creating = defn.pk is None
            defn = form.save()
            if creating:
                record(Action.CREATE, defn, actor=request.user, object_type="field_definition",
                       changes={k: [None, v] for k, v in _snapshot(defn).items()})
            else:
                record_change(defn, before, _snapshot(defn), actor=request.user, object_type="field_definition")
        messages.success(request, _("字段“%(l)s”已保存。") % {"l": defn.label})
        return redirect("fields:list")
    return render(request, "forms/field_form.html", {"form": form, "definition": defn})


def serve_custom_file(actor, obj, defn):
    """Stream a custom-field file of `obj`; the caller has already checked access to `obj`."""
    stored = (obj.custom_fields or {}).get(defn.key)
    if not stored or defn.field_type != "file":
        raise Http404
    with default_storage.open(stored["path"], "rb") as fh:
        data = cipher().decrypt_bytes(fh.read())
    record(Action.DOWNLOAD, obj, actor=actor, extra={"field": defn.key, "name": stored.get("name")})
    return file_response(data, "application/octet-stream", stored.get("name") or "file", inline_allowed=False)
