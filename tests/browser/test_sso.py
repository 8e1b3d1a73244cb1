"""Single sign-on in a browser: the button on the login page, the provider, back in bwmo.

The provider is the real one of ``tests/accounts/test_sso.py`` (django-oidc-provider in a
second process on a loopback port); only bwmo's pages are checked with axe.
"""

import pytest
from django.test import override_settings
from playwright.sync_api import Page, expect

from bwmo.accounts.models import User
from tests.oidc_idp.harness import PASSWORD, running_provider

from .conftest import assert_accessible, screenshot, url

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(scope="module")
def provider(live_server, tmp_path_factory):
    with running_provider(
        bwmo_url=live_server.url, directory=tmp_path_factory.mktemp("idp")
    ) as running:
        yield running


@pytest.fixture
def sso(provider, region_setup):
    with override_settings(**provider.settings()):
        yield provider


def log_in_at_the_provider(page: Page, username: str) -> None:
    expect(page.get_by_role("heading", name="Inloggen bij de testgemeente")).to_be_visible()
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()


@pytest.mark.browser
def test_log_in_with_the_organisation_account_and_out_again(a11y_page: Page, live_server, sso):
    page = a11y_page
    page.goto(url(live_server, "login"))
    expect(page.get_by_role("heading", name="Met uw organisatie")).to_be_visible()
    button = page.get_by_role("link", name="Inloggen met uw gemeente-account")
    expect(button).to_be_visible()
    # The local login stays beside it.
    expect(page.get_by_label("Gebruikersnaam")).to_be_visible()
    screenshot(page, "login-sso")
    assert_accessible(page, "login-sso")

    button.click()
    log_in_at_the_provider(page, "t.jansen")

    expect(page.get_by_role("heading", name="Goedendag, Tessa")).to_be_visible()
    assert page.url == f"{live_server.url}/"
    assert User.objects.get(username="t.jansen").groups.get().name == "Toegangsmedewerker"

    page.get_by_role("button", name="Uitloggen").click()
    expect(page.get_by_role("heading", name="Inloggen", exact=True)).to_be_visible()
    assert page.url == url(live_server, "login")


@pytest.mark.browser
def test_an_unknown_role_is_refused_with_a_clear_message(a11y_page: Page, live_server, sso):
    page = a11y_page
    page.goto(url(live_server, "login"))
    page.get_by_role("link", name="Inloggen met uw gemeente-account").click()
    log_in_at_the_provider(page, "x.onbekend")

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("De rol “directeur” is in bwmo niet bekend.")
    expect(alert).to_contain_text("U bent niet ingelogd en er is geen account aangemaakt.")
    assert page.url == url(live_server, "login")
    screenshot(page, "login-sso-refused")
    assert_accessible(page, "login-sso-refused")
    assert not User.objects.filter(username="x.onbekend").exists()
