"""The one writer of API clients (and of the accounts they act through)."""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from bwmo.accounts.selectors import user_rights
from bwmo.accounts.services import user_rights_record
from bwmo.organisations.models import Organisation

from .models import (
    DEFAULT_RATE_PER_MINUTE,
    ApiAccessToken,
    ApiClient,
    ApiRequestWindow,
    new_key,
)
from .scopes import PROVIDER_ONLY, SCOPES


def api_client_check_scopes(
    *, scopes: list[str], by, organisation: Organisation | None = None
) -> list[str]:
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ValidationError(
            _("Onbekende scope: %(scopes)s. Kies uit: %(known)s.")
            % {"scopes": ", ".join(unknown), "known": ", ".join(SCOPES)}
        )
    provider_only = sorted(set(scopes) & PROVIDER_ONLY)
    if (
        provider_only
        and organisation is not None
        and (organisation.kind != Organisation.Kind.AANBIEDER or organisation.provider_id is None)
    ):
        raise ValidationError(
            _(
                "De scope %(scopes)s is alleen voor een API-client van een aanbieder; "
                "%(organisation)s is geen aanbieder."
            )
            % {"scopes": ", ".join(provider_only), "organisation": organisation.name}
        )
    personal = [s for s in scopes if SCOPES[s].personal_data]
    if personal and not getattr(by, "is_superuser", False):
        raise ValidationError(
            _(
                "Alleen een superuser geeft een API-client toegang tot persoonsgegevens "
                "(scope %(scopes)s)."
            )
            % {"scopes": ", ".join(personal)}
        )
    # As for any account (accounts.selectors): nobody grants a permission they lack.
    lacking = sorted(
        {
            name
            for scope in scopes
            for name in SCOPES[scope].permissions
            if not getattr(by, "is_superuser", False) and not by.has_perm(name)
        }
    )
    if lacking:
        raise ValidationError(
            _(
                "Deze scopes geven rechten die u zelf niet heeft (%(permissions)s). "
                "Vraag een superuser om dit te doen."
            )
            % {"permissions": ", ".join(lacking)}
        )
    return sorted(set(scopes))


def _permissions(scopes: list[str]) -> list[Permission]:
    query = Q(pk__in=[])
    for scope in scopes:
        for name in SCOPES[scope].permissions:
            app_label, codename = name.split(".")
            query |= Q(content_type__app_label=app_label, codename=codename)
    return list(Permission.objects.filter(query))


def _secret() -> str:
    return secrets.token_urlsafe(32)


def api_client_register(
    *,
    name: str,
    organisation: Organisation,
    scopes: list[str],
    by,
    rate_per_minute: int = DEFAULT_RATE_PER_MINUTE,
) -> tuple[ApiClient, str]:
    """Register an API client; returns it with its token ``<client-id>.<secret>``, which is
    shown once: only the secret's hash is kept."""
    scopes = api_client_check_scopes(scopes=scopes, by=by, organisation=organisation)
    key = new_key()
    secret = _secret()
    with transaction.atomic():
        account = get_user_model().objects.create(
            username=f"api-{key}", first_name="API-client", last_name=name[:150]
        )
        account.set_unusable_password()
        account.save(update_fields=["password"])
        before = user_rights(user=account)
        account.organisations.set([organisation])
        account.user_permissions.set(_permissions(scopes))
        # The account's rights are recorded (and checked) as for any user.
        user_rights_record(editor=by, user=account, before=before)
        client = ApiClient.objects.create(
            key=key,
            name=name,
            organisation=organisation,
            account=account,
            scopes=scopes,
            secret_hash=make_password(secret),
            rate_per_minute=rate_per_minute,
            created_by=by if getattr(by, "pk", None) else None,
        )
    return client, f"{key}.{secret}"


def api_client_update(
    *,
    api_client: ApiClient,
    name: str,
    scopes: list[str],
    is_active: bool,
    rate_per_minute: int,
    by,
) -> ApiClient:
    """Change an API client's name, scopes, rate or status; its account follows."""
    scopes = api_client_check_scopes(scopes=scopes, by=by, organisation=api_client.organisation)
    with transaction.atomic():
        client = ApiClient.objects.select_for_update().get(pk=api_client.pk)
        client.name = name
        client.scopes = scopes
        client.is_active = is_active
        client.rate_per_minute = rate_per_minute
        client.save()
        account = client.account
        before = user_rights(user=account)
        account.is_active = is_active
        account.last_name = name[:150]
        account.save(update_fields=["is_active", "last_name"])
        account.user_permissions.set(_permissions(scopes))
        account.organisations.set([client.organisation])
        user_rights_record(editor=by, user=account, before=before)
    return client


def api_client_new_secret(*, api_client: ApiClient) -> str:
    """A new secret for the client (the old one stops working); returns the new token."""
    secret = _secret()
    with transaction.atomic():
        ApiClient.objects.filter(pk=api_client.pk).update(secret_hash=make_password(secret))
    return f"{api_client.key}.{secret}"


def api_request_count(*, api_client: ApiClient, now: datetime) -> int:
    """Count one request of the client in the minute of ``now``; returns the minute's count.

    The count is one ``UPDATE … SET count = count + 1`` in the database, so server processes
    that run side by side count against the same limit. The client's earlier minutes are
    removed when its next minute begins."""
    window = now.replace(second=0, microsecond=0)
    this_minute = ApiRequestWindow.objects.filter(api_client=api_client, starts_at=window)
    with transaction.atomic():
        if not this_minute.update(count=F("count") + 1):
            try:
                with transaction.atomic():
                    ApiRequestWindow.objects.create(
                        api_client=api_client, starts_at=window, count=1
                    )
            except IntegrityError:  # another process began the minute at the same moment
                this_minute.update(count=F("count") + 1)
            ApiRequestWindow.objects.filter(api_client=api_client, starts_at__lt=window).delete()
        return this_minute.values_list("count", flat=True).get()


# How long an access token of the OAuth2 token endpoint lasts.
ACCESS_TOKEN_SECONDS = 600


def access_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def api_access_token_issue(
    *, api_client: ApiClient, scopes: list[str], now: datetime
) -> tuple[str, ApiAccessToken]:
    """A short-lived access token (OAuth2 client credentials) for these scopes, which the
    caller has checked are the client's. Only the token's hash is stored; the client's
    expired tokens are removed."""
    token = secrets.token_urlsafe(32)  # no '.': never taken for a static token
    with transaction.atomic():
        ApiAccessToken.objects.filter(api_client=api_client, expires_at__lte=now).delete()
        record = ApiAccessToken.objects.create(
            api_client=api_client,
            token_hash=access_token_hash(token),
            scopes=sorted(set(scopes)),
            created_at=now,
            expires_at=now + timedelta(seconds=ACCESS_TOKEN_SECONDS),
        )
    return token, record
