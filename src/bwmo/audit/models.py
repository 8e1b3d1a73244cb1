"""The access log: an append-only, keyed hash chain of every read of personal data.

Next to it: the chain head (the one row that changes), the anchors of that head that were
written outside the database, and the results of every verification. See ``chain.py``.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bwmo.core.append_only import AppendOnlyModel


class ChainVersion(models.IntegerChoices):
    # Entries written before the access log had a key: plain SHA-256, never re-chained.
    SHA256 = 0, _("SHA-256 (van vóór de sleutel)")
    HMAC_SHA256 = 1, _("HMAC-SHA256 (met sleutel)")


class AccessLogEntry(AppendOnlyModel):
    append_only_message = "The access log is append-only: entries cannot be changed or deleted."

    at = models.DateTimeField(_("tijdstip"), db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("gebruiker (account)"),
    )
    username = models.CharField(_("gebruiker"), max_length=150)
    organisation = models.CharField(_("organisatie"), max_length=150, blank=True)
    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        verbose_name=_("cliënt"),
    )
    client_pseudonym = models.CharField(_("cliënt (pseudoniem)"), max_length=36, db_index=True)
    what = models.CharField(_("wat"), max_length=200)
    why = models.CharField(_("grondslag"), max_length=200)
    version = models.PositiveSmallIntegerField(_("ketenversie"), choices=ChainVersion.choices)
    previous_hash = models.CharField(max_length=64, verbose_name=_("vorige hash"))
    entry_hash = models.CharField(max_length=64, unique=True, verbose_name=_("hash van de regel"))

    class Meta:
        verbose_name = _("toegangslogregel")
        verbose_name_plural = _("toegangslog")
        ordering = ["pk"]
        indexes = [models.Index(fields=["username", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.what}"


class ChainHead(models.Model):
    """One row, locked while an entry is appended, so that the chain never forks.

    It records how many entries the chain holds and its last hash, signed with the key
    (``mac``), so that removing entries at the end and rewinding the head needs the key.
    ``mac`` is empty for a head from before the key existed (only plain SHA-256 entries).
    """

    last_hash = models.CharField(max_length=64, verbose_name=_("laatste hash"))
    entries = models.PositiveBigIntegerField(default=0, verbose_name=_("regels"))
    last_entry_id = models.BigIntegerField(null=True, verbose_name=_("laatste regel"))
    mac = models.CharField(max_length=64, blank=True, verbose_name=_("MAC"))

    class Meta:
        verbose_name = _("kop van de keten")
        verbose_name_plural = _("koppen van de keten")

    def __str__(self) -> str:
        return self.last_hash


class ChainAnchor(AppendOnlyModel):
    """A copy of an anchor written outside the database (anchor file and/or syslog).

    Verification trusts the outside copy; this one shows the auditor which anchors exist and
    counts as a second copy (its signature cannot be forged without the key).
    """

    at = models.DateTimeField(_("tijdstip"))
    entries = models.PositiveBigIntegerField(_("regels"))
    last_entry_id = models.BigIntegerField(_("laatste regel"), null=True)
    last_hash = models.CharField(max_length=64, verbose_name=_("laatste hash"))
    key_id = models.CharField(max_length=16, verbose_name=_("sleutel-id"))
    mac = models.CharField(max_length=64, verbose_name=_("MAC"))
    written_to = models.CharField(_("geschreven naar"), max_length=500)

    class Meta:
        verbose_name = _("anker van het toegangslog")
        verbose_name_plural = _("ankers van het toegangslog")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.entries}"


class VerificationTrigger(models.TextChoices):
    COMMAND = "command", _("opdracht 'bwmo audit verify'")
    SCREEN = "screen", _("auditor op het scherm")
    ANCHOR = "anchor", _("voor een anker")
    RESTORE = "restore", _("na het terugzetten van een back-up")


class ChainVerification(AppendOnlyModel):
    """The result of one verification of the chain, kept for the auditor."""

    at = models.DateTimeField(_("tijdstip"))
    by = models.CharField(_("door"), max_length=150, blank=True)
    trigger = models.CharField(_("aanleiding"), max_length=20, choices=VerificationTrigger.choices)
    ok = models.BooleanField(_("in orde"))
    entries_checked = models.PositiveBigIntegerField(_("gecontroleerde regels"))
    first_broken_id = models.BigIntegerField(null=True, verbose_name=_("eerste gebroken regel"))
    problem = models.TextField(_("probleem"), blank=True)
    notice = models.TextField(_("opmerking"), blank=True)
    anchors_checked = models.PositiveIntegerField(_("gecontroleerde ankers"), default=0)
    anchor_at = models.DateTimeField(_("laatste anker"), null=True)
    anchor_entries = models.PositiveBigIntegerField(
        null=True, verbose_name=_("regels volgens het anker")
    )
    anchor_last_entry_id = models.BigIntegerField(
        null=True, verbose_name=_("laatste regel volgens het anker")
    )

    class Meta:
        verbose_name = _("controle van het toegangslog")
        verbose_name_plural = _("controles van het toegangslog")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {'ok' if self.ok else 'broken'}"
