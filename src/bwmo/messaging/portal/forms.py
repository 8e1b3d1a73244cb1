"""The provider portal's forms: they read input; the import decides what it does."""

from __future__ import annotations

from datetime import date

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from bwmo.clients.models import Gender, validate_bsn
from bwmo.iwmo.model import FREQUENTIE_PER_MAAND, FREQUENTIE_PER_WEEK
from bwmo.ui.forms import BwmoForm, DateInput

from ..codelists import code_choices, stop_reason_choices

FREQUENCY_CHOICES = [
    (FREQUENTIE_PER_WEEK, _("etmalen per week")),
    (FREQUENTIE_PER_MAAND, _("etmalen per maand")),
]


class ClientSearchForm(BwmoForm):
    zoek = forms.CharField(
        label=_("Zoek op naam of BSN"),
        required=False,
        max_length=100,
        help_text=_("Een volledig BSN (9 cijfers) of een deel van de naam."),
    )


class CareStartForm(BwmoForm):
    begin = forms.DateField(
        label=_("Eerste dag van de zorg"),
        widget=DateInput(),
        help_text=_("dd-mm-jjjj; de dag dat de cliënt bij u is begonnen."),
    )


class CareStopForm(BwmoForm):
    end = forms.DateField(
        label=_("Laatste dag van de zorg"),
        widget=DateInput(),
        help_text=_("dd-mm-jjjj; niet vóór de eerste dag van de zorg."),
    )
    reason = forms.ChoiceField(
        label=_("Reden van beëindigen"),
        error_messages={"required": _("Kies de reden waarom de zorg stopt.")},
        help_text=_(
            "De codes van iWmo (WMO588). 'Tijdelijk beëindigd' (20) laat het verblijf doorlopen."
        ),
    )

    def __init__(self, *args, reason_change: str = "", **kwargs):
        """``reason_change``: the allocation's RedenWijziging (WMO002), which decides whether
        36 or 37 may follow it (``codelists.stop_reason_choices``)."""
        super().__init__(*args, **kwargs)
        field = self.fields["reason"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("— kies een reden —")), *stop_reason_choices(reason_change)]
        field.error_messages["invalid_choice"] = _(
            "Reden %(value)s past niet bij deze toewijzing: kies een van de redenen in de lijst."
        )


class _OmvangForm(BwmoForm):
    volume = forms.IntegerField(
        label=_("Omvang (etmalen)"),
        min_value=1,
        max_value=31,
        error_messages={
            "min_value": _("De omvang is ten minste 1 etmaal."),
            "max_value": _("De omvang is hoogstens 31 etmalen (een maand)."),
        },
    )
    frequency = forms.ChoiceField(label=_("Per"), choices=FREQUENCY_CHOICES)
    end = forms.DateField(
        label=_("Einddatum"),
        widget=DateInput(),
        required=False,
        help_text=_("dd-mm-jjjj; verplicht bij etmalen per week."),
    )

    def clean(self):
        data = super().clean()
        if data.get("frequency") == FREQUENTIE_PER_WEEK and not data.get("end"):
            self.add_error(
                "end", _("Bij etmalen per week vraagt iWmo een einddatum (CD076); vul die in.")
            )
        return data


class ChangeRequestForm(_OmvangForm):
    reference = forms.CharField(
        label=_("Uw referentie"),
        max_length=20,
        help_text=_("Uw eigen kenmerk van dit verzoek (hoogstens 20 tekens)."),
    )
    reason = forms.ChoiceField(
        label=_("Reden van het verzoek"),
        error_messages={"required": _("Kies de reden van het verzoek.")},
    )
    wanted_from = forms.DateField(label=_("Gewenst vanaf"), widget=DateInput())

    field_order = ["reference", "reason", "wanted_from", "end", "volume", "frequency"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["reason"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("— kies een reden —")), *code_choices("WJ758")]


class AllocationRequestForm(_OmvangForm):
    reference = forms.CharField(
        label=_("Uw referentie"),
        max_length=20,
        help_text=_("Uw eigen kenmerk van dit verzoek (hoogstens 20 tekens)."),
    )
    product = forms.ChoiceField(label=_("Product"))
    start = forms.DateField(label=_("Gewenste ingangsdatum"), widget=DateInput())

    field_order = ["reference", "product", "start", "end", "volume", "frequency"]

    def __init__(self, *args, products: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["product"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("— kies een product —")), *products]


class DeclarationUploadForm(BwmoForm):
    bestand = forms.FileField(
        label=_("Declaratiebestand (WMO323, XML)"),
        help_text=_("Het antwoord (WMO325) en de bevindingen ziet u daarna bij Antwoorden."),
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


class DeclarationBuildForm(BwmoForm):
    month = forms.CharField(
        label=_("Maand"),
        help_text=_("mm-jjjj, bijvoorbeeld 10-2026: een afgelopen kalendermaand."),
    )
    municipality = forms.ChoiceField(label=_("Gemeente"))

    def __init__(self, *args, municipalities: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["municipality"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("— kies een gemeente —")), *municipalities]

    def clean_month(self) -> date:
        text = self.cleaned_data["month"].strip()
        parts = text.replace("/", "-").split("-")
        if len(parts) == 2 and all(p.isdigit() for p in parts):
            month, year = int(parts[0]), int(parts[1])
            if 1 <= month <= 12 and 2000 <= year <= 2100:
                return date(year, month, 1)
        raise forms.ValidationError(
            _("'%(v)s' is geen maand: vul mm-jjjj in, bijvoorbeeld 10-2026.") % {"v": text[:20]}
        )


class NewClientRequestForm(AllocationRequestForm):
    """A WMO315 for someone bwmo does not know yet: the personal data the message needs,
    typed by the provider (checked by ``services.new_client_basis``), and the municipality
    the request goes to."""

    bsn = forms.CharField(
        label=_("BSN"),
        max_length=9,
        min_length=9,
        help_text=_("Burgerservicenummer: 9 cijfers, wordt gecontroleerd met de elfproef."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={
            "min_length": _("Een BSN bestaat uit precies 9 cijfers."),
            "max_length": _("Een BSN bestaat uit precies 9 cijfers."),
        },
    )
    given_names = forms.CharField(
        label=_("Voornamen"), required=False, help_text=_("Zoals in de BRP, hoogstens 200 tekens.")
    )
    surname_prefix = forms.CharField(
        label=_("Tussenvoegsel"), required=False, help_text=_("Hoogstens 10 tekens.")
    )
    surname = forms.CharField(label=_("Achternaam"), help_text=_("Hoogstens 200 tekens."))
    birth_date = forms.DateField(
        label=_("Geboortedatum"), widget=DateInput(), help_text=_("dd-mm-jjjj.")
    )
    gender = forms.ChoiceField(label=_("Geslacht"), choices=Gender.choices, initial=Gender.ONBEKEND)
    municipality = forms.ChoiceField(
        label=_("Gemeente"),
        help_text=_("De gemeente die de toewijzing geeft: waar de cliënt woont of zich meldt."),
    )

    field_order = [
        "bsn",
        "given_names",
        "surname_prefix",
        "surname",
        "birth_date",
        "gender",
        "municipality",
        "reference",
        "product",
        "start",
        "end",
        "volume",
        "frequency",
    ]

    def __init__(self, *args, municipalities: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["municipality"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("— kies een gemeente —")), *municipalities]

    def clean_bsn(self) -> str:
        # Checked here too, so that a wrong BSN is named together with the other fields.
        bsn = self.cleaned_data["bsn"].strip()
        validate_bsn(bsn)
        return bsn
