"""The database itself refuses UPDATE and DELETE on the dossier history (CaseEvent).

See ``bwmo.core.append_only``: a trigger per statement kind, on SQLite and on PostgreSQL.
"""

from django.db import migrations

from bwmo.core.append_only import create_triggers, drop_triggers

TABLES = ["toegang_caseevent"]


def forwards(apps, schema_editor):
    create_triggers(schema_editor, TABLES)


def backwards(apps, schema_editor):
    drop_triggers(schema_editor, TABLES)


class Migration(migrations.Migration):
    dependencies = [("toegang", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
