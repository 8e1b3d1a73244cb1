"""Reading API clients: who is calling."""

from datetime import datetime

from django.contrib.auth.hashers import check_password, make_password

from bwmo.organisations.models import Organisation, Provider

from .models import ApiAccessToken, ApiClient


def api_client_authenticate(*, token: str) -> ApiClient | None:
    """The active API client whose token this is, or None."""
    key, dot, secret = token.partition(".")
    if not dot or not key or not secret or len(token) > 200:
        return None
    client = (
        ApiClient.objects.select_related("account", "organisation")
        .filter(key=key, is_active=True, account__is_active=True)
        .first()
    )
    if client is None:
        make_password(secret)  # the same work as for a known key: no timing hint
        return None
    if not check_password(secret, client.secret_hash):
        return None
    return client


def api_client_provider(*, api_client: ApiClient) -> Provider | None:
    """The provider an API client acts for: its organisation's, if that is a provider."""
    organisation = api_client.organisation
    if organisation.kind != Organisation.Kind.AANBIEDER:
        return None
    return organisation.provider


def api_client_by_credentials(*, client_id: str, secret: str) -> ApiClient | None:
    """The active API client with this client-id and secret (OAuth2 client credentials)."""
    if "." in client_id:
        return None
    return api_client_authenticate(token=f"{client_id}.{secret}")


def api_access_token_authenticate(*, token: str, now: datetime) -> ApiClient | None:
    """The active API client of this unexpired access token, carrying the token's scopes
    (those the client still holds), or None."""
    from .services import access_token_hash

    if not token or len(token) > 200:
        return None
    record = (
        ApiAccessToken.objects.select_related(
            "api_client", "api_client__account", "api_client__organisation"
        )
        .filter(
            token_hash=access_token_hash(token),
            expires_at__gt=now,
            api_client__is_active=True,
            api_client__account__is_active=True,
        )
        .first()
    )
    if record is None:
        return None
    client = record.api_client
    client.granted_scopes = [s for s in record.scopes if s in client.scopes]
    return client
