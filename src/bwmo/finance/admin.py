from django.contrib import admin

from .models import NonClientCost


@admin.register(NonClientCost)
class NonClientCostAdmin(admin.ModelAdmin):
    list_display = ["municipality", "year", "kind", "amount"]
    list_filter = ["year", "kind"]
