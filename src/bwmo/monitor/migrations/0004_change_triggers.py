"""The triggers that record which municipalities a write touches (``bwmo.monitor.changes``)."""

from django.db import migrations

from bwmo.monitor.changes import create_triggers, drop_triggers


def forwards(apps, schema_editor):
    create_triggers(schema_editor)


def backwards(apps, schema_editor):
    drop_triggers(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("monitor", "0003_data_versions"),
        ("care", "0006_contract_capacity_and_terms"),
        ("toegang", "0004_dutch_field_names"),
        ("woonplaats", "0003_dutch_field_names"),
        ("organisations", "0004_dutch_field_names"),
        ("finance", "0002_dutch_field_names"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
