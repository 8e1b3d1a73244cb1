from django.db import models
from django.utils.translation import gettext_lazy as _


class MonitorAccess(models.Model):
    """No table: carries the permission to open the regional monitor."""

    class Meta:
        managed = False
        verbose_name = _("toegang tot de monitor")
        verbose_name_plural = _("toegang tot de monitor")
        default_permissions = ()
        permissions = [("view_monitor", _("De regionale monitor inzien"))]

    def __str__(self) -> str:
        return "monitor"


class DataChange(models.Model):
    """One change of data that the monitor's figures are computed from, written by the
    database itself (triggers, ``bwmo.monitor.changes``) in the transaction of the change: by
    a service, the admin, the bulk loader of ``generate`` or anything else that writes.

    ``scope`` is the CBS code of a municipality whose figures the change touches (the
    responsible municipality or the location of a stay, …), or ``*`` for a change that can
    touch every region (a product, tariff, contract, provider or region membership). The data
    version of a region is the sum of ``weight`` over its members and ``*``: it grows with
    every committed change, and compacting rows into one of their summed weight keeps it."""

    scope = models.CharField(max_length=8)
    weight = models.PositiveBigIntegerField(default=1)

    class Meta:
        verbose_name = _("wijziging voor de monitor")
        verbose_name_plural = _("wijzigingen voor de monitor")
        default_permissions = ()
        indexes = [models.Index(fields=["scope", "weight"], name="monitor_change_scope")]

    def __str__(self) -> str:
        return f"{self.scope} +{self.weight}"


class StoredDocument(models.Model):
    """A computed monitor document (already suppressed for its audience), kept for the data
    version it was computed at: shared by every thread and process of the server, and used
    only while that version is current (the key contains it)."""

    key = models.CharField(max_length=64, unique=True)
    region = models.CharField(max_length=8)
    version = models.BigIntegerField()
    code = models.CharField(max_length=64, default="")
    """The hash of the code that computed it (``services.document_code``): part of the key
    too, kept apart so that documents of earlier code can be removed."""
    document = models.JSONField()
    stored_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("bewaard monitordocument")
        verbose_name_plural = _("bewaarde monitordocumenten")
        default_permissions = ()
        indexes = [models.Index(fields=["region", "version"], name="monitor_stored_region")]

    def __str__(self) -> str:
        return f"{self.region} v{self.version}"


class StoredSuppression(models.Model):
    """The result of the suppression for one set of inputs, kept by the hash of those inputs
    and of the suppression's code: a pure function, so the same inputs give the same result in
    every process, and other figures (changed data) or other code have another key."""

    key = models.CharField(max_length=64, unique=True)
    result = models.JSONField()
    stored_at = models.DateTimeField(auto_now_add=True)
    code = models.CharField(max_length=64, default="")
    """The hash of the suppression's code (part of the key too)."""
    region = models.CharField(max_length=8, default="")
    """The region (centrumgemeente, ``*`` for every region) whose document last asked for it,
    at data ``version``: while that is the region's current version it can be asked again;
    after it, the inputs have most likely changed (``services.forget_unusable``)."""
    version = models.BigIntegerField(null=True)

    class Meta:
        verbose_name = _("bewaarde afscherming")
        verbose_name_plural = _("bewaarde afschermingen")
        default_permissions = ()
        indexes = [models.Index(fields=["region", "version"], name="monitor_suppr_region")]

    def __str__(self) -> str:
        return self.key[:12]


class MonitorPublication(models.Model):
    """The cells a monitor document of a closed period hid, per region, period and figure
    set, so that a later publication of the same period hides them too (the hidden set only
    grows; ``suppress_parts(..., hidden_before=…)``). One figure set is suppressed for every
    audience and reader group at once (``monitor_document``): the unfiltered one (``alle``)
    and one per product/provider filter. Written by ``monitor.services`` only."""

    region = models.ForeignKey(
        "organisations.Region",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("regio"),
    )
    period_start = models.DateField(_("begin periode"))
    period_end = models.DateField(_("einde periode"))
    figure_set = models.CharField(_("cijferset"), max_length=200)
    hidden = models.JSONField(_("verborgen cellen"), default=list)
    first_published_at = models.DateTimeField(_("eerst gepubliceerd"), auto_now_add=True)
    last_published_at = models.DateTimeField(_("laatst gepubliceerd"), auto_now=True)

    class Meta:
        verbose_name = _("publicatie van de monitor")
        verbose_name_plural = _("publicaties van de monitor")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "period_start", "period_end", "figure_set"],
                name="monitor_publication_unique",
            )
        ]

    def __str__(self) -> str:
        return f"monitor {self.region_id} {self.period_start}–{self.period_end} {self.figure_set}"
