from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from .services import login_attempt_reserve, login_attempt_succeeded


class ThrottledAuthenticationForm(AuthenticationForm):
    """Counts every attempt before the password is checked and refuses it when too many
    failed for this username from this address, or from this address at all."""

    error_messages = {
        **AuthenticationForm.error_messages,
        # One message for an unknown name and a wrong password: see docs/security.md.
        "invalid_login": _(
            "Deze gebruikersnaam en dit wachtwoord horen niet bij elkaar, of de gebruikersnaam "
            "bestaat niet. Controleer beide (let op hoofdletters en spaties)."
        ),
        "throttled": _(
            "Te veel mislukte inlogpogingen vanaf dit apparaat. U kunt om %(time)s opnieuw "
            "inloggen. Weet u uw wachtwoord niet meer? Neem dan contact op met de functioneel "
            "beheerder van uw organisatie, of vraag met ‘Wachtwoord vergeten?’ een nieuw "
            "wachtwoord aan."
        ),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        if not username or not self.cleaned_data.get("password"):
            return super().clean()
        address = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        reservation = login_attempt_reserve(username=username, address=address)
        if not reservation.allowed:
            retry_at = timezone.localtime(reservation.retry_at)
            raise forms.ValidationError(
                self.error_messages["throttled"],
                code="throttled",
                params={"time": formats.time_format(retry_at, "H:i")},
            )
        cleaned = super().clean()
        login_attempt_succeeded(reservation=reservation)
        return cleaned


class SecondFactorForm(forms.Form):
    """The code from the authenticator app, or one of the recovery codes."""

    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_(
            "De 6 cijfers uit uw authenticator-app, of een van uw herstelcodes "
            "(bijvoorbeeld abcd-efgh-jkmn)."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
        error_messages={"required": _("Vul de code in: 6 cijfers uit uw authenticator-app.")},
    )


class TotpConfirmForm(forms.Form):
    code = forms.CharField(
        label=_("Code uit de app"),
        max_length=10,
        help_text=_("De 6 cijfers die de app nu toont."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        error_messages={"required": _("Vul de 6 cijfers in die de app nu toont.")},
    )
