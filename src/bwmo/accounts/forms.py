import hashlib
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import LoginFailure


def _address_hash(request) -> str:
    address = request.META.get("REMOTE_ADDR", "") if request else ""
    return hashlib.sha256(address.encode()).hexdigest()


class ThrottledAuthenticationForm(AuthenticationForm):
    """Refuses further attempts for a username after too many failures in a short time."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Onjuiste gebruikersnaam of wachtwoord. Let op hoofdletters."),
        "throttled": _(
            "Te veel mislukte inlogpogingen voor deze gebruikersnaam. Probeer het over "
            "%(minutes)d minuten opnieuw, of neem contact op met uw functioneel beheerder."
        ),
    }

    def clean(self):
        username = (self.cleaned_data.get("username") or "").strip().lower()
        window_start = timezone.now() - timedelta(seconds=settings.BWMO_LOGIN_WINDOW_SECONDS)
        LoginFailure.objects.filter(at__lt=window_start).delete()
        failures = LoginFailure.objects.filter(username=username, at__gte=window_start).count()
        if username and failures >= settings.BWMO_LOGIN_MAX_FAILURES:
            raise forms.ValidationError(
                self.error_messages["throttled"],
                code="throttled",
                params={"minutes": settings.BWMO_LOGIN_WINDOW_SECONDS // 60},
            )
        try:
            return super().clean()
        except forms.ValidationError:
            if username:
                LoginFailure.objects.create(
                    username=username, address_hash=_address_hash(self.request)
                )
            raise
