from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from bwmo.ui.admin_forms import LabelledInlineFormSet

from .models import Contract, Product, Tariff


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


class TariffInline(admin.TabularInline):
    """The contract's tariffs, one row each; every input names its column and row."""

    model = Tariff
    formset = LabelledInlineFormSet
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
    list_display = ["contract", "product", "amount", "unit", "valid_from", "valid_to"]
    list_filter = ["unit", "product"]
