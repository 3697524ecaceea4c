"""Adds a registered model's custom fields to its ModelForm and writes them back on save."""

from django.utils.translation import gettext as _

from . import types
from .models import FieldDefinition


class CustomFieldFormMixin:
    """Use with a ModelForm whose model has a `custom_fields` JSON column and a registry key.

    Fields the user may see but not edit are shown disabled; fields they may not see are absent,
    and their stored values are kept untouched on save.
    """

    custom_field_model_key = None

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        definitions = FieldDefinition.objects.for_model(self.custom_field_model_key)
        visible = list(definitions.visible_to(user))
        editable = set(definitions.editable_by(user).values_list("pk", flat=True))
        stored = self.instance.custom_fields or {}
        self.custom_definitions = []
        for defn in visible:
            field = types.form_field(defn, disabled=defn.pk not in editable)
            field.initial = types.from_storage(defn, stored.get(defn.key))
            field.section = defn.section or _("其他信息")
            self.fields[defn.form_name] = field
            self.custom_definitions.append(defn)

    def custom_field_sections(self):
        sections = {}
        for defn in self.custom_definitions:
            sections.setdefault(defn.section or _("其他信息"), []).append(self[defn.form_name])
        return sections

    def apply_custom_fields(self, instance):
        values = dict(instance.custom_fields or {})
        for defn in self.custom_definitions:
            field = self.fields[defn.form_name]
            if field.disabled:
                continue
            stored = types.to_storage(defn, self.cleaned_data.get(defn.form_name), values.get(defn.key))
            if stored is None:
                values.pop(defn.key, None)
            else:
                values[defn.key] = stored
        instance.custom_fields = values
