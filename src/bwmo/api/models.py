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

    # For one request with an OAuth2 access token: the scopes that token carries (a subset of
    # ``scopes``); None for the static token, which carries all of them.
    granted_scopes: list[str] | None = None

    class Meta:
        verbose_name = _("API-client")
        verbose_name_plural = _("API-clients")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"

    @property
    def request_scopes(self) -> list[str]:
        """The scopes of this request: the access token's, or all of the client's."""
        return list(self.scopes) if self.granted_scopes is None else list(self.granted_scopes)


def new_key() -> str:
    return uuid.uuid4().hex[:16]


class ApiRequestWindow(models.Model):
    """How many requests an API client made in one minute: counted in the database, so that
    every server process counts against the same limit (``throttling``)."""

    api_client = models.ForeignKey(
        ApiClient, on_delete=models.CASCADE, related_name="+", verbose_name=_("API-client")
    )
    starts_at = models.DateTimeField(_("begin van de minuut"))
    count = models.PositiveIntegerField(_("aantal verzoeken"), default=0)

    class Meta:
        verbose_name = _("verzoeken per minuut")
        verbose_name_plural = _("verzoeken per minuut")
        constraints = [
            models.UniqueConstraint(
                fields=["api_client", "starts_at"], name="api_request_window_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.api_client_id} {self.starts_at:%Y-%m-%d %H:%M}: {self.count}"


class ApiAccessToken(models.Model):
    """A short-lived access token from the OAuth2 token endpoint (client credentials). Only
    its SHA-256 is kept: the token is random (256 bits), so a fast hash suffices."""

    api_client = models.ForeignKey(
        ApiClient, on_delete=models.CASCADE, related_name="+", verbose_name=_("API-client")
    )
    token_hash = models.CharField(_("token (hash)"), max_length=64, unique=True)
    scopes = models.JSONField(_("scopes"), default=list)
    created_at = models.DateTimeField(_("aangemaakt op"))
    expires_at = models.DateTimeField(_("verloopt op"))

    class Meta:
        verbose_name = _("toegangstoken")
        verbose_name_plural = _("toegangstokens")

    def __str__(self) -> str:
        return f"{self.api_client_id} tot {self.expires_at:%Y-%m-%d %H:%M}"
