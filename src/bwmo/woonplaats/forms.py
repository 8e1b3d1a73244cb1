from django import forms
from django.utils.translation import gettext_lazy as _

from bwmo.organisations.models import Municipality
from bwmo.ui.forms import BwmoForm, DateInput

from .models import Dispute


class DisputeForm(BwmoForm):
    claimant = forms.ModelChoiceField(
        label=_("Gemeente die het geschil start"), queryset=Municipality.objects.all()
    )
    respondent = forms.ModelChoiceField(
        label=_("Andere partij"), queryset=Municipality.objects.all()
    )
    opened_on = forms.DateField(label=_("Geschil ontstaan op"), widget=DateInput)
    note = forms.CharField(label=_("Toelichting"), widget=forms.Textarea, required=False)


class DisputeUpdateForm(BwmoForm):
    status = forms.ChoiceField(label=_("Status"), choices=Dispute.Status.choices)
    advice_responsible = forms.ModelChoiceField(
        label=_("Verantwoordelijk volgens bindend advies"),
        queryset=Municipality.objects.all(),
        required=False,
        help_text=_(
            "Alleen bij een bindend advies: dit advies gaat boven de "
            "regels van het woonplaatsbeginsel (regel G)."
        ),
    )
    advice_date = forms.DateField(label=_("Datum bindend advies"), widget=DateInput, required=False)
    note = forms.CharField(label=_("Toelichting"), widget=forms.Textarea, required=False)
