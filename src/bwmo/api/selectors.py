"""Reading API clients: who is calling."""

from django.contrib.auth.hashers import check_password, make_password

from .models import ApiClient


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
