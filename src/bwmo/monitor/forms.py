from django import forms
from django.utils.translation import gettext_lazy as _

from bwmo.care.models import Product
from bwmo.organisations.models import Municipality, Provider, Region
from bwmo.ui.forms import BwmoForm, DateInput


class DashboardForm(BwmoForm):
    is_filter = True  # a GET filter: nothing is saved, a field is applied or refused

    regio = forms.ModelChoiceField(label=_("Regio"), queryset=Region.objects.all())
    gemeente = forms.ModelChoiceField(
        label=_("Gemeente (verantwoordelijk)"),
        required=False,
        queryset=Municipality.objects.none(),
        empty_label=_("hele regio"),
    )
    van = forms.DateField(label=_("Van"), widget=DateInput)
    tot = forms.DateField(label=_("Tot en met"), widget=DateInput)
    product = forms.ModelChoiceField(
        label=_("Product"), required=False, queryset=Product.objects.all(), empty_label=_("alle")
    )
    aanbieder = forms.ModelChoiceField(
        label=_("Aanbieder"), required=False, queryset=Provider.objects.all(), empty_label=_("alle")
    )

    def __init__(self, *args, region=None, **kwargs):
        super().__init__(*args, **kwargs)
        if region is not None:
            self.fields["gemeente"].queryset = Municipality.objects.filter(
                region_memberships__region=region
            ).distinct()

    def clean(self):
        data = super().clean()
        if data.get("van") and data.get("tot") and data["van"] > data["tot"]:
            self.add_error("tot", _("De einddatum ligt vóór de begindatum."))
        return data


class NationalForm(BwmoForm):
    is_filter = True

    van = forms.DateField(label=_("Van"), widget=DateInput)
    tot = forms.DateField(label=_("Tot en met"), widget=DateInput)

    def clean(self):
        data = super().clean()
        if data.get("van") and data.get("tot") and data["van"] > data["tot"]:
            self.add_error("tot", _("De einddatum ligt vóór de begindatum."))
        return data
