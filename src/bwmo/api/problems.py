"""Errors as problem details (RFC 9457, ``application/problem+json``), for every error the API
gives: validation errors name each invalid field in ``invalidParams``."""

import logging

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response

logger = logging.getLogger("bwmo.api")

PROBLEM_CONTENT_TYPE = "application/problem+json"

TITLES = {
    400: "Ongeldige invoer",
    401: "Niet geauthenticeerd",
    403: "Geen toegang",
    404: "Niet gevonden",
    405: "Methode niet toegestaan",
    406: "Niet aanvaardbaar",
    415: "Mediatype niet ondersteund",
    429: "Te veel verzoeken",
    500: "Interne fout",
}


def problem(
    *,
    status_code: int,
    detail: str,
    instance: str = "",
    invalid_params: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, object] = {
        "type": "about:blank",
        "title": TITLES.get(status_code, "Fout"),
        "status": status_code,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if invalid_params is not None:
        body["invalidParams"] = invalid_params
    return Response(body, status=status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def _flatten(detail, prefix: str = "") -> list[dict[str, str]]:
    """Every invalid field with its reason, from DRF's nested error details."""
    if isinstance(detail, dict):
        params = []
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "non_field_errors":
                name = prefix or "body"
            params += _flatten(value, name)
        return params
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return [
                {"name": prefix or "body", "code": getattr(item, "code", "invalid"), "reason": item}
                for item in detail
            ]
        params = []
        for index, value in enumerate(detail):
            params += _flatten(value, f"{prefix}[{index}]")
        return params
    return [
        {
            "name": prefix or "body",
            "code": getattr(detail, "code", "invalid"),
            "reason": str(detail),
        }
    ]


def exception_handler(exc: Exception, context: dict) -> Response:
    request = context.get("request")
    instance = request.path if request is not None else ""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.ValidationError):
        return problem(
            status_code=status.HTTP_400_BAD_REQUEST,
            detail="Een of meer parameters zijn ongeldig; zie invalidParams.",
            instance=instance,
            invalid_params=_flatten(exc.detail),
        )
    if isinstance(exc, exceptions.APIException):
        headers = {}
        wait = getattr(exc, "wait", None)
        if isinstance(exc, exceptions.Throttled) and wait is not None:
            headers["Retry-After"] = str(int(wait) + 1)
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            headers["WWW-Authenticate"] = 'Bearer realm="api"'
        return problem(
            status_code=exc.status_code, detail=str(exc.detail), instance=instance, headers=headers
        )
    # Anything else is our fault: logged (without request data), answered as a problem.
    logger.exception("Unhandled error in the API at %s", instance)
    return problem(
        status_code=status.HTTP_500_INTERNAL_SERVER_ERROR,
        detail="Er ging iets mis aan onze kant; probeer het later opnieuw.",
        instance=instance,
    )
