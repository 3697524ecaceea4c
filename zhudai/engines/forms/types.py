"""How each custom-field type becomes a form field, a stored JSON value, a display text and a filter.

Stored values (in the model's `custom_fields` JSON column):
  text, long_text, choice: str · multi_choice: [str] · number, money: int or float (yuan)
  date: "2026-03-05" · datetime: ISO 8601 · boolean: true/false · user: user id
  phone, id_number: {"c": ciphertext, "h": blind index} · file: {"path", "name", "size"}
Every door (form, importer, API) goes through `clean_value`, so the rules are the same everywhere.
"""

import datetime
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from zhudai.core import chinese
from zhudai.security import masking
from zhudai.security.crypto import DecryptionError, cipher

from .choices import SENSITIVE_TYPES, FieldType

MAX_FILE_BYTES = 20 * 1024 * 1024


def form_field(defn, *, disabled=False):
    """A Django form field for `defn`, with its label, help text and required flag."""
    common = {"label": defn.label, "required": defn.required, "help_text": defn.help_text, "disabled": disabled}
    t = defn.field_type
    if t == FieldType.TEXT:
        return forms.CharField(max_length=200, **common)
    if t == FieldType.LONG_TEXT:
        return forms.CharField(max_length=5000, widget=forms.Textarea(attrs={"rows": 3}), **common)
    if t == FieldType.NUMBER:
        return forms.DecimalField(max_digits=18, decimal_places=6, **common)
    if t == FieldType.MONEY:
        return MoneyField(**common)
    if t == FieldType.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if t == FieldType.DATETIME:
        return forms.DateTimeField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), **common)
    if t == FieldType.CHOICE:
        return forms.ChoiceField(choices=[("", "---------")] + [(c, c) for c in defn.choices], **common)
    if t == FieldType.MULTI_CHOICE:
        return forms.MultipleChoiceField(
            choices=[(c, c) for c in defn.choices], widget=forms.CheckboxSelectMultiple, **common
        )
    if t == FieldType.BOOLEAN:
        common["required"] = False  # a required yes/no cannot be answered "no" with a checkbox
        return forms.NullBooleanField(
            widget=forms.Select(choices=[("unknown", "---------"), ("true", _("是")), ("false", _("否"))]), **common
        )
    if t == FieldType.PHONE:
        return forms.CharField(max_length=30, validators=[chinese.validate_phone], **common)
    if t == FieldType.ID_NUMBER:
        return IdNumberField(**common)
    if t == FieldType.FILE:
        return forms.FileField(validators=[validate_file_size], **common)
    if t == FieldType.USER:
        from django.contrib.auth import get_user_model

        return forms.ModelChoiceField(queryset=get_user_model().objects.filter(is_active=True), **common)
    raise ValueError(f"unknown field type {t}")


def validate_file_size(upload):
    if upload.size > MAX_FILE_BYTES:
        raise ValidationError(_("文件不能超过 20 MB。"), code="file_size")


class MoneyField(forms.CharField):
    """Accepts 50,000.00, ¥50000, 5万 and 12.5万."""

    def to_python(self, value):
        value = super().to_python(value)
        return chinese.parse_money(value) if value not in (None, "") else None


class IdNumberField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        return chinese.parse_id_number(value).number if value else ""


def clean_value(defn, raw):
    """Validate one raw value (text from an import or API, or form data) the same way as the form."""
    field = form_field(defn)
    return field.clean(field.to_python(raw) if defn.field_type == FieldType.FILE else raw)


def to_storage(defn, value, previous=None):
    """The JSON value stored for a cleaned form value; None means "no value"."""
    t = defn.field_type
    if value in (None, "", []):
        return previous if t == FieldType.FILE else None
    if t in SENSITIVE_TYPES:
        kind = SENSITIVE_TYPES[t]
        normalized = masking.normalize(kind, value)
        return {"c": cipher().encrypt(normalized), "h": cipher().blind_index(kind, normalized)}
    if t in (FieldType.NUMBER, FieldType.MONEY):
        # JSON numbers, so that range filters compare numerically on SQLite and PostgreSQL.
        return int(value) if value == value.to_integral_value() else float(value)
    if t == FieldType.DATE:
        return value.isoformat()
    if t == FieldType.DATETIME:
        return value.isoformat()
    if t == FieldType.USER:
        return value.pk
    if t == FieldType.FILE:
        return store_file(value)
    return value


def store_file(upload):
    validate_file_size(upload)
    data = cipher().encrypt_bytes(upload.read())
    path = default_storage.save(f"custom/{timezone.now():%Y/%m}/file.bin", ContentFile(data))
    return {"path": path, "name": upload.name[:200], "size": upload.size}


def from_storage(defn, stored):
    """The form's initial value for a stored JSON value."""
    if stored is None:
        return None
    t = defn.field_type
    if t in SENSITIVE_TYPES:
        return plain_value(stored)
    if t == FieldType.MONEY or t == FieldType.NUMBER:
        return Decimal(str(stored))
    if t == FieldType.DATE:
        return parse_date(stored)
    if t == FieldType.DATETIME:
        return parse_datetime(stored)
    if t == FieldType.FILE:
        return None
    return stored


def plain_value(stored):
    try:
        return cipher().decrypt(stored["c"]) if isinstance(stored, dict) else ""
    except DecryptionError:
        return "⚠"


def display(defn, stored, *, users=None):
    """Text shown on the detail page; sensitive values masked (revealing is a separate, audited view)."""
    if stored in (None, "", []):
        return ""
    t = defn.field_type
    if t in SENSITIVE_TYPES:
        return masking.mask(SENSITIVE_TYPES[t], plain_value(stored))
    if t == FieldType.MULTI_CHOICE:
        return "、".join(stored)
    if t == FieldType.BOOLEAN:
        return _("是") if stored else _("否")
    if t == FieldType.MONEY:
        return f"¥{Decimal(stored):,.2f}"
    if t == FieldType.DATE:
        return stored
    if t == FieldType.DATETIME:
        value = parse_datetime(stored)
        return date_format(timezone.localtime(value), "Y-m-d H:i") if value else stored
    if t == FieldType.FILE:
        return stored.get("name", "")
    if t == FieldType.USER:
        return str((users or {}).get(stored, stored))
    return str(stored)


def filter_q(defn, value, *, column="custom_fields"):
    """A Q object matching records whose value for `defn` matches the filter `value`.

    For number, money, date and datetime `value` may be a (low, high) pair, either end optional.
    """
    path = f"{column}__{defn.key}"
    t = defn.field_type
    if t in SENSITIVE_TYPES:
        kind = SENSITIVE_TYPES[t]
        return Q(**{f"{path}__h": cipher().blind_index(kind, masking.normalize(kind, value))})
    if t in (FieldType.TEXT, FieldType.LONG_TEXT):
        return Q(**{f"{path}__icontains": value})
    if t == FieldType.MULTI_CHOICE:
        return Q(**{f"{path}__icontains": f'"{value}"'})
    if t == FieldType.BOOLEAN:
        return Q(**{path: value in (True, "true", "1", "yes")})
    if t in (FieldType.NUMBER, FieldType.MONEY, FieldType.DATE, FieldType.DATETIME):
        low, high = value if isinstance(value, (tuple, list)) else (value, value)
        q = Q()
        if low not in (None, ""):
            q &= Q(**{f"{path}__gte": _comparable(t, low)})
        if high not in (None, ""):
            q &= Q(**{f"{path}__lte": _comparable(t, high, upper=True)})
        return q
    if t == FieldType.USER:
        return Q(**{path: int(value)})
    return Q(**{path: value})


def _comparable(t, value, upper=False):
    if t in (FieldType.NUMBER, FieldType.MONEY):
        return float(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        value = value.isoformat()
    if t == FieldType.DATETIME and upper and len(value) == 10:
        return value + "T23:59:59.999999"
    return value
