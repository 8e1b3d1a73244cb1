import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

DEFAULT_RATE_PER_MINUTE = 120


class ApiClient(models.Model):
    """A system of an organisation that reads bwmo through the API.

    It acts through its own account (``account``: no password, never logs in), which belongs
    to the organisation and holds the permissions of its scopes; the access log names that
    account. The secret is shown once and stored hashed, like a password.
    """

    key = models.CharField(
        _("client-id"), max_length=32, unique=True, editable=False, default="", db_index=True
    )
    name = models.CharField(_("naam"), max_length=100)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="api_clients",
        verbose_name=_("organisatie"),
    )
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_client",
        editable=False,
        verbose_name=_("account"),
    )
    scopes = models.JSONField(_("scopes"), default=list)
    secret_hash = models.CharField(_("geheim (hash)"), max_length=255, editable=False)
    rate_per_minute = models.PositiveIntegerField(
        _("verzoeken per minuut"), default=DEFAULT_RATE_PER_MINUTE
    )
    is_active = models.BooleanField(_("actief"), default=True)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        editable=False,
        verbose_name=_("aangemaakt door"),
    )

    class Meta:
        verbose_name = _("API-client")
        verbose_name_plural = _("API-clients")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"


def new_key() -> str:
    return uuid.uuid4().hex[:16]
