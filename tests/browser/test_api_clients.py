"""A superuser registers an API client in beheer: chooses the organisation and the scopes,
sees the token once, never again in the list or the form, and the client then works against
the API (with the static token and through OAuth2 client credentials)."""

import base64

import pytest
from django.test import Client as HttpClient
from playwright.sync_api import Page, expect

from bwmo.accounts.models import User
from bwmo.api.models import ApiClient
from tests.factories import PASSWORD, granted_client

from .conftest import assert_accessible, login, screenshot, url

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.browser
def test_a_superuser_registers_an_api_client_and_sees_the_token_once(
    a11y_page: Page, live_server, region_setup
):
    page = a11y_page  # its context may inject axe-core for the accessibility checks
    bw = granted_client(region_setup)
    User.objects.create_superuser("root", password=PASSWORD)
    login(page, live_server, "root")

    page.goto(url(live_server, "admin:api_apiclient_add"))
    expect(page.get_by_role("heading", name="API-client toevoegen")).to_be_visible()
    page.get_by_label("Naam").fill("Zorgsysteem Testhuis")
    page.get_by_label("Organisatie").select_option(label="Stichting Testhuis")
    page.get_by_label("cliënten, meldingen, indicaties, verblijven en toewijzingen lezen").check()
    page.get_by_label("iWmo-bestanden van de eigen aanbieder versturen", exact=False).check()
    assert_accessible(page, "beheer-api-client-toevoegen")
    screenshot(page, "beheer-api-client-toevoegen")
    page.get_by_role("button", name="Opslaan", exact=True).click()

    # The token, once.
    field = page.get_by_label("Token")
    expect(field).to_be_visible()
    token = field.input_value()
    client = ApiClient.objects.get(name="Zorgsysteem Testhuis")
    assert token.startswith(f"{client.key}.") and len(token) > 40
    assert sorted(client.scopes) == ["clients:read", "iwmo:write"]
    assert client.organisation == region_setup.org["aanbieder"]
    expect(page.get_by_text("Dit is de enige keer dat het getoond wordt")).to_be_visible()
    assert_accessible(page, "beheer-api-client-token")
    screenshot(page, "beheer-api-client-token")
    secret = token.partition(".")[2]

    # The list and the form never show it again.
    page.get_by_role("link", name="Naar de API-clients").click()
    expect(page.get_by_role("link", name="Zorgsysteem Testhuis")).to_be_visible()
    assert secret not in page.content()
    screenshot(page, "beheer-api-clients")
    page.get_by_role("link", name="Zorgsysteem Testhuis").click()
    expect(page.get_by_label("Naam")).to_have_value("Zorgsysteem Testhuis")
    assert secret not in page.content()

    # The client works against the API: its provider's client, with the provider's fields.
    found = HttpClient().get(
        f"/api/v1/clients/{bw.pseudonym}", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert found.status_code == 200, found.content[:300]
    assert found.json()["bsn"] == bw.bsn and "street" not in found.json()
    # … and through OAuth2 client credentials.
    basic = base64.b64encode(f"{client.key}:{secret}".encode()).decode()
    issued = HttpClient().post(
        "/api/v1/oauth/token",
        "grant_type=client_credentials&scope=clients%3Aread",
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    assert issued.status_code == 200, issued.content[:300]
    access = issued.json()["access_token"]
    listed = HttpClient().get("/api/v1/clients", HTTP_AUTHORIZATION=f"Bearer {access}")
    assert [c["id"] for c in listed.json()["results"]] == [str(bw.pseudonym)]
