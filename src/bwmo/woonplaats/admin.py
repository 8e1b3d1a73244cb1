from django.contrib import admin

from .models import RuleSetVersion


@admin.register(RuleSetVersion)
class RuleSetVersionAdmin(admin.ModelAdmin):
    list_display = ["region", "version", "start_date", "lookback_months", "effective_from"]
    list_filter = ["region"]
