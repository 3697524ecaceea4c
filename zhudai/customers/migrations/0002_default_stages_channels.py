from django.db import migrations


def forwards(apps, schema_editor):
    from zhudai.customers.defaults import create_default_stages_and_channels

    create_default_stages_and_channels(apps.get_model("customers", "Stage"), apps.get_model("customers", "Channel"))


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
