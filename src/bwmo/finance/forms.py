from django import forms
from django.utils.translation import gettext_lazy as _

from bwmo.organisations.models import Region
from bwmo.ui.forms import BwmoForm

from .models import BudgetParameterSet


class OverviewForm(BwmoForm):
    is_filter = True  # a GET filter: nothing is saved, a field is applied or refused

    regio = forms.ModelChoiceField(label=_("Regio"), queryset=Region.objects.all())
    parameters = forms.ModelChoiceField(
        label=_("Budgetparameters / scenario"), queryset=BudgetParameterSet.objects.all()
    )
    jaar = forms.IntegerField(label=_("Jaar"), min_value=2015, max_value=2040)
    verevening = forms.ChoiceField(
        label=_("Volledige verevening naar"),
        required=False,
        choices=[("objectief", _("objectief budget")), ("inwoners", _("inwonertal"))],
    )
    drempel = forms.DecimalField(
        label=_("Drempel risicopool per cliënt per jaar (€)"),
        min_value=0,
        max_digits=10,
        decimal_places=0,
        required=False,
        help_text=_("Kosten van een cliënt boven dit bedrag worden gedeeld."),
    )


class UploadForm(BwmoForm):
    name = forms.CharField(
        label=_("Naam"), max_length=150, help_text=_("Bijvoorbeeld: meicirculaire 2027")
    )
    file = forms.FileField(label=_("Parameterbestand (TOML)"))


class ScenarioForm(BwmoForm):
    base = forms.ModelChoiceField(
        label=_("Uitgangspunt"),
        queryset=BudgetParameterSet.objects.filter(derived_from__isnull=True),
    )
    delay_years = forms.IntegerField(
        label=_("Ingroeipad later (jaren)"), min_value=1, max_value=10, initial=2
    )
    name = forms.CharField(label=_("Naam van het scenario"), max_length=150)
