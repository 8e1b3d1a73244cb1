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


class LoginThrottle(models.Model):
    """Login attempts per key (a username from one address, or one address) in a window.

    One row per key, locked while an attempt is reserved: parallel attempts are counted one
    after the other. The key is a hash, so neither username nor address is stored.
    """

    key = models.CharField(max_length=80, unique=True)
    attempts = models.PositiveIntegerField(default=0)
    window_start = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.key[:12]}… {self.attempts}"
