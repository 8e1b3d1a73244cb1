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
