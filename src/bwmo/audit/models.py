"""The access log: an append-only, hash-chained record of every read of personal data."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessLogEntry(models.Model):
    at = models.DateTimeField(_("tijdstip"), db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    username = models.CharField(_("gebruiker"), max_length=150)
    organisation = models.CharField(_("organisatie"), max_length=150, blank=True)
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="+", null=True
    )
    client_pseudonym = models.CharField(_("cliënt (pseudoniem)"), max_length=36, db_index=True)
    what = models.CharField(_("wat"), max_length=200)
    why = models.CharField(_("grondslag"), max_length=200)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("toegangslogregel")
        verbose_name_plural = _("toegangslog")
        ordering = ["pk"]
        indexes = [models.Index(fields=["username", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.what}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("The access log is append-only.")


class ChainHead(models.Model):
    """One row, locked while an entry is appended, so that the chain never forks."""

    last_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return self.last_hash
