"""Single sign-on pages: start the login at the identity provider, come back, log out.

Thin wrappers round mozilla-django-oidc's views (docs/security.md, "Single sign-on"). Both
URLs exist always and are a 404 while single sign-on is not configured. After a successful
login the two-factor middleware still asks for the code where it applies.
"""

from typing import Any
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from bwmo.audit.services import access_log_account_event


def _require_enabled() -> None:
    if not settings.BWMO_OIDC_ENABLED:
        raise Http404("Single sign-on is not configured.")


class SsoStartView(OIDCAuthenticationRequestView):
    """To the identity provider, with state, nonce and a PKCE challenge in the session."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        _require_enabled()
        return super().dispatch(request, *args, **kwargs)


class SsoCallbackView(OIDCAuthenticationCallbackView):
    """Back from the identity provider: log in, or say plainly why not."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        _require_enabled()
        try:
            return super().dispatch(request, *args, **kwargs)
        except SuspiciousOperation:
            # A state that is not ours (an old tab, a replay, a forged link) or a token
            # that does not check out: nothing is logged in.
            return self._failure(
                _(
                    "De inlogpoging kon niet worden gecontroleerd: de link is verlopen, al "
                    "gebruikt of niet van bwmo. Begin opnieuw met de knop hieronder."
                )
            )
        except requests.RequestException:
            return self._failure(
                _(
                    "De inlogdienst van uw organisatie gaf geen (geldig) antwoord. Probeer het "
                    "over een paar minuten opnieuw, of log in met uw gebruikersnaam en "
                    "wachtwoord van bwmo als u die heeft."
                )
            )

    def _failure(self, message: str) -> HttpResponseBase:
        messages.error(self.request, message)
        return redirect("login")

    def login_failure(self) -> HttpResponseBase:
        refusal = getattr(self.request, "bwmo_sso_refusal", "")
        if refusal:
            return self._failure(refusal)
        if self.request.GET.get("error"):
            return self._failure(
                _(
                    "Het inloggen bij uw organisatie is afgebroken of geweigerd. U bent niet "
                    "ingelogd bij bwmo."
                )
            )
        return self._failure(
            _(
                "Inloggen via uw organisatie is niet gelukt (het account is niet actief of de "
                "inlogpoging is verlopen). Probeer het opnieuw."
            )
        )

    def login_success(self) -> HttpResponseBase:
        response = super().login_success()
        access_log_account_event(
            user=self.user,
            what="inloggen via single sign-on",
            why=f"identiteitsprovider {settings.BWMO_OIDC_ISSUER}"[:200],
        )
        return response


class LogoutView(auth_views.LogoutView):
    """Django's logout; after a single sign-on login also to the identity provider's
    end-session endpoint when one is configured (RP-initiated logout)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        id_token = request.session.get("oidc_id_token")
        response = super().post(request, *args, **kwargs)
        end_session = settings.BWMO_OIDC_END_SESSION_ENDPOINT
        if settings.BWMO_OIDC_ENABLED and end_session and id_token:
            query = urlencode(
                {
                    "id_token_hint": id_token,
                    "post_logout_redirect_uri": request.build_absolute_uri(reverse("login")),
                    "client_id": settings.OIDC_RP_CLIENT_ID,
                }
            )
            return HttpResponseRedirect(f"{end_session}?{query}")
        return response
