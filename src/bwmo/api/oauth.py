"""The OAuth2 token endpoint (RFC 6749 §4.4, client credentials): a registered API client
trades its client-id and secret for a short-lived access token, for all or some of its
scopes. Its errors are those of RFC 6749 §5.2 (``error``, ``error_description``, as
``application/json``), with the members of a problem (RFC 9457) beside them."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote_plus

from django.http import QueryDict
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.parsers import FormParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from .problems import TITLES
from .scopes import SCOPES
from .selectors import api_client_by_credentials
from .services import ACCESS_TOKEN_SECONDS, api_access_token_issue
from .views import ApiView

GRANT_TYPE = "client_credentials"


def oauth_error(code: str, description: str, *, status: int = 400, basic: bool = False):
    headers = {"WWW-Authenticate": 'Basic realm="api"'} if basic else None
    body = {
        "error": code,
        "error_description": description,
        "type": "about:blank",
        "title": TITLES.get(status, "Fout"),
        "status": status,
        "detail": description,
    }
    return Response(body, status=status, headers=headers, content_type="application/json")


def _basic_credentials(request: Request) -> tuple[str, str] | bool | None:
    """(client-id, secret) from ``Authorization: Basic``; None without that header, False
    when it cannot be read."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _space, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        return False
    # RFC 6749 §2.3.1: both are form-urlencoded before they are put in the header.
    return unquote_plus(client_id), unquote_plus(secret)


@extend_schema(exclude=True)
class OAuthToken(ApiView):
    """``POST /api/v1/oauth/token`` with ``grant_type=client_credentials``."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []
    parser_classes = [FormParser]
    pagination_class = None

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        return response

    def post(self, request: Request) -> Response:
        data = request.data
        if not isinstance(data, QueryDict):  # an empty body
            data = QueryDict()
        for name in ("grant_type", "scope", "client_id", "client_secret"):
            if len(data.getlist(name)) > 1:
                return oauth_error("invalid_request", f"Parameter {name} staat er meer dan eens.")
        grant_type = data.get("grant_type", "")
        if not grant_type:
            return oauth_error("invalid_request", "Parameter grant_type ontbreekt.")
        if grant_type != GRANT_TYPE:
            return oauth_error(
                "unsupported_grant_type", f"Alleen grant_type={GRANT_TYPE} wordt ondersteund."
            )
        basic = _basic_credentials(request)
        in_form = "client_id" in data or "client_secret" in data
        if basic is not None and in_form:
            return oauth_error(
                "invalid_request",
                "Geef de client-credentials op één manier: HTTP Basic of het formulier.",
            )
        if basic is False:
            return oauth_error(
                "invalid_client", "Het Basic-header is onleesbaar.", status=401, basic=True
            )
        if isinstance(basic, tuple):
            client_id, secret = basic
        else:
            client_id, secret = data.get("client_id", ""), data.get("client_secret", "")
        if not client_id or not secret:
            return oauth_error(
                "invalid_client",
                "Client-id en geheim ontbreken (HTTP Basic of client_id en client_secret).",
                status=401,
                basic=True,
            )
        client = api_client_by_credentials(client_id=client_id, secret=secret)
        if client is None:
            return oauth_error(
                "invalid_client",
                "Onbekende client-id, verkeerd geheim of ingetrokken API-client.",
                status=401,
                basic=isinstance(basic, tuple),
            )
        asked = data.get("scope", "").split()
        if asked:
            unknown = sorted(s for s in set(asked) if s not in SCOPES)
            not_granted = sorted(s for s in set(asked) if s in SCOPES and s not in client.scopes)
            if unknown or not_granted:
                parts = []
                if unknown:
                    parts.append(f"onbekend: {', '.join(unknown)}")
                if not_granted:
                    parts.append(
                        f"niet geregistreerd voor deze API-client: {', '.join(not_granted)}"
                    )
                return oauth_error("invalid_scope", f"Scope {'; '.join(parts)}.")
        scopes = sorted(set(asked)) if asked else sorted(client.scopes)
        now = timezone.now()
        token, _record = api_access_token_issue(api_client=client, scopes=scopes, now=now)
        return Response(
            {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": ACCESS_TOKEN_SECONDS,
                "scope": " ".join(scopes),
            }
        )
