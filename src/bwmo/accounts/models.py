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

    key = models.CharField(max_length=80, unique=True, verbose_name=_("sleutel (hash)"))
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("pogingen"))
    window_start = models.DateTimeField(verbose_name=_("begin van het tijdvenster"))

    class Meta:
        verbose_name = _("aanmeldpoging")
        verbose_name_plural = _("aanmeldpogingen")

    def __str__(self) -> str:
        return f"{self.key[:12]}… {self.attempts}"


class RightsChangeQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValueError("The record of rights changes is append-only.")

    def delete(self):
        raise ValueError("The record of rights changes is append-only.")


class RightsChange(models.Model):
    """Who changed whose rights (roles, permissions, organisations, status), when, from what
    to what, and on what authority. Append-only: rows are never changed or removed.

    Names are kept beside the keys, so the record still reads after a user or group is gone.
    """

    class Authority(models.TextChoices):
        SUPERUSER = "superuser", _("superuser")
        SECOND_PERSON = "tweede persoon", _("tweede persoon")
        # Single sign-on: the identity provider's claims, mapped by the installation's
        # configuration (never superuser, never beheer together with personal data).
        IDENTITY_PROVIDER = "identiteitsprovider", _("identiteitsprovider (single sign-on)")

    at = models.DateTimeField(_("tijdstip"), auto_now_add=True, db_index=True)
    changed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("door")
    )
    changed_by_name = models.CharField(_("door (gebruikersnaam)"), max_length=150)
    user = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("gebruiker (account)"),
    )
    user_name = models.CharField(_("gebruiker"), max_length=150, blank=True)
    group = models.ForeignKey(
        "auth.Group",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rol (groep)"),
    )
    group_name = models.CharField(_("rol"), max_length=150, blank=True)
    field = models.CharField(_("wat"), max_length=40)
    before = models.JSONField(_("van"))
    after = models.JSONField(_("naar"))
    authority = models.CharField(_("bevoegdheid"), max_length=20, choices=Authority.choices)

    objects = RightsChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("wijziging van rechten")
        verbose_name_plural = _("wijzigingen van rechten")
        ordering = ["-pk"]

    def __str__(self) -> str:
        target = self.user_name or self.group_name
        return f"{self.at:%Y-%m-%d %H:%M} {self.changed_by_name} → {target}: {self.field}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("The record of rights changes is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("The record of rights changes is append-only.")


class RecoveryCode(models.Model):
    """A one-off code that stands in for the authenticator app (lost telephone).

    Shown once when two-factor login is set up; only its SHA-256 is kept (the code itself
    is 60 random bits, so a plain hash cannot be reversed by trying). A used code stays, with
    the moment it was used, and never works again.
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="recovery_codes", verbose_name=_("gebruiker")
    )
    code_hash = models.CharField(_("code (hash)"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("aangemaakt"), auto_now_add=True)
    used_at = models.DateTimeField(_("gebruikt"), null=True, blank=True)

    class Meta:
        verbose_name = _("herstelcode")
        verbose_name_plural = _("herstelcodes")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.code_hash[:8]}…"


class SsoIdentity(models.Model):
    """The link between an account and a person at the identity provider (single sign-on).

    Found by issuer and subject (``sub``), never by e-mail address or name: an address can
    change hands or be unverified, the subject cannot. One account per subject.
    """

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="sso_identity", verbose_name=_("gebruiker")
    )
    issuer = models.CharField(_("identiteitsprovider (issuer)"), max_length=255)
    subject = models.CharField(_("subject (sub)"), max_length=255)
    created_at = models.DateTimeField(_("eerste login"), auto_now_add=True)
    last_login_at = models.DateTimeField(_("laatste login"), null=True, blank=True)

    class Meta:
        verbose_name = _("single sign-on-identiteit")
        verbose_name_plural = _("single sign-on-identiteiten")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="sso_identity_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.subject[:12]}"
