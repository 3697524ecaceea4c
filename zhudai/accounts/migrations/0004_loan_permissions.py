from django.db import migrations

PERMISSIONS = ["loan.view", "loan.add", "loan.change", "loan.contract", "loan.disburse", "settings.products",
               "flow.manage", "flow.reassign"]


def grant(apps, schema_editor):
    from zhudai.accounts.defaults import grant_added_permissions

    for permission in PERMISSIONS:
        grant_added_permissions(apps.get_model("accounts", "Role"), permission)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_customer_import_permission")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
