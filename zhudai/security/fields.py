"""A model field that stores its value AES-GCM encrypted, with an optional blind-index column.

    mobile = EncryptedField(_("手机号"), kind="phone", index_field="mobile_bidx", blank=True)
    mobile_bidx = BlindIndexField()

The plaintext never reaches the database: lookups on the encrypted column are refused; search
with `Model.objects.filter(mobile_bidx=blind_index("phone", value))` instead.
"""

from django.core.exceptions import FieldError
from django.db import models

from . import masking
from .crypto import DecryptionError, cipher


class EncryptedField(models.TextField):
    def __init__(self, *args, kind, index_field=None, **kwargs):
        self.kind = kind
        self.index_field = index_field
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["kind"] = self.kind
        if self.index_field:
            kwargs["index_field"] = self.index_field
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        if not value:
            return ""
        try:
            return cipher().decrypt(value)
        except DecryptionError:
            # A value whose key was removed reads as unavailable instead of breaking the page.
            return "⚠"

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return ""
        return cipher().encrypt(masking.normalize(self.kind, value))

    def get_lookup(self, lookup_name):
        if lookup_name in {"exact", "isnull"}:
            # exact only for the empty value: `filter(mobile="")` finds rows without one.
            return super().get_lookup(lookup_name)
        raise FieldError(f"Encrypted field cannot be searched with {lookup_name}; use its blind index.")


class BlindIndexField(models.CharField):
    """HMAC digest column. Index it with `blind_index_index()`: a partial index over the rows that
    have a value, since most rows of an optional field are NULL and a full index makes planners
    believe one digest matches them all."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)


def blind_index_index(field_name, name):
    return models.Index(fields=[field_name], name=name, condition=models.Q(**{f"{field_name}__isnull": False}))


def blind_index(kind, value):
    return cipher().blind_index(kind, masking.normalize(kind, value))


class EncryptedModelMixin:
    """Keeps each blind-index column in step with its encrypted field on save()."""

    @classmethod
    def encrypted_fields(cls):
        return [f for f in cls._meta.concrete_fields if isinstance(f, EncryptedField)]

    def refresh_blind_indexes(self):
        for field in self.encrypted_fields():
            if field.index_field:
                setattr(self, field.index_field, blind_index(field.kind, getattr(self, field.attname)))

    def save(self, *args, **kwargs):
        self.refresh_blind_indexes()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            extra = {f.index_field for f in self.encrypted_fields() if f.index_field and f.attname in update_fields}
            kwargs["update_fields"] = set(update_fields) | extra
        super().save(*args, **kwargs)

    def masked(self, field_name):
        field = self._meta.get_field(field_name)
        return masking.mask(field.kind, getattr(self, field_name))
