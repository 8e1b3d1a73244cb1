from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from bwmo.organisations.models import Provider
from bwmo.ui.forms import BwmoForm, VersionedForm

from .models import MESSAGE_TYPES, AllocationRequest, Direction, MessageStatus


class MessageFilterForm(BwmoForm):
    richting = forms.ChoiceField(
        label=_("Richting"), choices=[("", _("Alle")), *Direction.choices], required=False
    )
    bericht = forms.ChoiceField(
        label=_("Soort bericht"), choices=[("", _("Alle")), *MESSAGE_TYPES], required=False
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Alle")), *MessageStatus.choices], required=False
    )
    aanbieder = forms.ModelChoiceField(
        label=_("Aanbieder"), queryset=Provider.objects.all(), required=False, empty_label=_("Alle")
    )


class UploadForm(BwmoForm):
    bestand = forms.FileField(
        label=_("iWmo-bestand (XML)"),
        help_text=_(
            "Een WMO305, 307, 315, 317 of 323 van een aanbieder. Het antwoord (retourbericht of "
            "WMO325) staat daarna klaar om te downloaden."
        ),
    )

    def clean_bestand(self):
        f = self.cleaned_data["bestand"]
        limit = settings.BWMO_IWMO_MAX_FILE_BYTES
        if f.size > limit:
            raise forms.ValidationError(
                _("Het bestand is groter dan %(mb)s MB, de grens voor één iWmo-bestand.")
                % {"mb": f"{limit / (1024 * 1024):g}"}
            )
        return f


class RequestAnswerForm(VersionedForm):
    answer = forms.ChoiceField(
        label=_("Antwoord aan de aanbieder"),
        choices=[
            ("onderzoek", _("In onderzoek nemen (WMO319, antwoord 2)")),
            ("afwijzen", _("Afwijzen (WMO319, antwoord 1)")),
        ],
        widget=forms.RadioSelect,
    )
    rejection_reason = forms.ChoiceField(
        label=_("Reden van afwijzing"),
        choices=[("", "—"), *AllocationRequest.RejectionReason.choices],
        required=False,
        help_text=_("Alleen bij afwijzen; de codes van iWmo (WJ759)."),
    )


class IndicationChangeForm(BwmoForm):
    REASONS = [
        ("05", _("Herbeoordeling: verkorting")),
        ("04", _("Herbeoordeling: verlenging")),
        ("02", _("Cliënt overleden")),
        ("06", _("Uitstroom naar ander domein (bijvoorbeeld Wlz)")),
        ("07", _("Verhuizing naar een andere gemeente")),
        ("09", _("Overstap naar andere aanbieder")),
        ("14", _("Administratieve correctie")),
    ]
    valid_to = forms.DateField(
        label=_("Nieuwe einddatum"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Leeg laten voor een indicatie zonder einddatum."),
    )
    reason = forms.ChoiceField(label=_("Reden (iWmo)"), choices=REASONS)
    # The end date the form was opened with: a change made in between is not overwritten.
    opened_with = forms.CharField(widget=forms.HiddenInput, required=False)
