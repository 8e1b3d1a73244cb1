from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from .models import ApiClient


class HasScope(BasePermission):
    """The API client holds the view's ``required_scope`` (its account's permissions follow)."""

    message = "Deze API-client heeft niet de scope die dit endpoint vraagt."

    def has_permission(self, request: Request, view) -> bool:
        client = request.auth
        if not isinstance(client, ApiClient):
            return False
        return view.required_scope in client.scopes
