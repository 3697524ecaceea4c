"""Dropping the single-column indexes Django made for `db_index=True` fields, without a table rebuild.

On SQLite an AlterField that removes `db_index` rebuilds the whole table (copying every row);
dropping the index by the name Django gave it is all that is needed. CharFields on PostgreSQL
also have a `_like` index (varchar_pattern_ops) for LIKE 'x%', dropped with it.

    migrations.SeparateDatabaseAndState(
        database_operations=[drop_column_indexes("customers", "Customer", ["city", "created_by_id"], text_columns=["city"])],
        state_operations=[migrations.AlterField(..., db_index=False)],
    )
"""

from django.db import migrations


def _names(schema_editor, table, column, like):
    names = [schema_editor._create_index_name(table, [column], suffix="")]
    if like:
        names.append(schema_editor._create_index_name(table, [column], suffix="_like"))
    return names


def drop_column_indexes(app_label, model_name, columns, *, text_columns=()):
    """A RunPython dropping the indexes of `columns` (and, backwards, creating them again).
    `text_columns` are the CharField columns among them (PostgreSQL's `_like` index)."""

    def drop(apps, schema_editor):
        table = apps.get_model(app_label, model_name)._meta.db_table
        for column in columns:
            for name in _names(schema_editor, table, column, column in text_columns):
                schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")

    def create(apps, schema_editor):
        qn = schema_editor.quote_name
        table = apps.get_model(app_label, model_name)._meta.db_table
        for column in columns:
            plain, *like = _names(schema_editor, table, column, column in text_columns
                                  and schema_editor.connection.vendor == "postgresql")
            schema_editor.execute(f"CREATE INDEX {qn(plain)} ON {qn(table)} ({qn(column)})")
            for name in like:
                schema_editor.execute(f"CREATE INDEX {qn(name)} ON {qn(table)} ({qn(column)} varchar_pattern_ops)")

    return migrations.RunPython(drop, create)
