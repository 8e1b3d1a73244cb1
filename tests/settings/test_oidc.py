"""Single sign-on is configured by environment variables only, and off without them."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from bwmo.rules.sso import ClaimMapping
from bwmo.settings.oidc import BACKEND, MODEL_BACKEND, oidc_settings

ENVIRONMENT = {
    "BWMO_OIDC_ISSUER": "https://login.gemeente.example/oidc",
    "BWMO_OIDC_CLIENT_ID": "bwmo",
    "BWMO_OIDC_CLIENT_SECRET": "s3cr3t",
    "BWMO_OIDC_AUTHORIZATION_ENDPOINT": "https://login.gemeente.example/oidc/authorize",
    "BWMO_OIDC_TOKEN_ENDPOINT": "https://login.gemeente.example/oidc/token",
    "BWMO_OIDC_USERINFO_ENDPOINT": "https://login.gemeente.example/oidc/userinfo",
    "BWMO_OIDC_JWKS_ENDPOINT": "https://login.gemeente.example/oidc/jwks",
    "BWMO_OIDC_ORGANISATIONS": "GM0106=Gemeente Assen",
    "BWMO_OIDC_ROLES": "toegang=Toegangsmedewerker",
}


def test_off_without_an_issuer():
    settings = oidc_settings({})
    assert settings["BWMO_OIDC_ENABLED"] is False
    assert settings["AUTHENTICATION_BACKENDS"] == [MODEL_BACKEND]


def test_on_with_pkce_nonce_and_the_mapping():
    settings = oidc_settings(ENVIRONMENT)
    assert settings["BWMO_OIDC_ENABLED"] is True
    assert settings["OIDC_USE_PKCE"] is True and settings["OIDC_USE_NONCE"] is True
    assert settings["OIDC_RP_SIGN_ALGO"] == "RS256"
    assert settings["AUTHENTICATION_BACKENDS"] == [MODEL_BACKEND, BACKEND]
    assert settings["BWMO_OIDC_MAPPING"] == ClaimMapping(
        organisation_claim="bwmo_organisatie",
        role_claim="bwmo_rollen",
        organisations={"GM0106": "Gemeente Assen"},
        roles={"toegang": "Toegangsmedewerker"},
    )
    assert settings["OIDC_STORE_ID_TOKEN"] is False  # no end-session endpoint: not kept


def test_the_secret_may_come_from_a_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("uit-een-bestand\n")
    environment = {k: v for k, v in ENVIRONMENT.items() if k != "BWMO_OIDC_CLIENT_SECRET"}
    environment["BWMO_OIDC_CLIENT_SECRET_FILE"] = str(secret)
    assert oidc_settings(environment)["OIDC_RP_CLIENT_SECRET"] == "uit-een-bestand"


def test_an_issuer_without_the_rest_refuses_to_start_and_names_what_is_missing():
    with pytest.raises(ImproperlyConfigured) as refusal:
        oidc_settings({"BWMO_OIDC_ISSUER": "https://login.gemeente.example/oidc"})
    message = str(refusal.value)
    for name in ("BWMO_OIDC_CLIENT_ID", "BWMO_OIDC_TOKEN_ENDPOINT", "BWMO_OIDC_ROLES"):
        assert name in message


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("BWMO_OIDC_ROLES", "toegang", "BWMO_OIDC_ROLES: expected value=name"),
        ("BWMO_OIDC_ORGANISATIONS", " ; ", "BWMO_OIDC_ORGANISATIONS maps no value"),
        ("BWMO_OIDC_CLIENT_SECRET", "", "BWMO_OIDC_CLIENT_SECRET or BWMO_OIDC_CLIENT_SECRET_FILE"),
    ],
)
def test_a_mapping_or_secret_that_cannot_be_read_is_named(name, value, expected):
    with pytest.raises(ImproperlyConfigured, match=expected):
        oidc_settings({**ENVIRONMENT, name: value})
