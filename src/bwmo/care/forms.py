from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bwmo.organisations.models import Municipality, Provider
from bwmo.ui.forms import BwmoForm, DateInput, VersionedForm

from .models import ContractExtension, OutflowReason, Product, ProviderLocation, WlzApplication


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

    def __init__(self, *args: Any, provider: Provider | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["location"]
        assert isinstance(field, forms.ModelChoiceField)
        places = (
            ProviderLocation.objects.filter(provider=provider).values("municipality")
            if provider is not None
            else ProviderLocation.objects.none()
        )
        if places.exists():
            # The provider's recorded locations; any municipality only while none is recorded.
            field.queryset = Municipality.objects.filter(pk__in=places)
            field.help_text = _("Alleen de locaties die voor deze aanbieder zijn vastgelegd.")
        else:
            field.help_text = _(
                "Voor deze aanbieder zijn nog geen locaties vastgelegd; daarom staan alle "
                "gemeenten in de lijst."
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


class CapacityFilterForm(BwmoForm):
    """The months of the occupancy page (a filter: it saves nothing)."""

    is_filter = True
    van = forms.DateField(label=_("Van (maand)"), widget=DateInput)
    tot = forms.DateField(label=_("Tot en met (maand)"), widget=DateInput)

    def clean(self):
        data = super().clean()
        start, end = data.get("van"), data.get("tot")
        if start and end and end < start:
            self.add_error("tot", _("De eindmaand ligt vóór de beginmaand."))
        elif start and end and (end.year - start.year) * 12 + end.month - start.month > 35:
            self.add_error("tot", _("Kies een periode van hoogstens 36 maanden."))
        return data


class ContractCapacityForm(BwmoForm):
    """Places of one product at one location of the contract's provider, from a date."""

    product = forms.ModelChoiceField(label=_("Product"), queryset=Product.objects.none())
    location = forms.ModelChoiceField(label=_("Locatie"), queryset=ProviderLocation.objects.none())
    places = forms.IntegerField(
        label=_("Aantal plaatsen"),
        help_text=_("0 of meer. Een wijziging vanaf een datum wordt een nieuwe regel."),
    )
    valid_from = forms.DateField(label=_("Geldig vanaf"), widget=DateInput)
    valid_to = forms.DateField(
        label=_("Geldig tot en met"),
        widget=DateInput,
        required=False,
        help_text=_("Leeg: tot de volgende wijziging of het einde van het contract."),
    )

    def __init__(self, *args, contract, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].help_text = _("De producten van dit contract.")
        self.fields["product"].queryset = contract.products.all()
        self.fields["location"].queryset = ProviderLocation.objects.filter(
            provider=contract.provider
        ).select_related("municipality", "provider")


class ContractExtensionForm(BwmoForm):
    option = forms.TypedChoiceField(label=_("Verlengingsoptie"), coerce=int, choices=())
    decision = forms.ChoiceField(
        label=_("Besluit"), choices=ContractExtension.Decision.choices, widget=forms.RadioSelect
    )
    decided_on = forms.DateField(
        label=_("Besloten op"),
        widget=DateInput,
        required=False,
        help_text=_("Verplicht bij verlengd of niet verlengd."),
    )
    note = forms.CharField(label=_("Toelichting"), required=False, max_length=300)

    def __init__(self, *args, contract, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["option"].choices = [
            (o, _("optie %(option)s") % {"option": o})
            for o in range(1, contract.extension_options + 1)
        ]
        state = contract.terms_state()
        if state.next_option:
            self.fields["option"].initial = state.next_option
