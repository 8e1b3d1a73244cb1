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
