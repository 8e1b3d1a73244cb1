"""API clients in beheer: registered per organisation with scopes; the token is shown once,
on the page right after saving, and never again (only its hash is kept)."""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import ApiClient
from .scopes import SCOPE_CHOICES, SCOPES
from .services import (
    api_client_check_scopes,
    api_client_new_secret,
    api_client_register,
    api_client_update,
)


class ApiClientForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("scopes"),
        choices=SCOPE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=gettext_lazy(
            "Een scope met persoonsgegevens (cliënten) kan alleen een superuser toekennen."
        ),
    )

    editor = None

    class Meta:
        model = ApiClient
        fields = ["name", "organisation", "scopes", "rate_per_minute", "is_active"]

    def clean_scopes(self) -> list[str]:
        return api_client_check_scopes(scopes=self.cleaned_data["scopes"], by=self.editor)

    def clean(self) -> dict:
        data = super().clean() or {}
        organisation = data.get("organisation") or getattr(self.instance, "organisation", None)
        if "scopes" in data and organisation is not None:
            try:
                api_client_check_scopes(
                    scopes=data["scopes"], by=self.editor, organisation=organisation
                )
            except forms.ValidationError as error:
                self.add_error("scopes", error)
        return data


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    form = ApiClientForm
    list_display = ["name", "key", "organisation", "scope_labels", "rate_per_minute", "is_active"]
    list_filter = ["is_active", "organisation"]
    search_fields = ["name", "key"]
    search_help_text = gettext_lazy("Zoek op naam of client-id.")
    readonly_fields = ["key", "created_at", "created_by"]
    actions = ["new_secret"]

    @admin.display(description=gettext_lazy("scopes"))
    def scope_labels(self, obj: ApiClient) -> str:
        """The scopes in words, as the form offers them (not the stored list)."""
        return "; ".join(
            str(SCOPES[name].label) if name in SCOPES else name for name in obj.scopes or []
        )

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "organisation"] if obj is not None else fields

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the access log names the client's account: deactivate instead

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.editor = request.user
        return form

    def save_model(self, request, obj, form, change) -> None:
        data = form.cleaned_data
        if change:
            api_client_update(
                api_client=obj,
                name=data["name"],
                scopes=data["scopes"],
                is_active=data["is_active"],
                rate_per_minute=data["rate_per_minute"],
                by=request.user,
            )
            return
        client, token = api_client_register(
            name=data["name"],
            organisation=data["organisation"],
            scopes=data["scopes"],
            rate_per_minute=data["rate_per_minute"],
            by=request.user,
        )
        obj.__dict__.update({k: v for k, v in client.__dict__.items() if k != "_state"})
        obj._state.adding = False
        obj._token = token

    def response_add(self, request, obj, post_url_continue=None):
        return self._token_page(request, obj)

    def _token_page(self, request, obj):
        return TemplateResponse(
            request,
            "api/token_once.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Token van API-client %(name)s") % {"name": obj.name},
                "client": obj,
                "token": obj._token,
                "opts": self.model._meta,
            },
        )

    @admin.action(description=gettext_lazy("Nieuw geheim maken (het oude vervalt)"))
    def new_secret(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Kies precies één API-client."), level=messages.ERROR)
            return None
        client = queryset.get()
        client._token = api_client_new_secret(api_client=client)
        return self._token_page(request, client)
