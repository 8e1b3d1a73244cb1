from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from bwmo.organisations.models import Provider
from bwmo.ui.forms import BwmoForm, VersionedForm

from .models import MESSAGE_TYPES, AllocationRequest, Direction, MessageStatus


class MessageFilterForm(BwmoForm):
    is_filter = True  # a GET filter: nothing is saved, a field is applied or refused

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
            (
                "onderzoek",
                _("In onderzoek nemen: antwoordbericht 'Aanvraag in onderzoek' (WMO319, code 2)"),
            ),
            ("afwijzen", _("Afwijzen: antwoordbericht 'Verzoek afgewezen' (WMO319, code 1)")),
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
    """The end date of an indication and the WMO002 reason; the view passes the reasons
    that fit the indication (``messaging.selectors.indication_change_reasons``)."""

    valid_to = forms.DateField(
        label=_("Nieuwe einddatum"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_(
            "Alleen een eerdere einddatum, of bij een administratieve correctie een datum "
            "binnen de beschikking. Leeg laten voor een indicatie zonder einddatum."
        ),
    )
    reason = forms.ChoiceField(
        label=_("Reden (iWmo)"),
        error_messages={
            "required": _("Kies de reden van de wijziging."),
            "invalid_choice": _(
                "Deze reden past niet bij het wijzigen van deze indicatie; kies een reden uit "
                "de lijst. Verlengen kan niet met een wijziging: daarvoor is een nieuwe "
                "beschikking nodig."
            ),
        },
        help_text=_(
            "Verkorting en de redenen voor beëindigen horen bij een eerdere einddatum; een "
            "administratieve correctie herstelt een invoerfout binnen de beschikking. "
            "Verlengen kan niet met een wijziging: daarvoor is een nieuwe beschikking nodig."
        ),
    )
    past_end_confirmed = forms.BooleanField(
        label=_("De einddatum ligt in het verleden en is afgestemd met de aanbieder"),
        required=False,
        help_text=_("Alleen nodig bij een einddatum vóór vandaag (niet bij overlijden)."),
    )
    # The end date the form was opened with: a change made in between is not overwritten.
    opened_with = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, reasons: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        # No reason is chosen for the user: the empty choice comes first and is required.
        reason = self.fields["reason"]
        assert isinstance(reason, forms.ChoiceField)
        reason.choices = [("", _("— kies een reden —")), *reasons]
