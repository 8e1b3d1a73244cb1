from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from .models import ApiClient
from .selectors import api_access_token_authenticate, api_client_authenticate


class BearerAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <client-id>.<secret>`` (the static token from beheer) or
    ``Bearer <access token>`` (from the OAuth2 token endpoint, without a dot): the API
    client's account is the user."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[object, ApiClient] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Het Authorization-header moet 'Bearer <client-id>.<geheim>' zijn."
            )
        try:
            token = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("Het token is ongeldig.") from None
        if "." in token:
            client = api_client_authenticate(token=token)
        else:
            client = api_access_token_authenticate(token=token, now=timezone.now())
        if client is None:
            raise exceptions.AuthenticationFailed("Het token is ongeldig of ingetrokken.")
        return client.account, client

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'
