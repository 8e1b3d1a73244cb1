from django import forms
from django.utils.translation import gettext_lazy as _

from bwmo.organisations.models import Municipality
from bwmo.ui.forms import BwmoForm, DateInput, VersionedForm

from .models import BrpKind, Gender


class ClientSearchForm(BwmoForm):
    q = forms.CharField(
        label=_("BSN of naam"),
        max_length=100,
        help_text=_("Een volledig BSN (9 cijfers) of (een deel van) de naam."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class PersonalDataForm(BwmoForm):
    given_names = forms.CharField(label=_("Voornamen"), max_length=200)
    surname_prefix = forms.CharField(label=_("Tussenvoegsel"), max_length=20, required=False)
    surname = forms.CharField(label=_("Achternaam"), max_length=200)
    birth_date = forms.DateField(label=_("Geboortedatum"), widget=DateInput)
    gender = forms.ChoiceField(
        label=_("Geslacht"), choices=Gender.choices, initial=Gender.ONBEKEND, required=False
    )
    street = forms.CharField(label=_("Straat"), max_length=24, required=False)
    house_number = forms.IntegerField(
        label=_("Huisnummer"), min_value=1, max_value=99999, required=False
    )
    house_letter = forms.CharField(label=_("Huisletter"), max_length=1, required=False)
    postcode = forms.CharField(
        label=_("Postcode"), max_length=7, required=False, help_text=_("Bijvoorbeeld 9401 AB.")
    )
    place = forms.CharField(label=_("Woonplaats"), max_length=24, required=False)
    phone = forms.CharField(
        label=_("Telefoonnummer"),
        max_length=15,
        required=False,
        help_text=_("Nodig voor de toewijzing aan de aanbieder als er geen adres bekend is."),
    )


class ClientRegisterForm(PersonalDataForm):
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
    brp_municipality = forms.ModelChoiceField(
        label=_("Gemeente van inschrijving (BRP)"),
        queryset=Municipality.objects.all(),
        required=False,
        help_text=_("De huidige inschrijving; leeg laten bij 'buitenland'."),
    )
    brp_kind = forms.ChoiceField(label=_("Soort inschrijving"), choices=BrpKind.choices)
    brp_valid_from = forms.DateField(label=_("Ingeschreven sinds"), widget=DateInput)

    field_order = [
        "bsn",
        "given_names",
        "surname_prefix",
        "surname",
        "birth_date",
        "gender",
        "street",
        "house_number",
        "house_letter",
        "postcode",
        "place",
        "phone",
        "brp_municipality",
        "brp_kind",
        "brp_valid_from",
    ]

    def clean_bsn(self):
        return self.cleaned_data["bsn"].strip()


class ClientEditForm(VersionedForm, PersonalDataForm):
    pass


class BrpRegistrationForm(VersionedForm):
    municipality = forms.ModelChoiceField(
        label=_("Gemeente"),
        queryset=Municipality.objects.all(),
        required=False,
        help_text=_("Leeg laten bij 'buitenland'."),
    )
    kind = forms.ChoiceField(label=_("Soort inschrijving"), choices=BrpKind.choices)
    valid_from = forms.DateField(label=_("Vanaf"), widget=DateInput)
    valid_to = forms.DateField(
        label=_("Tot en met"),
        widget=DateInput,
        required=False,
        help_text=_(
            "Leeg laten voor de huidige inschrijving. Een lopende eerdere inschrijving "
            "wordt automatisch beëindigd op de dag vóór de nieuwe."
        ),
    )
