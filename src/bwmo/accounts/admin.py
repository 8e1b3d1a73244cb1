from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Organisaties"), {"fields": ("organisations",)}),
    )
    filter_horizontal = ("groups", "user_permissions", "organisations")
    list_display = ["username", "first_name", "last_name", "is_active", "is_staff"]
