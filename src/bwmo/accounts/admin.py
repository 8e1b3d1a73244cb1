"""The beheer screens for users and roles.

Nobody raises their own rights here: the rule is ``selectors.rights_change_refusals`` (shown
as form errors) and every saved change goes through ``services.user_rights_record`` /
``group_permissions_record``, which check it again inside the save's transaction and append
it to the record of rights changes.
"""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from bwmo.ui.admin_forms import WithoutLinkRows, label_inputs, permission_label

from . import services
from .models import RightsChange, User
from .selectors import (
    Rights,
    group_change_refusals,
    password_settable_by,
    rights_change_refusals,
    user_rights,
)

OWN_RIGHTS_FIELDS = (
    "is_superuser",
    "is_staff",
    "is_active",
    "groups",
    "user_permissions",
    "organisations",
)


def _rights_from_form(cleaned: dict, before: Rights) -> Rights:
    def ids(name, current):
        return frozenset(o.pk for o in cleaned[name]) if name in cleaned else current

    return Rights(
        is_superuser=cleaned.get("is_superuser", before.is_superuser),
        is_staff=cleaned.get("is_staff", before.is_staff),
        is_active=cleaned.get("is_active", before.is_active),
        groups=ids("groups", before.groups),
        permissions=ids("user_permissions", before.permissions),
        organisations=ids("organisations", before.organisations),
    )


@admin.register(User)
class UserAdmin(WithoutLinkRows, BaseUserAdmin):
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Organisaties"), {"fields": ("organisations",)}),
    )
    filter_horizontal = ("groups", "user_permissions", "organisations")
    list_display = ["username", "first_name", "last_name", "is_active", "is_staff"]
    search_help_text = _("Zoek op gebruikersnaam, naam of e-mailadres.")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "user_permissions":
            field.label_from_instance = permission_label
        return field

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly.append("is_superuser")
            if obj is not None and obj.pk == request.user.pk:
                readonly += [f for f in OWN_RIGHTS_FIELDS if f not in readonly]
        return readonly

    def get_form(self, request, obj=None, **kwargs):
        base = super().get_form(request, obj, **kwargs)
        editor = request.user

        class RightsCheckedForm(base):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                label_inputs(self, split_only=True)  # the date and time of last login …

            def clean(self):
                cleaned = super().clean()
                # The instance still holds the saved values here (the form's are applied
                # after clean), so these are the rights before the change.
                self.rights_before = user_rights(user=self.instance)
                after = _rights_from_form(cleaned, self.rights_before)
                refusals = rights_change_refusals(
                    editor=editor, user=self.instance, before=self.rights_before, after=after
                )
                if refusals:
                    raise ValidationError(refusals)
                return cleaned

        return RightsCheckedForm

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.user_rights_record(
            editor=request.user, user=form.instance, before=form.rights_before
        )

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def user_change_password(self, request, id, form_url=""):
        user = self.get_object(request, id)
        if user is not None and not password_settable_by(editor=request.user, user=user):
            # Setting someone's password is taking their account over: not for an account
            # with rights the editor does not hold.
            raise PermissionDenied(
                _("Het wachtwoord van deze gebruiker stelt alleen een superuser in.")
            )
        return super().user_change_password(request, id, form_url)


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(WithoutLinkRows, BaseGroupAdmin):
    search_help_text = _("Zoek op naam van de rol.")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "permissions":
            field.label_from_instance = permission_label
        return field

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if (
            obj is not None
            and not request.user.is_superuser
            and request.user.groups.filter(pk=obj.pk).exists()
        ):
            readonly.append("permissions")  # one's own role: a superuser changes it
        return readonly

    def get_form(self, request, obj=None, **kwargs):
        base = super().get_form(request, obj, **kwargs)
        editor = request.user

        class RightsCheckedForm(base):
            def clean(self):
                cleaned = super().clean()
                group = self.instance if self.instance.pk else None
                self.permissions_before = (
                    set(group.permissions.values_list("pk", flat=True)) if group else set()
                )
                after = (
                    {p.pk for p in cleaned["permissions"]}
                    if "permissions" in cleaned
                    else self.permissions_before
                )
                refusals = group_change_refusals(
                    editor=editor, group=group, before=self.permissions_before, after=after
                )
                if refusals:
                    raise ValidationError(refusals)
                return cleaned

        return RightsCheckedForm

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.group_permissions_record(
            editor=request.user, group=form.instance, before=form.permissions_before
        )


@admin.register(RightsChange)
class RightsChangeAdmin(admin.ModelAdmin):
    """The record of rights changes: to read, never to edit."""

    list_display = ["at", "changed_by_name", "user_name", "group_name", "field", "authority"]
    list_filter = ["field", "authority"]
    search_fields = ["changed_by_name", "user_name", "group_name"]
    search_help_text = _("Zoek op gebruikersnaam van wie wijzigde, gebruiker of rol.")
    readonly_fields = [f.name for f in RightsChange._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# django-otp's own screen shows a device's secret and its QR code: whoever sees them can make
# that user's codes. Here a device is only listed and can be deleted (a lost telephone: the
# user sets the app up again at the next login); nobody sees or edits a secret.
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(admin.ModelAdmin):
    # The model's names are Dutch (``apps.TotpDevicesConfig``); its help texts are
    # django-otp's English ones, so the change page shows the values through methods.
    list_display = ("user", "name", "confirmed", "created_at", "last_used_at")
    list_filter = ("confirmed",)
    fields = ("device_user", "device_name", "device_confirmed", "device_created", "device_used")
    readonly_fields = fields
    search_fields = ("user__username",)
    search_help_text = _("Zoek op gebruikersnaam.")

    @admin.display(description=_("Gebruiker"))
    def device_user(self, obj):
        return obj.user

    @admin.display(description=_("Naam"))
    def device_name(self, obj):
        return obj.name

    @admin.display(description=_("In gebruik genomen"), boolean=True)
    def device_confirmed(self, obj):
        return obj.confirmed

    @admin.display(description=_("Aangemaakt op"))
    def device_created(self, obj):
        return obj.created_at

    @admin.display(description=_("Laatst gebruikt op"))
    def device_used(self, obj):
        return obj.last_used_at

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
