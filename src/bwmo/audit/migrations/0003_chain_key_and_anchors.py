"""The keyed chain: a version per entry, a signed head, anchors and verification results.

Entries that exist already keep their plain SHA-256 hashes and get version 0: they are not
re-chained with the key, because re-computing them would make a rewritten log look exactly
like the original. The first keyed entry after them chains on their last hash, so it seals
them; the first anchor after this migration fixes their count and last hash outside the
database.
"""

from django.db import migrations, models


def record_head_position(apps, schema_editor):
    # The head learns how many entries there are and which is last (plain facts, no re-hash);
    # its signature stays empty until the first keyed entry is appended.
    entry = apps.get_model("audit", "AccessLogEntry")
    head = apps.get_model("audit", "ChainHead")
    last = entry.objects.order_by("-pk").values_list("pk", flat=True).first()
    head.objects.filter(pk=1).update(entries=entry.objects.count(), last_entry_id=last, mac="")


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_chain_head")]

    operations = [
        migrations.AddField(
            model_name="accesslogentry",
            name="version",
            field=models.PositiveSmallIntegerField(
                choices=[(0, "SHA-256 (van vóór de sleutel)"), (1, "HMAC-SHA256 (met sleutel)")],
                default=0,
                verbose_name="ketenversie",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="chainhead",
            name="entries",
            field=models.PositiveBigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="chainhead",
            name="last_entry_id",
            field=models.BigIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="chainhead",
            name="mac",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.CreateModel(
            name="ChainAnchor",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("at", models.DateTimeField(verbose_name="tijdstip")),
                ("entries", models.PositiveBigIntegerField(verbose_name="regels")),
                ("last_entry_id", models.BigIntegerField(null=True, verbose_name="laatste regel")),
                ("last_hash", models.CharField(max_length=64)),
                ("key_id", models.CharField(max_length=16)),
                ("mac", models.CharField(max_length=64)),
                ("written_to", models.CharField(max_length=500, verbose_name="geschreven naar")),
            ],
            options={
                "verbose_name": "anker van het toegangslog",
                "verbose_name_plural": "ankers van het toegangslog",
                "ordering": ["pk"],
            },
        ),
        migrations.CreateModel(
            name="ChainVerification",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("at", models.DateTimeField(verbose_name="tijdstip")),
                ("by", models.CharField(blank=True, max_length=150, verbose_name="door")),
                ("trigger", models.CharField(choices=[("command", "opdracht 'bwmo audit verify'"), ("screen", "auditor op het scherm"), ("anchor", "voor een anker"), ("restore", "na het terugzetten van een back-up")], max_length=20, verbose_name="aanleiding")),
                ("ok", models.BooleanField(verbose_name="in orde")),
                ("entries_checked", models.PositiveBigIntegerField(verbose_name="gecontroleerde regels")),
                ("first_broken_id", models.BigIntegerField(null=True)),
                ("problem", models.TextField(blank=True, verbose_name="probleem")),
                ("notice", models.TextField(blank=True, verbose_name="opmerking")),
                ("anchors_checked", models.PositiveIntegerField(default=0, verbose_name="gecontroleerde ankers")),
                ("anchor_at", models.DateTimeField(null=True, verbose_name="laatste anker")),
                ("anchor_entries", models.PositiveBigIntegerField(null=True)),
                ("anchor_last_entry_id", models.BigIntegerField(null=True)),
            ],
            options={
                "verbose_name": "controle van het toegangslog",
                "verbose_name_plural": "controles van het toegangslog",
                "ordering": ["pk"],
            },
        ),
        migrations.RunPython(record_head_position, migrations.RunPython.noop),
    ]
