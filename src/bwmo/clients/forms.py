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
    """Names and address as the BRP keeps them. The lengths are checked by the service
    (``bwmo.clients.services``), which names the field and its limit; nothing is cut."""

    given_names = forms.CharField(
        label=_("Voornamen"), help_text=_("Zoals in de BRP, hoogstens 200 tekens.")
    )
    surname_prefix = forms.CharField(
        label=_("Tussenvoegsel"), required=False, help_text=_("Hoogstens 10 tekens.")
    )
    surname = forms.CharField(label=_("Achternaam"), help_text=_("Hoogstens 200 tekens."))
    birth_date = forms.DateField(label=_("Geboortedatum"), widget=DateInput)
    gender = forms.ChoiceField(
        label=_("Geslacht"), choices=Gender.choices, initial=Gender.ONBEKEND, required=False
    )
    street = forms.CharField(
        label=_("Straatnaam"),
        required=False,
        help_text=_("De volledige naam van de openbare ruimte, hoogstens 80 tekens."),
    )
    street_short = forms.CharField(
        label=_("Straatnaam (NEN, 24 tekens)"),
        required=False,
        help_text=_(
            "De korte straatnaam uit de BRP, hoogstens 24 tekens; nodig voor de toewijzing "
            "aan de aanbieder. Leeg laten: bwmo leidt hem af als dat kan, anders vraagt het erom."
        ),
    )
    # A text input, not type=number: a browser drops the "a" of "12a" without a word.
    house_number = forms.CharField(
        label=_("Huisnummer"),
        required=False,
        help_text=_("Alleen cijfers, 1 tot en met 99999."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    house_letter = forms.CharField(
        label=_("Huisletter"), required=False, help_text=_("Eén letter, bijvoorbeeld a.")
    )
    house_number_addition = forms.CharField(
        label=_("Huisnummertoevoeging"),
        required=False,
        help_text=_("Hoogstens 4 letters of cijfers, bijvoorbeeld 2 of bis."),
    )
    postcode = forms.CharField(
        label=_("Postcode"), required=False, help_text=_("Bijvoorbeeld 9401 AB.")
    )
    place = forms.CharField(
        label=_("Woonplaats"), required=False, help_text=_("Hoogstens 80 tekens.")
    )
    phone = forms.CharField(
        label=_("Telefoonnummer"),
        max_length=20,
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
        "street_short",
        "house_number",
        "house_letter",
        "house_number_addition",
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
    def __init__(self, *args, provisional: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if provisional:
            self.fields["birth_date"].required = False
            self.fields["surname"].required = False


ADDRESS_FIELDS = (
    "street",
    "street_short",
    "house_number",
    "house_letter",
    "house_number_addition",
    "postcode",
    "place",
)


class ProvisionalRegisterForm(PersonalDataForm):
    """A person without BSN (or who will not give it), registered as he or she says."""

    identifying_notes = forms.CharField(
        label=_("Kenmerken ter herkenning"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_(
            "Wat helpt om de persoon later te herkennen: roepnaam, herkomst, eerdere opvang. "
            "Geen medische gegevens."
        ),
    )
    birth_year = forms.IntegerField(
        label=_("Geboortejaar"),
        required=False,
        help_text=_("Als de geboortedatum niet bekend is."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"invalid": _("Een geboortejaar bestaat uit 4 cijfers, zoals 1978.")},
    )
    brp_kind = forms.ChoiceField(
        label=_("BRP-inschrijving"),
        choices=[("", _("— Niet bekend, niet vastleggen —")), *BrpKind.choices],
        initial=BrpKind.GEEN,
        required=False,
    )
    brp_municipality = forms.ModelChoiceField(
        label=_("Gemeente (laatst bekend)"),
        queryset=Municipality.objects.all(),
        required=False,
        help_text=_("Bij 'geen inschrijving' mag dit leeg blijven."),
    )
    brp_valid_from = forms.DateField(
        label=_("Sinds"), widget=DateInput, required=False, help_text=_("Leeg: vandaag.")
    )

    field_order = [
        "given_names",
        "surname_prefix",
        "surname",
        "birth_date",
        "birth_year",
        "gender",
        "identifying_notes",
        "brp_kind",
        "brp_municipality",
        "brp_valid_from",
        "phone",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["surname"].required = False
        self.fields["surname"].help_text = _(
            "Zoals de persoon die opgeeft; mag leeg als de voornaam of roepnaam bekend is."
        )
        self.fields["given_names"].required = False
        self.fields["given_names"].label = _("Voornamen of roepnaam")
        self.fields["given_names"].help_text = _(
            "Zoals de persoon die opgeeft, hoogstens 200 tekens."
        )
        self.fields["birth_date"].required = False
        self.fields["birth_date"].help_text = _("Alleen als de persoon die weet.")
        # A homeless person has no address to record; a telephone number may help.
        for name in ADDRESS_FIELDS:
            del self.fields[name]


class MergeForm(VersionedForm):
    """Record the BSN of a provisional identity; merges when bwmo knows that BSN already."""

    bsn = forms.CharField(
        label=_("BSN"),
        max_length=9,
        min_length=9,
        help_text=_("Het burgerservicenummer dat nu bekend is (9 cijfers, elfproef)."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={
            "min_length": _("Een BSN bestaat uit precies 9 cijfers."),
            "max_length": _("Een BSN bestaat uit precies 9 cijfers."),
        },
    )
    birth_date = forms.DateField(
        label=_("Geboortedatum"),
        widget=DateInput,
        required=False,
        help_text=_("Volgens de BRP; nodig als er nog geen cliënt met dit BSN is."),
    )
    confirm_into = forms.UUIDField(widget=forms.HiddenInput, required=False)
    confirm = forms.BooleanField(
        label=_("Ik heb gecontroleerd dat dit dezelfde persoon is"), required=False
    )

    def clean_bsn(self):
        return self.cleaned_data["bsn"].strip()


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
