"""owner, org_unit and stage lose their single-column indexes: the composite indexes that start
with them serve the same lookups, and every index is paid for on each insert.

Only the three indexes are dropped (by the names Django gave them); an AlterField would rebuild
the whole customer table three times on SQLite.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

COLUMNS = ("owner_id", "org_unit_id", "stage_id")


def _names(schema_editor, model):
    table = model._meta.db_table
    return [(schema_editor._create_index_name(table, [column], suffix=""), column) for column in COLUMNS]


def drop(apps, schema_editor):
    model = apps.get_model("customers", "Customer")
    for name, _column in _names(schema_editor, model):
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def create(apps, schema_editor):
    model = apps.get_model("customers", "Customer")
    qn = schema_editor.quote_name
    for name, column in _names(schema_editor, model):
        schema_editor.execute(f"CREATE INDEX {qn(name)} ON {qn(model._meta.db_table)} ({qn(column)})")


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0006_rules_permission'),
        ('customers', '0007_assigned_at'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop, create)],
            state_operations=[
                migrations.AlterField(
                    model_name='customer',
                    name='org_unit',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.orgunit', verbose_name='所属团队'),
                ),
                migrations.AlterField(
                    model_name='customer',
                    name='owner',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='customers', to=settings.AUTH_USER_MODEL, verbose_name='所属业务员'),
                ),
                migrations.AlterField(
                    model_name='customer',
                    name='stage',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, to='customers.stage', verbose_name='当前阶段'),
                ),
            ],
        ),
    ]
