from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from .models import ApiClient


class HasScope(BasePermission):
    """The API client holds the scope the view asks for this request (``required_scope``, or
    ``scope_for`` when a method asks another); its account's permissions follow."""

    message = "Deze API-client heeft niet de scope die dit endpoint vraagt."

    def has_permission(self, request: Request, view) -> bool:
        client = request.auth
        if not isinstance(client, ApiClient):
            return False
        scope_for = getattr(view, "scope_for", None)
        scope = scope_for(request) if scope_for is not None else view.required_scope
        return scope in client.request_scopes
