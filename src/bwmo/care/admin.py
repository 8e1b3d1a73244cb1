from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from bwmo.ui.admin_forms import LabelledInlineFormSet

from .models import Contract, Product, Tariff
from .selectors import TariffEntry, tariff_overlap_refusals


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "code",
        "kind",
        "counts_as_bw_by_law",
        "iwmo_category",
        "unit",
        "valid_from",
        "valid_to",
    ]
    list_filter = ["kind", "counts_as_bw_by_law", "iwmo_category"]
    search_fields = ["name", "code"]
    search_help_text = _("Zoek op naam of productcode.")


def _entry(form: forms.BaseForm) -> TariffEntry | None:
    data = getattr(form, "cleaned_data", None) or {}
    if form.errors or data.get("DELETE") or not data.get("product") or not data.get("valid_from"):
        return None
    return TariffEntry(form, data["product"], data["valid_from"], data.get("valid_to"))


class TariffFormSet(LabelledInlineFormSet):
    """A contract's tariffs: two that price one product on the same day are refused, also
    against the other contracts of the provider in the region."""

    def clean(self) -> None:
        super().clean()
        contract = self.instance
        entries = [e for e in map(_entry, self.forms) if e is not None]
        refusals = tariff_overlap_refusals(
            contract_reference=contract.reference,
            provider_id=contract.provider_id,
            region_id=contract.region_id,
            entries=entries,
            exclude_contract_id=contract.pk,
        )
        for form, errors in refusals.items():
            for error in errors:
                form.add_error("valid_from", error)  # type: ignore[attr-defined]


class TariffForm(forms.ModelForm):
    """One tariff on its own screen, refused like a row of its contract."""

    class Meta:
        model = Tariff
        fields = ["contract", "product", "amount", "unit", "valid_from", "valid_to"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        contract = data.get("contract")
        entry = _entry(self)
        if contract is None or entry is None:
            return data
        refusals = tariff_overlap_refusals(
            contract_reference=contract.reference,
            provider_id=contract.provider_id,
            region_id=contract.region_id,
            entries=[TariffEntry("valid_from", entry.product, entry.valid_from, entry.valid_to)],
            exclude_tariff_id=self.instance.pk,
        )
        for error in refusals.get("valid_from", []):
            self.add_error("valid_from", error)
        return data


class TariffInline(admin.TabularInline):
    """The contract's tariffs, one row each; every input names its column and row."""

    model = Tariff
    formset = TariffFormSet
    extra = 1


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "provider",
        "region",
        "valid_from",
        "valid_to",
        "extension_options",
        "extensions_used",
    ]
    list_filter = ["region"]
    search_fields = ["reference", "provider__name"]
    search_help_text = _("Zoek op kenmerk of naam van de aanbieder.")
    filter_horizontal = ["products"]
    inlines = [TariffInline]


@admin.register(Tariff)
class TariffAdmin(admin.ModelAdmin):
    form = TariffForm
    list_display = ["contract", "product", "amount", "unit", "valid_from", "valid_to"]
    list_filter = ["unit", "product"]
