from django.db import migrations


def grant(apps, schema_editor):
    from zhudai.accounts.defaults import grant_added_permissions

    grant_added_permissions(apps.get_model("accounts", "Role"), "rules.manage")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_notify_permission")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
