from django.db import migrations


def create(apps, schema_editor):
    from zhudai.loans.defaults import create_defaults

    create_defaults(apps.get_model("flow_engine", "ProcessDefinition"), apps.get_model("flow_engine", "ProcessVersion"),
                    apps.get_model("loans", "Product"))


class Migration(migrations.Migration):
    dependencies = [("loans", "0001_initial"), ("flow_engine", "0001_initial"), ("accounts", "0004_loan_permissions")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
