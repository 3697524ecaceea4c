"""Key rotation for encrypted custom-field values and custom-field files."""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from zhudai.core.registry import registry
from zhudai.security import masking

from .choices import SENSITIVE_TYPES, FieldType
from .models import FieldDefinition


def rotate_custom_values(c, reindex):
    counts = {}
    for entry in registry.custom_field_models():
        defs = [d for d in FieldDefinition.objects.filter(model_key=entry.key)
                if d.field_type in SENSITIVE_TYPES or d.field_type == FieldType.FILE]
        if not defs:
            continue
        done = 0
        for pk in entry.model._base_manager.values_list("pk", flat=True).iterator():
            with transaction.atomic():
                obj = entry.model._base_manager.select_for_update().only("pk", "custom_fields").get(pk=pk)
                values, changed = dict(obj.custom_fields or {}), False
                for d in defs:
                    stored = values.get(d.key)
                    if not stored:
                        continue
                    if d.field_type == FieldType.FILE:
                        changed |= _rotate_file(c, stored)
                    elif c.token_key_id(stored["c"]) != c.current_id or reindex:
                        plain = c.decrypt(stored["c"])
                        kind = SENSITIVE_TYPES[d.field_type]
                        values[d.key] = {"c": c.encrypt(plain), "h": c.blind_index(kind, masking.normalize(kind, plain))}
                        changed = True
                if changed:
                    obj.custom_fields = values
                    obj.save(update_fields=["custom_fields"])
                    done += 1
        counts[f"{entry.key}.custom_fields"] = done
    return counts


def _rotate_file(c, stored):
    with default_storage.open(stored["path"], "rb") as fh:
        blob = fh.read()
    if c.blob_key_id(blob) == c.current_id:
        return False
    data = c.encrypt_bytes(c.decrypt_bytes(blob))
    default_storage.delete(stored["path"])
    default_storage.save(stored["path"], ContentFile(data))
    return False
