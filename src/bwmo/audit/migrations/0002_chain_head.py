from django.db import migrations

GENESIS_HASH = "0" * 64


def create_head(apps, schema_editor):
    # The row exists before the first entry, so appending always locks an existing row
    # (two first writers cannot both create it).
    apps.get_model("audit", "ChainHead").objects.get_or_create(
        pk=1, defaults={"last_hash": GENESIS_HASH})


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(create_head, migrations.RunPython.noop)]
