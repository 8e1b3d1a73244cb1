"""The database itself refuses UPDATE and DELETE on the access log, its anchors and checks.

See ``bwmo.core.append_only``: a trigger per statement kind, on SQLite and on PostgreSQL.
"""

from django.db import migrations

from bwmo.core.append_only import create_triggers, drop_triggers

TABLES = ["audit_accesslogentry", "audit_chainanchor", "audit_chainverification"]


def forwards(apps, schema_editor):
    create_triggers(schema_editor, TABLES)


def backwards(apps, schema_editor):
    drop_triggers(schema_editor, TABLES)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_chain_key_and_anchors")]

    operations = [migrations.RunPython(forwards, backwards)]
