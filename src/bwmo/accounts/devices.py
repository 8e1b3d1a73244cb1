"""The app config of django-otp's authenticator devices, with Dutch names.

In its own module: Django takes an app's config from ``<app>.apps`` only when that module
holds a single one (``bwmo.accounts.apps`` has the accounts app's own).
"""

from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.apps import DefaultConfig as OtpTotpConfig


class TotpDevicesConfig(OtpTotpConfig):
    """django-otp's authenticator devices (app ``otp_totp``), named in Dutch on the beheer
    screens.

    django-otp names its app, model and fields in English without gettext ("TOTP devices",
    "Created at"), so no catalog can translate them. Only the names shown change: the
    ``verbose_name`` attributes, not the Meta options or field arguments that migrations
    record, so no migration follows (``tests/core/test_migrations.py``).
    """

    verbose_name = _("Tweestapsverificatie")

    def ready(self):
        super().ready()
        model = self.get_model("TOTPDevice")
        model._meta.verbose_name = _("authenticator-app")
        model._meta.verbose_name_plural = _("authenticator-apps")
        names = {
            "user": _("gebruiker"),
            "name": _("naam"),
            "confirmed": _("in gebruik genomen"),
            "created_at": _("aangemaakt op"),
            "last_used_at": _("laatst gebruikt op"),
            "key": _("geheime sleutel"),
            "step": _("tijdstap"),
            "t0": _("starttijd"),
            "digits": _("aantal cijfers"),
            "tolerance": _("tolerantie"),
            "drift": _("afwijking"),
            "last_t": _("laatst gebruikte tijdstap"),
            "throttling_failure_timestamp": _("laatste mislukte poging"),
            "throttling_failure_count": _("aantal mislukte pogingen"),
        }
        for field in model._meta.get_fields():
            if field.name in names:
                field.verbose_name = names[field.name]
