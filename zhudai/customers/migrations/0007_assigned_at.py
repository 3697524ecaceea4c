"""When the current owner got each customer; existing owned customers count from their creation."""

from django.conf import settings
from django.db import migrations, models
from django.db.models import F


def backfill(apps, schema_editor):
    Customer = apps.get_model("customers", "Customer")
    Customer.objects.filter(owner__isnull=False, assigned_at__isnull=True).update(assigned_at=F("created_at"))


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0006_rules_permission'),
        ('customers', '0006_lunar_birthday'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='customer',
            name='assigned_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='分配时间'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(fields=['assigned_at'], name='customer_assigned_at'),
        ),
    ]
