from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bwmo.ui.forms import BwmoForm, DateField


class ForecastForm(BwmoForm):
    """A scenario and the run's settings, as a form (the command line reads a JSON file)."""

    naam = forms.CharField(label=_("Naam van het scenario"), max_length=100, initial="basis")
    afschalen_pct = forms.FloatField(
        label=_("Afschalen sneller (%)"),
        initial=0,
        min_value=-99,
        max_value=500,
        help_text=_("20 = cliënten stappen 20% vaker per maand over naar een lichtere vorm."),
    )
    intramural_pct = forms.FloatField(
        label=_("Minder intramurale plaatsingen (%)"), initial=0, min_value=0, max_value=100
    )
    inflow_pct = forms.FloatField(
        label=_("Instroom hoger of lager (%)"), initial=0, min_value=-99, max_value=1000
    )
    wlz_pct = forms.FloatField(
        label=_("Uitstroom naar de Wlz hoger of lager (%)"),
        initial=0,
        min_value=-100,
        max_value=1000,
    )
    indexatie = forms.FloatField(
        label=_("Tariefindexatie per jaar (%)"), initial=0, min_value=-50, max_value=50
    )
    ingroeipad_later = forms.IntegerField(
        label=_("Ingroeipad later (jaren)"), initial=0, min_value=0, max_value=10
    )
    capaciteit_product = forms.ChoiceField(
        label=_("Capaciteit: product"), required=False, choices=[]
    )
    capaciteit_plaatsen = forms.IntegerField(
        label=_("Capaciteit: plaatsen erbij (negatief: eraf)"), required=False
    )
    capaciteit_vanaf = DateField(label=_("Capaciteit: vanaf"), required=False)
    jaren = forms.IntegerField(label=_("Jaren vooruit"), initial=5, min_value=1, max_value=15)
    simulaties = forms.TypedChoiceField(
        label=_("Aantal simulaties"),
        choices=[(200, "200"), (1000, "1.000"), (5000, "5.000")],
        coerce=int,
        initial=1000,
    )
    backtest = forms.BooleanField(label=_("Met backtest"), required=False, initial=True)
    startwaarde = forms.IntegerField(
        label=_("Startwaarde toeval (seed)"),
        initial=0,
        min_value=0,
        max_value=2**31 - 1,
        help_text=_("Dezelfde gegevens en startwaarde geven precies dezelfde prognose."),
    )
    budgetparameters = forms.TypedChoiceField(
        label=_("Budgetparameters"), coerce=int, required=False, empty_value=None, choices=[]
    )

    def __init__(
        self,
        *args: Any,
        products: list[tuple[str, str]],
        parameter_sets: list[tuple[int, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["capaciteit_product"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("geen wijziging")), *products]
        sets = self.fields["budgetparameters"]
        assert isinstance(sets, forms.ChoiceField)
        sets.choices = [("", _("geen budget")), *(parameter_sets or [])]
        if parameter_sets:
            sets.initial = parameter_sets[0][0]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        parts = [data.get(k) for k in ("capaciteit_product", "capaciteit_plaatsen")]
        start = data.get("capaciteit_vanaf")
        if any(parts) or start:
            if not data.get("capaciteit_product"):
                self.add_error("capaciteit_product", _("Kies het product van de capaciteit."))
            if not data.get("capaciteit_plaatsen"):
                self.add_error("capaciteit_plaatsen", _("Vul het aantal plaatsen in (niet 0)."))
            if not start:
                self.add_error("capaciteit_vanaf", _("Vul de datum in vanaf wanneer."))
        return data

    def scenario_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        capacity = []
        if data.get("capaciteit_product"):
            capacity.append(
                {
                    "product": data["capaciteit_product"],
                    "places": data["capaciteit_plaatsen"],
                    "from": data["capaciteit_vanaf"].isoformat(),
                }
            )
        return {
            "name": data["naam"],
            "afschalen_pct": data["afschalen_pct"],
            "intramural_pct": data["intramural_pct"],
            "inflow_pct": data["inflow_pct"],
            "wlz_pct": data["wlz_pct"],
            "indexation_pct": data["indexatie"],
            "ingroeipad_delay_years": data["ingroeipad_later"],
            "capacity": capacity,
        }


class CompareForm(BwmoForm):
    is_filter = True

    a = forms.TypedChoiceField(label=_("Prognose A"), coerce=int, choices=[])
    b = forms.TypedChoiceField(label=_("Prognose B"), coerce=int, choices=[])
    gemeente = forms.ChoiceField(label=_("Gemeente"), required=False, choices=[])
    product = forms.ChoiceField(label=_("Product"), required=False, choices=[])

    def __init__(
        self,
        *args: Any,
        runs: list[tuple[int, str]],
        municipalities: list[tuple[str, str]] | None = None,
        products: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name in ("a", "b"):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = runs
        place = self.fields["gemeente"]
        assert isinstance(place, forms.ChoiceField)
        place.choices = [("", _("hele regio")), *(municipalities or [])]
        product = self.fields["product"]
        assert isinstance(product, forms.ChoiceField)
        product.choices = [
            ("", _("alle producten")),
            ("BW", _("Beschermd wonen (alle vormen)")),
            ("MO", _("Opvang (alle vormen)")),
            *(products or []),
        ]
