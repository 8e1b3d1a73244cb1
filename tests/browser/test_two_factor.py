"""A functioneel beheerder sets up two-factor login, logs out, logs in with password + code."""

import base64
import re

import pytest
from django.test import override_settings
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from tests import factories

from .conftest import assert_accessible, login, logout, screenshot, url

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def current_code(secret: str, *, after: int | None = None) -> str:
    """What an authenticator app with ``secret`` shows now (a later step than ``after``)."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    totp = TOTP(key)
    if after is not None and totp.t() <= after:
        totp.time = (after + 1) * 30  # the next code: the app's previous one is used up
    return f"{totp.token():06d}"


@pytest.mark.browser
@override_settings(BWMO_TWO_FACTOR_ENFORCED=True)
def test_beheerder_enrols_logs_out_and_logs_in_with_a_code(
    a11y_page: Page, live_server, region_setup
):
    page = a11y_page
    login(page, live_server, "beheer")
    # Before anything else: the set-up page, even when asking for beheer.
    page.goto(live_server.url + "/beheer/")
    expect(page.get_by_role("heading", name="Tweestapsverificatie")).to_be_visible()
    expect(page.get_by_text("Voor uw rol is tweestapsverificatie verplicht")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("QR-code"))).to_be_visible()
    screenshot(page, "two-factor-enrol")
    assert_accessible(page, "two-factor-enrol")
    secret = page.locator(".totp-secret").inner_text().replace(" ", "")

    page.get_by_label("Code uit de app").fill("000000")
    page.get_by_role("button", name="Tweestapsverificatie aanzetten").click()
    expect(page.get_by_text("Deze code klopt niet").first).to_be_visible()

    page.get_by_label("Code uit de app").fill(current_code(secret))
    page.get_by_role("button", name="Tweestapsverificatie aanzetten").click()
    expect(page.get_by_role("heading", name="Uw herstelcodes")).to_be_visible()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    screenshot(page, "two-factor-recovery-codes")
    used_t = TOTP(base64.b32decode(secret + "=" * (-len(secret) % 8))).t()
    logout(page)

    page.goto(url(live_server, "login"))
    page.get_by_label("Gebruikersnaam").fill("beheer")
    page.get_by_label("Wachtwoord").fill(factories.PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", name="Inloggen: tweede stap")).to_be_visible()
    screenshot(page, "two-factor-code-step")
    assert_accessible(page, "two-factor-code-step")
    page.get_by_label("Code").fill(current_code(secret, after=used_t))
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()
    page.goto(live_server.url + "/beheer/")
    expect(page.get_by_role("heading", name="Functioneel beheer")).to_be_visible()
    screenshot(page, "two-factor-beheer")
