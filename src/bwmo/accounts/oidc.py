"""The authentication backend of single sign-on (OpenID Connect, mozilla-django-oidc).

mozilla-django-oidc runs the authorisation-code flow with PKCE, checks state, nonce and the
ID token's signature. This backend adds what bwmo needs on top: the ID token's issuer and
audience are checked, the account is found by issuer and subject (never by e-mail address),
and the claims are mapped to an organisation and roles by ``bwmo.rules.sso`` and checked by
``sso_grant_refusals`` before anything is written. A refusal is left on the request for the
callback view to show (``request.bwmo_sso_refusal``, Dutch).
"""

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from bwmo.rules.sso import MappedAccount, Refusal, RefusalReason, map_claims

from .models import User
from .selectors import sso_account_for, sso_grant_refusals
from .services import sso_account_sync

logger = logging.getLogger(__name__)


def refusal_message(refusal: Refusal) -> str:
    """The Dutch explanation of a refused mapping, for the login page."""
    mapping = settings.BWMO_OIDC_MAPPING
    values = ", ".join(f"“{value}”" for value in refusal.values)
    messages = {
        RefusalReason.NO_ORGANISATION: _(
            "Uw organisatie gaf bij het inloggen geen organisatie door (het gegeven "
            "“%(claim)s” ontbreekt)."
        ),
        RefusalReason.SEVERAL_ORGANISATIONS: _(
            "Uw organisatie gaf meer dan één organisatie door (%(values)s); bwmo weet niet "
            "namens welke u werkt."
        ),
        RefusalReason.UNKNOWN_ORGANISATION: _(
            "De organisatie %(values)s is niet aangesloten op bwmo."
        ),
        RefusalReason.NO_ROLE: _(
            "Uw organisatie gaf bij het inloggen geen rol door (het gegeven “%(claim)s” ontbreekt)."
        ),
        RefusalReason.UNKNOWN_ROLE: _("De rol %(values)s is in bwmo niet bekend."),
    }
    claim = (
        mapping.organisation_claim
        if refusal.reason
        in {
            RefusalReason.NO_ORGANISATION,
            RefusalReason.SEVERAL_ORGANISATIONS,
            RefusalReason.UNKNOWN_ORGANISATION,
        }
        else mapping.role_claim
    )
    return (
        messages[refusal.reason] % {"values": values, "claim": claim}
        + " "
        + _(
            "U bent niet ingelogd en er is geen account aangemaakt. Vraag de beheerder van "
            "uw accounts om uw organisatie en rol voor bwmo na te kijken."
        )
    )


class ClaimMappingBackend(OIDCAuthenticationBackend):
    """Single sign-on logins only (the callback URL); password logins go to ModelBackend."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if request is None or not settings.BWMO_OIDC_ENABLED:
            return None
        if username is not None or password is not None:
            return None  # a password login: never exchange a code on its behalf
        if request.path != reverse("sso_callback"):
            return None
        return super().authenticate(request, **kwargs)

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        payload: dict[str, Any] = super().verify_token(token, **kwargs)
        if payload.get("iss") != settings.BWMO_OIDC_ISSUER:
            raise SuspiciousOperation("The ID token comes from another issuer.")
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if settings.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("The ID token is meant for another client.")
        return payload

    def _refuse(self, message: str, reason: str) -> None:
        self.request.bwmo_sso_refusal = message
        logger.warning("Single sign-on login refused: %s", reason)

    def get_or_create_user(
        self, access_token: str, id_token: str, payload: dict[str, Any]
    ) -> User | None:
        claims: dict[str, object] = dict(self.get_userinfo(access_token, id_token, payload))
        subject = payload.get("sub")
        if not isinstance(subject, str) or not subject or claims.get("sub") != subject:
            # OpenID Connect Core 5.3.2: the userinfo's sub must be the ID token's.
            raise SuspiciousOperation("The userinfo answer is about someone else.")
        issuer = settings.BWMO_OIDC_ISSUER
        mapped = map_claims(claims, settings.BWMO_OIDC_MAPPING)
        if isinstance(mapped, Refusal):
            self._refuse(refusal_message(mapped), f"{mapped.reason} {list(mapped.values)}")
            return None
        return self._sync(issuer=issuer, subject=subject, claims=claims, mapped=mapped)

    def _sync(
        self, *, issuer: str, subject: str, claims: dict[str, object], mapped: MappedAccount
    ) -> User | None:
        existing = sso_account_for(issuer=issuer, subject=subject)
        grant, refusals = sso_grant_refusals(
            organisation=mapped.organisation, roles=mapped.roles, user=existing
        )
        if grant is None:
            self._refuse(
                " ".join(refusals)
                + " "
                + _("U bent niet ingelogd en er is geen account aangemaakt of gewijzigd."),
                "grant refused",
            )
            return None
        return sso_account_sync(issuer=issuer, subject=subject, claims=claims, grant=grant)
