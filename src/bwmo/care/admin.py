from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from bwmo.ui.admin_forms import LabelledInlineFormSet, WithoutLinkRows

from . import services
from .models import (
    Contract,
    ContractCapacity,
    ContractExtension,
    Product,
    ProviderLocation,
    Tariff,
)
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
class ContractAdmin(WithoutLinkRows, admin.ModelAdmin):
    list_display = [
        "reference",
        "provider",
        "region",
        "valid_from",
        "valid_to",
        "extension_options",
        "extensions_used",
        "notice_months",
    ]
    # Follows the extension decisions (bwmo.care.services.contract_extension_decide).
    readonly_fields = ["extensions_used"]
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


@admin.register(ProviderLocation)
class ProviderLocationAdmin(admin.ModelAdmin):
    list_display = ["provider", "municipality", "name"]
    list_filter = ["municipality"]
    search_fields = ["provider__name", "municipality__name", "name"]
    search_help_text = _("Zoek op aanbieder, gemeente of naam van de locatie.")


class ContractCapacityAdminForm(forms.ModelForm):
    """New places go through the care service: its refusals show at the fields."""

    class Meta:
        model = ContractCapacity
        fields = ["contract", "product", "location", "places", "valid_from", "valid_to"]

    def clean(self):
        data = super().clean()
        needed = ("contract", "product", "location", "places", "valid_from")
        if self.instance.pk is None and all(data.get(name) is not None for name in needed):
            try:
                services.contract_capacity_refusals(
                    contract=data["contract"],
                    product=data["product"],
                    location=data["location"],
                    places=data["places"],
                    valid_from=data["valid_from"],
                    valid_to=data.get("valid_to"),
                )
            except ValidationError as error:
                for field, errors in error.error_dict.items():
                    self.add_error(field if field in self.fields else None, errors)
        return data


@admin.register(ContractCapacity)
class ContractCapacityAdmin(admin.ModelAdmin):
    """Places are history: a change from a date is a new row (the service closes the row in
    force the day before); a recorded row is not edited or deleted here."""

    form = ContractCapacityAdminForm
    list_display = ["contract", "location", "product", "places", "valid_from", "valid_to"]
    list_filter = ["contract__region", "product"]
    search_fields = ["contract__reference", "contract__provider__name"]
    search_help_text = _("Zoek op kenmerk of naam van de aanbieder.")

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return [*ContractCapacityAdminForm.Meta.fields, "recorded_at", "recorded_by"]
        return []

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            return
        data = form.cleaned_data
        saved = services.contract_capacity_record(
            contract=data["contract"],
            product=data["product"],
            location=data["location"],
            places=data["places"],
            valid_from=data["valid_from"],
            valid_to=data.get("valid_to"),
            recorded_by=request.user.get_username(),
        )
        obj.pk = saved.pk


@admin.register(ContractExtension)
class ContractExtensionAdmin(admin.ModelAdmin):
    """Read here; decided on the contract's page, where the order of the options is kept."""

    list_display = ["contract", "option", "decision", "decided_on", "recorded_by"]
    list_filter = ["decision", "contract__region"]
    readonly_fields = ["contract", "option", "decision", "decided_on", "note", "recorded_by"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
