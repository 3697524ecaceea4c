"""owner, org_unit and stage lose their single-column indexes: the composite indexes that start
with them serve the same lookups, and every index is paid for on each insert.

Only the three indexes are dropped (by the names Django gave them); an AlterField would rebuild
the whole customer table three times on SQLite.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from zhudai.core.indexes import drop_column_indexes


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0006_rules_permission'),
        ('customers', '0007_assigned_at'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[drop_column_indexes("customers", "Customer", ["owner_id", "org_unit_id", "stage_id"])],
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
