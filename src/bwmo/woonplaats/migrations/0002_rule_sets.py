from datetime import date

from django.db import migrations


def create(apps, schema_editor):
    Region = apps.get_model("organisations", "Region")
    RuleSetVersion = apps.get_model("woonplaats", "RuleSetVersion")
    for region in Region.objects.all():
        RuleSetVersion.objects.get_or_create(
            region=region, version="wetsvoorstel-2026",
            defaults={"start_date": date(2026, 1, 1), "lookback_months": 12,
                      "effective_from": date(2025, 1, 1),
                      "description": "Kamerstuk 36 288 zoals ingediend: start 1 januari 2026"},
        )
        RuleSetVersion.objects.get_or_create(
            region=region, version="uitstel-2027",
            defaults={"start_date": date(2027, 1, 1), "lookback_months": 12,
                      "effective_from": None,
                      "description": "Variant: ingangsdatum een jaar later (niet vastgesteld)"},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("woonplaats", "0001_initial"),
        ("organisations", "0002_reference_data"),
    ]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
