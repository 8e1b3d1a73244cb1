from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from bwmo.care.models import Financing, MoType, Product
from bwmo.organisations.models import Municipality, Provider
from bwmo.ui.forms import BwmoForm, DateInput, VersionedForm

from .models import Decision, Leefgebied, MoIntake


class MeldingForm(BwmoForm):
    applied_to = forms.ModelChoiceField(
        label=_("Gemeld bij gemeente"),
        queryset=Municipality.objects.none(),
        help_text=_("De gemeente waar de cliënt zich meldt (u handelt namens deze gemeente)."),
    )
    received_on = forms.DateField(
        label=_("Datum melding"),
        widget=DateInput,
        help_text=_("Vanaf deze datum loopt de termijn van 6 weken."),
    )
    summary = forms.CharField(
        label=_("Hulpvraag"),
        widget=forms.Textarea,
        required=False,
        help_text=_("Kort en zakelijk; geen medische details."),
    )

    def __init__(self, *args, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["applied_to"].queryset = municipalities
        if municipalities.count() == 1:
            self.fields["applied_to"].initial = municipalities.first()


class OnderzoekForm(VersionedForm):
    started_on = forms.DateField(label=_("Onderzoek gestart op"), widget=DateInput)
    conversation_on = forms.DateField(
        label=_("Datum keukentafelgesprek"), widget=DateInput, required=False
    )
    findings = forms.CharField(label=_("Bevindingen"), widget=forms.Textarea, required=False)


class AdviesForm(VersionedForm):
    issued_on = forms.DateField(label=_("Datum advies"), widget=DateInput)
    findings = forms.CharField(
        label=_("Bevindingen van het onderzoek (aanvulling)"), widget=forms.Textarea, required=False
    )
    advised_product = forms.ModelChoiceField(
        label=_("Geadviseerd product"), queryset=Product.objects.none(), required=False
    )
    text = forms.CharField(label=_("Advies"), widget=forms.Textarea)
    signed_by_client = forms.BooleanField(
        label=_("De cliënt heeft het advies ondertekend"), required=False
    )
    signed_on = forms.DateField(label=_("Ondertekend op"), widget=DateInput, required=False)

    def __init__(self, *args, product_kind, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["advised_product"].queryset = Product.objects.filter(kind=product_kind)


class AanvraagForm(VersionedForm):
    received_on = forms.DateField(
        label=_("Datum aanvraag"),
        widget=DateInput,
        help_text=_("Vanaf deze datum loopt de termijn van 2 weken voor de beschikking."),
    )


class BeschikkingForm(VersionedForm):
    decision = forms.ChoiceField(
        label=_("Besluit"), choices=Decision.choices, widget=forms.RadioSelect
    )
    decided_on = forms.DateField(label=_("Datum beschikking"), widget=DateInput)
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.none(), required=False
    )
    financing = forms.ChoiceField(
        label=_("Financiering"), choices=[("", "—"), *Financing.choices], required=False
    )
    provider = forms.ModelChoiceField(
        label=_("Aanbieder"),
        queryset=Provider.objects.all(),
        required=False,
        help_text=_("Verplicht bij ZIN."),
    )
    valid_from = forms.DateField(label=_("Ingangsdatum"), widget=DateInput, required=False)
    valid_to = forms.DateField(label=_("Einddatum"), widget=DateInput, required=False)
    motivation = forms.CharField(
        label=_("Motivering"),
        widget=forms.Textarea,
        required=False,
        help_text=_("Verplicht bij een afwijzing."),
    )

    GRANT_FIELDS = ("product", "financing", "provider", "valid_from", "valid_to")

    def __init__(self, *args, product_kind, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(kind=product_kind)


class ReasonForm(VersionedForm):
    reason = forms.CharField(label=_("Toelichting"), widget=forms.Textarea)


class MoIntakeForm(BwmoForm):
    centrumgemeente = forms.ModelChoiceField(
        label=_("Namens (centrumgemeente)"),
        queryset=Municipality.objects.none(),
        help_text=_("De gemeente die u mandaat gaf voor de maatschappelijke opvang."),
    )
    intake_on = forms.DateField(label=_("Datum intake"), widget=DateInput)
    # No default: nachtopvang, dagopvang, crisisopvang or a trajectplaats is a choice.
    mo_type = forms.ChoiceField(
        label=_("Soort opvang"),
        choices=[("", _("— Kies de soort opvang —")), *MoType.choices],
        error_messages={"required": _("Kies de soort opvang.")},
    )
    location = forms.ChoiceField(
        label=_("Locatie (gemeente)"),
        help_text=_("De gemeenten van de regio staan bovenaan."),
        error_messages={"required": _("Kies de gemeente waar de opvang is.")},
    )
    dakloos = forms.ChoiceField(
        label=_("Feitelijk of residentieel dakloos"),
        choices=MoIntake.Answer.choices,
        widget=forms.RadioSelect,
    )
    zelfredzaam = forms.ChoiceField(
        label=_("Kan zich zelfstandig handhaven in de samenleving"),
        choices=MoIntake.Answer.choices,
        widget=forms.RadioSelect,
    )
    regiobinding = forms.ChoiceField(
        label=_("Binding met de regio"), choices=MoIntake.Answer.choices, widget=forms.RadioSelect
    )
    problem_areas = forms.MultipleChoiceField(
        label=_("Leefgebieden met problemen"),
        choices=Leefgebied.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("De leefgebieden van de zelfredzaamheidsmatrix. Geen diagnoses."),
    )
    decision = forms.ChoiceField(
        label=_("Besluit"), choices=Decision.choices, widget=forms.RadioSelect
    )
    motivation = forms.CharField(
        label=_("Motivering"),
        widget=forms.Textarea,
        required=False,
        help_text=_("Verplicht bij een afwijzing."),
    )

    def __init__(self, *args, municipalities, region_members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["centrumgemeente"].queryset = municipalities
        # The region's municipalities first, then the rest of the country.
        members = {m.code for m in region_members}
        everyone = list(Municipality.objects.order_by("name"))
        region = [(m.code, m.name) for m in everyone if m.code in members]
        rest = [(m.code, m.name) for m in everyone if m.code not in members]
        choices = [("", _("— Kies de gemeente —"))]
        if region:
            choices += [(_("Gemeenten van de regio"), region), (_("Overige gemeenten"), rest)]
        else:
            choices += rest
        self.fields["location"].choices = choices
        self._municipalities = {m.code: m for m in everyone}
        if municipalities.count() == 1:
            self.fields["centrumgemeente"].initial = municipalities.first()

    def clean_location(self):
        return self._municipalities[self.cleaned_data["location"]]

    def clean_problem_areas(self):
        return ",".join(c for c in Leefgebied.values if c in self.cleaned_data["problem_areas"])


class AssignForm(BwmoForm):
    """Hand a melding to a colleague; ``expected`` is who the page showed as assigned."""

    assigned_to: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Toewijzen aan"),
        queryset=None,
        required=False,
        empty_label=_("niemand (toewijzing opheffen)"),
        error_messages={
            "invalid_choice": _(
                "Deze medewerker staat niet in de lijst: kies een collega die deze melding "
                "mag behandelen."
            )
        },
    )
    expected = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, colleagues, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["assigned_to"]
        field.queryset = (
            get_user_model()
            .objects.filter(pk__in=[c.pk for c in colleagues])
            .order_by("last_name", "first_name", "username")
        )
        field.label_from_instance = lambda user: user.get_full_name() or user.get_username()
