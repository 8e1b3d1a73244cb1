"""The auditor's two questions, each with a period (van / tot en met)."""

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum.nl import bsn as bsn_checker

from bwmo.ui.forms import BwmoForm, DateInput

from .selectors import Period, username_known

DATE_FORMATS = ["%Y-%m-%d", "%d-%m-%Y"]  # the date picker sends ISO; typed text is Dutch


def _date_field(label, help_text=""):
    return forms.DateField(
        label=label,
        required=False,
        input_formats=DATE_FORMATS,
        widget=DateInput,
        help_text=help_text,
    )


class PeriodForm(BwmoForm):
    van = _date_field(gettext_lazy("Van"), gettext_lazy("Leeg: vanaf het begin van het log."))
    tot = _date_field(gettext_lazy("Tot en met"), gettext_lazy("Leeg: tot en met vandaag."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("van", "tot"):
            label = self.fields[name].label
            self.fields[name].error_messages["invalid"] = _(
                "'%(label)s' is geen geldige datum. Vul een datum in als dd-mm-jjjj, "
                "bijvoorbeeld 31-12-2025."
            ) % {"label": label}

    def clean(self):
        data = super().clean()
        start, end = data.get("van"), data.get("tot")
        today = timezone.localdate()
        if start and start > today:
            self.add_error(
                "van",
                _(
                    "'Van' (%(van)s) ligt in de toekomst: daar staat nog niets in het log. "
                    "Vandaag is %(today)s."
                )
                % {"van": date_format(start, "j F Y"), "today": date_format(today, "j F Y")},
            )
        if start and end and end < start:
            self.add_error(
                "tot",
                _(
                    "'Tot en met' (%(tot)s) ligt vóór 'Van' (%(van)s). Kies een einddatum op "
                    "of na de begindatum, of draai de twee om."
                )
                % {"tot": date_format(end, "j F Y"), "van": date_format(start, "j F Y")},
            )
        return data

    @property
    def period(self) -> Period:
        return Period(self.cleaned_data.get("van"), self.cleaned_data.get("tot"))


class ClientQuestionForm(PeriodForm):
    bsn = forms.CharField(
        label=gettext_lazy("BSN van de cliënt"),
        max_length=20,
        help_text=gettext_lazy("Burgerservicenummer: 9 cijfers, voldoet aan de elfproef"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    field_order = ["bsn", "van", "tot"]

    def clean_bsn(self) -> str:
        value = "".join(self.cleaned_data["bsn"].split()).replace(".", "")
        if not value.isdigit():
            raise forms.ValidationError(
                _("Een BSN bestaat alleen uit cijfers (9 stuks); er staan andere tekens in."),
                code="bsn_digits",
            )
        if len(value) != 9:
            raise forms.ValidationError(
                _("Een BSN bestaat uit precies 9 cijfers; u vulde er %(n)s in.")
                % {"n": len(value)},
                code="bsn_length",
            )
        if not bsn_checker.is_valid(value):
            raise forms.ValidationError(
                _("Dit BSN is ongeldig: het voldoet niet aan de elfproef. Controleer de cijfers."),
                code="bsn_checksum",
            )
        return value


class UserQuestionForm(PeriodForm):
    gebruiker = forms.CharField(label=gettext_lazy("Gebruikersnaam"), max_length=150)
    field_order = ["gebruiker", "van", "tot"]

    def clean_gebruiker(self) -> str:
        username = self.cleaned_data["gebruiker"].strip()
        if not username_known(username):
            raise forms.ValidationError(
                _(
                    "Er is geen gebruiker met de naam “%(name)s”, en die naam staat ook niet in "
                    "het toegangslog. Controleer de spelling (hoofdletters tellen mee)."
                )
                % {"name": username},
                code="unknown_user",
            )
        return username


class UntilForm(forms.Form):
    """The newest entry the screen's answer included: the download stops at the same entry."""

    tot_regel = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)
