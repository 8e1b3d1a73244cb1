"""OAuth2 client credentials (RFC 6749 §4.4) beside the static bearer token: the token
endpoint, its errors (§5.2), the short-lived access token (stored hashed) and its scopes."""

import base64
from datetime import timedelta

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from bwmo.api.models import ApiAccessToken
from bwmo.api.scopes import AGGREGATES_READ, CLIENTS_READ, IWMO_READ
from bwmo.api.services import ACCESS_TOKEN_SECONDS, access_token_hash, api_client_update
from tests.factories import granted_client

URL = "/api/v1/oauth/token"


def credentials(caller) -> tuple[str, str]:
    key, _dot, secret = caller.token.partition(".")
    return key, secret


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def form_post(data: dict, **headers):
    from urllib.parse import urlencode

    return HttpClient().post(
        URL, urlencode(data), content_type="application/x-www-form-urlencoded", **headers
    )


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def assert_oauth_error(response, status: int, error: str) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["error"] == error and body["error_description"]
    return body


def test_client_credentials_by_basic_give_a_short_lived_token_for_all_scopes(callers, region_setup):
    bw = granted_client(region_setup)
    client_id, secret = credentials(callers["assen"])
    response = form_post(
        {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=basic(client_id, secret)
    )
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "no-store" and response["Pragma"] == "no-cache"
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == ACCESS_TOKEN_SECONDS
    assert set(body["scope"].split()) == {CLIENTS_READ, IWMO_READ, AGGREGATES_READ}
    token = body["access_token"]
    # Only its hash is stored.
    stored = ApiAccessToken.objects.get()
    assert stored.token_hash == access_token_hash(token) and token not in stored.token_hash
    # It works as a bearer, with the API client's account as the actor.
    listed = HttpClient().get("/api/v1/clients", **bearer(token))
    assert listed.status_code == 200
    assert str(bw.pseudonym) in listed.content.decode()


def test_form_credentials_and_a_narrower_scope(callers, region_setup):
    client_id, secret = credentials(callers["assen"])
    response = form_post(
        {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": secret,
            "scope": AGGREGATES_READ,
        }
    )
    assert response.status_code == 200, response.content
    assert response.json()["scope"] == AGGREGATES_READ
    token = response.json()["access_token"]
    # The token carries only the scope asked for.
    assert HttpClient().get("/api/v1/clients", **bearer(token)).status_code == 403
    figures = HttpClient().get("/api/v1/monitor-figures", {"region": "GM0106"}, **bearer(token))
    assert figures.status_code == 200


def test_a_scope_the_client_was_not_registered_with_is_refused(callers):
    client_id, secret = credentials(callers["assen_aggregates"])
    for scope, word in ((CLIENTS_READ, "niet geregistreerd"), ("alles:schrijven", "onbekend")):
        response = form_post(
            {"grant_type": "client_credentials", "scope": scope},
            HTTP_AUTHORIZATION=basic(client_id, secret),
        )
        assert word in assert_oauth_error(response, 400, "invalid_scope")["error_description"]
    assert not ApiAccessToken.objects.exists()


@pytest.mark.parametrize(
    ("data", "auth", "status", "error"),
    [
        ({}, True, 400, "invalid_request"),
        ({"grant_type": "password"}, True, 400, "unsupported_grant_type"),
        ({"grant_type": "client_credentials"}, False, 401, "invalid_client"),
        ({"grant_type": "client_credentials", "client_id": "x"}, True, 400, "invalid_request"),
    ],
)
def test_rfc6749_errors(callers, data, auth, status, error):
    client_id, secret = credentials(callers["assen"])
    headers = {"HTTP_AUTHORIZATION": basic(client_id, secret)} if auth else {}
    assert_oauth_error(form_post(data, **headers), status, error)


def test_a_wrong_secret_or_a_revoked_client_is_invalid_client(callers, superuser):
    caller = callers["assen"]
    client_id, secret = credentials(caller)
    wrong = form_post(
        {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=basic(client_id, "fout")
    )
    assert_oauth_error(wrong, 401, "invalid_client")
    assert wrong["WWW-Authenticate"].startswith("Basic")
    unreadable = form_post({"grant_type": "client_credentials"}, HTTP_AUTHORIZATION="Basic %%%")
    assert_oauth_error(unreadable, 401, "invalid_client")
    form = form_post(
        {"grant_type": "client_credentials", "client_id": client_id, "client_secret": "fout"}
    )
    assert_oauth_error(form, 401, "invalid_client")
    # A token issued before the client is revoked stops working with it.
    good = form_post(
        {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=basic(client_id, secret)
    ).json()["access_token"]
    api_client_update(
        api_client=caller.api_client,
        name="Koppeling assen",
        scopes=caller.api_client.scopes,
        is_active=False,
        rate_per_minute=120,
        by=superuser,
    )
    assert HttpClient().get("/api/v1/clients", **bearer(good)).status_code == 401
    revoked = form_post(
        {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=basic(client_id, secret)
    )
    assert_oauth_error(revoked, 401, "invalid_client")


def test_an_expired_token_is_401_and_a_scope_taken_away_is_gone_from_the_token(callers, superuser):
    caller = callers["assen"]
    client_id, secret = credentials(caller)
    token = form_post(
        {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=basic(client_id, secret)
    ).json()["access_token"]
    api_client_update(
        api_client=caller.api_client,
        name="Koppeling assen",
        scopes=[AGGREGATES_READ],
        is_active=True,
        rate_per_minute=120,
        by=superuser,
    )
    assert HttpClient().get("/api/v1/clients", **bearer(token)).status_code == 403
    ApiAccessToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = HttpClient().get("/api/v1/clients", **bearer(token))
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_the_token_endpoint_takes_a_form_only_and_no_get(callers):
    client_id, secret = credentials(callers["assen"])
    as_json = HttpClient().post(
        URL,
        {"grant_type": "client_credentials"},
        content_type="application/json",
        HTTP_AUTHORIZATION=basic(client_id, secret),
    )
    assert as_json.status_code == 415
    assert HttpClient().get(URL).status_code == 405
    assert not ApiAccessToken.objects.exists()
