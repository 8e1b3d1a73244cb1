from django import forms
from django.utils.translation import gettext_lazy as _

from bwmo.organisations.models import Municipality
from bwmo.ui.forms import BwmoForm, DateInput, VersionedForm

from .models import OutflowReason, WlzApplication


class StayStartForm(BwmoForm):
    start = forms.DateField(label=_("Begindatum verblijf"), widget=DateInput)
    location = forms.ModelChoiceField(
        label=_("Locatie (gemeente)"), queryset=Municipality.objects.all()
    )
    placement_reason = forms.CharField(
        label=_("Motivering bij plaatsing buiten de regio"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Alleen nodig als de locatie buiten de regio ligt: waarom is dit de beste "
            "plek voor herstel?"
        ),
    )


class StayEndForm(VersionedForm):
    end = forms.DateField(label=_("Laatste dag van het verblijf"), widget=DateInput)
    reason = forms.ChoiceField(
        label=_("Reden van uitstroom"), choices=[("", "—"), *OutflowReason.choices]
    )


class WlzApplicationForm(BwmoForm):
    applied_on = forms.DateField(label=_("Aangevraagd op"), widget=DateInput)
    status = forms.ChoiceField(label=_("Status"), choices=WlzApplication.Status.choices)
    decided_on = forms.DateField(label=_("Datum besluit CIZ"), widget=DateInput, required=False)
