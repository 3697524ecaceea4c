"""city and created_by lose their indexes: no query looks customers up by either, and every index
is paid for on each insert (an import of 100,000 customers maintained them 100,000 times).

Only the indexes are dropped (see zhudai.core.indexes); an AlterField would rebuild the table on SQLite.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from zhudai.core.indexes import drop_column_indexes


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0008_drop_indexes_covered_by_composites'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[drop_column_indexes("customers", "Customer", ["city", "created_by_id"],
                                                     text_columns=["city"])],
            state_operations=[
                migrations.AlterField(
                    model_name='customer',
                    name='city',
                    field=models.CharField(blank=True, max_length=30, verbose_name='所在城市'),
                ),
                migrations.AlterField(
                    model_name='customer',
                    name='created_by',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='创建人'),
                ),
            ],
        ),
    ]
