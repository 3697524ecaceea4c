"""Inactivity rules may count from the assignment; the shipped "new lead not followed up within 2
hours" does, unless an administrator has changed its trigger (a lead claimed from the pool today
is new to its salesperson however old its record)."""

from django.db import migrations, models


def count_from_assignment(apps, schema_editor):
    Rule = apps.get_model("rules_engine", "Rule")
    # As shipped before this migration:
    Rule.objects.filter(code="new_lead_2h", trigger="time", date_field="created_at").update(
        trigger="inactivity", since="assignment", date_field="", condition='stage == "new" and has_owner')
    # As a fresh install's 0002 made it, before the field existed:
    Rule.objects.filter(code="new_lead_2h", trigger="inactivity", since="activity").update(since="assignment")


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0007_assigned_at'),
        ('rules_engine', '0003_rule_event_alter_rule_trigger'),
    ]

    operations = [
        migrations.AddField(
            model_name='rule',
            name='since',
            field=models.CharField(choices=[('activity', '最近一次跟进（没有跟进过则从登记时起）'), ('assignment', '分配给当前业务员之后')], default='activity', help_text='触发方式为“一段时间没有跟进”时使用', max_length=12, verbose_name='从何时算起'),
        ),
        migrations.RunPython(count_from_assignment, migrations.RunPython.noop),
    ]
