from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from bwmo.ui.admin_forms import LabelledInlineFormSet

from .models import Mandate, Municipality, Organisation, Provider, Region, RegionMembership


class RegionMembershipInline(admin.TabularInline):
    model = RegionMembership
    formset = LabelledInlineFormSet
    extra = 1
    autocomplete_fields = ["municipality"]


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "province", "inhabitants"]
    search_fields = ["code", "name"]
    search_help_text = _("Zoek op CBS-code of naam.")
    list_filter = ["province"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "centrumgemeente", "valid_from", "valid_to"]
    autocomplete_fields = ["centrumgemeente"]
    inlines = [RegionMembershipInline]


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "agb_code", "is_opvanginstelling"]
    search_fields = ["name", "agb_code"]
    search_help_text = _("Zoek op naam of AGB-code.")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "municipality", "provider", "region"]
    list_filter = ["kind"]
    search_fields = ["name"]
    search_help_text = _("Zoek op naam.")
    autocomplete_fields = ["municipality", "provider"]


@admin.register(Mandate)
class MandateAdmin(admin.ModelAdmin):
    list_display = ["grantor", "holder", "product_kind", "valid_from", "valid_to"]
    list_filter = ["product_kind"]
    autocomplete_fields = ["grantor", "holder"]
