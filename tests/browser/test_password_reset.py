"""Forgotten password in a browser: from the login page to "kijk in uw e-mail"."""

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from .conftest import assert_accessible, screenshot, url

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.browser
def test_forgotten_password_from_the_login_page(a11y_page: Page, live_server, region_setup):
    page = a11y_page
    user = region_setup.users["toegang_assen"]
    user.email = "s.degroot@assen.example"
    user.save(update_fields=["email"])
    page.goto(url(live_server, "login"))
    page.get_by_role("link", name="Wachtwoord vergeten?").click()
    expect(page.get_by_role("heading", name="Wachtwoord vergeten")).to_be_visible()
    screenshot(page, "password-reset-form")
    assert_accessible(page, "password-reset-form")
    page.get_by_label("E-mailadres").fill(user.email)
    page.get_by_role("button", name="Stuur de link").click()
    expect(page.get_by_role("heading", name="Kijk in uw e-mail")).to_be_visible()
    screenshot(page, "password-reset-done")
    assert len(mail.outbox) == 1
