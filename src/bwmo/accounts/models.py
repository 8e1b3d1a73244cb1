from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who works with bwmo. Roles are Django groups; scope comes from organisations."""

    organisations = models.ManyToManyField(
        "organisations.Organisation",
        related_name="users",
        blank=True,
        verbose_name=_("organisaties"),
    )

    class Meta:
        verbose_name = _("gebruiker")
        verbose_name_plural = _("gebruikers")

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class LoginFailure(models.Model):
    """Failed logins, for throttling (kept short; the address is hashed)."""

    username = models.CharField(max_length=150, db_index=True)
    address_hash = models.CharField(max_length=64)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.username} {self.at:%Y-%m-%d %H:%M}"
