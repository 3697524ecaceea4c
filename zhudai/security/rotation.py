"""Re-encrypt every encrypted value under the newest key (and optionally rebuild blind indexes)."""

from django.apps import apps
from django.db import connection, transaction

from zhudai.core.registry import registry

from . import masking
from .crypto import cipher
from .fields import EncryptedField

CHUNK = 500


def encrypted_columns():
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedField)]
        if fields:
            yield model, fields


def rotate(reindex=False, progress=None):
    """Returns {table.column: rows rewritten}. Each chunk commits on its own, so a stopped run resumes."""
    c = cipher()
    counts = {}
    for model, fields in encrypted_columns():
        table = connection.ops.quote_name(model._meta.db_table)
        pk = connection.ops.quote_name(model._meta.pk.column)
        for field in fields:
            col = connection.ops.quote_name(field.column)
            idx = connection.ops.quote_name(model._meta.get_field(field.index_field).column) if field.index_field else None
            done, last = 0, None
            while True:
                with transaction.atomic():
                    with connection.cursor() as cur:
                        where = f"{col} <> ''" + (f" AND {pk} > %s" if last is not None else "")
                        cur.execute(
                            f"SELECT {pk}, {col} FROM {table} WHERE {where} ORDER BY {pk} LIMIT {CHUNK}",
                            [last] if last is not None else [],
                        )
                        rows = cur.fetchall()
                        if not rows:
                            break
                        last = rows[-1][0]
                        for row_pk, token in rows:
                            if c.token_key_id(token) == c.current_id and not reindex:
                                continue
                            plain = c.decrypt(token)
                            new_token = c.encrypt(plain) if c.token_key_id(token) != c.current_id else token
                            if idx:
                                digest = c.blind_index(field.kind, masking.normalize(field.kind, plain))
                                cur.execute(f"UPDATE {table} SET {col} = %s, {idx} = %s WHERE {pk} = %s",
                                            [new_token, digest, row_pk])
                            else:
                                cur.execute(f"UPDATE {table} SET {col} = %s WHERE {pk} = %s", [new_token, row_pk])
                            done += 1
                if progress:
                    progress(f"{model._meta.db_table}.{field.column}", done)
            counts[f"{model._meta.db_table}.{field.column}"] = done
    for hook in registry.rotation_hooks:
        counts.update(hook(c, reindex))
    return counts
