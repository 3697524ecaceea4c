from django.db import migrations


def create(apps, schema_editor):
    from zhudai.engines.rules.defaults import create_default_rules

    create_default_rules(apps.get_model("rules_engine", "Rule"))


class Migration(migrations.Migration):
    dependencies = [("rules_engine", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
