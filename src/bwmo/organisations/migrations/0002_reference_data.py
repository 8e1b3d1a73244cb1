from django.db import migrations


def load(apps, schema_editor):
    from bwmo.organisations.reference import load_reference_data

    load_reference_data(
        apps.get_model("organisations", "Municipality"),
        apps.get_model("organisations", "Region"),
        apps.get_model("organisations", "RegionMembership"),
    )


class Migration(migrations.Migration):
    dependencies = [("organisations", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
