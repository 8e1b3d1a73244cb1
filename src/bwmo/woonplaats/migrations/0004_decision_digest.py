"""The digest of every stored decision, so that a recompute compares digests instead of
reading every trace (bwmo.rules.woonplaats.decision_digest)."""

from django.db import migrations, models

CHUNK = 5000


def fill_digests(apps, schema_editor):
    from bwmo.rules.woonplaats import decision_digest

    decision = apps.get_model("woonplaats", "ResponsibilityDecision")
    rows = decision.objects.filter(digest="").order_by("pk")
    last = 0
    while True:
        chunk = list(
            rows.filter(pk__gt=last).values_list(
                "pk",
                "rule_set_id",
                "responsible_id",
                "category",
                "rule",
                "basis",
                "woonplaats_onbekend",
                "trace",
            )[:CHUNK]
        )
        if not chunk:
            return
        decision.objects.bulk_update(
            [decision(pk=pk, digest=decision_digest(*fields)) for pk, *fields in chunk],
            ["digest"],
            batch_size=1000,
        )
        last = chunk[-1][0]


class Migration(migrations.Migration):
    dependencies = [
        ("woonplaats", "0003_dutch_field_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="responsibilitydecision",
            name="digest",
            field=models.CharField(
                blank=True, default="", editable=False, max_length=32, verbose_name="kenmerk"
            ),
        ),
        migrations.RunPython(fill_digests, migrations.RunPython.noop, elidable=True),
    ]
