"""The responsibility decision on the dossier, explained on request ("waarom?")."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from bwmo.toegang import services as toegang_services
from tests import factories

from .conftest import login, screenshot, url

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.browser
def test_dossier_shows_who_is_responsible_and_why(page: Page, live_server, region_setup):
    # A Tynaarlo resident turns to Assen, where the BW facility is.
    client = factories.register_client(region_setup, municipality="GM1730", surname="Zwiers")
    toegang_services.melding_register(
        client=client,
        product_kind="BW",
        applied_to=region_setup.assen,
        received_on=timezone.localdate(),
        summary="",
        organisation=region_setup.org["assen"],
        user=region_setup.users["toegang_assen"],
    )

    login(page, live_server, "toegang.assen")
    page.goto(url(live_server, "clients:detail", client.pseudonym))
    decision = page.locator(".decision").first
    expect(decision).to_contain_text("Verantwoordelijk: Tynaarlo (nieuwe cliënt)")
    trace = decision.locator(".trace")
    expect(trace).to_be_hidden()
    decision.get_by_text("waarom?").click()
    expect(trace).to_be_visible()
    expect(trace).to_contain_text("woonadres in Tynaarlo")
    expect(decision).to_contain_text("art. 1.2.1 sub b")
    expect(decision).to_contain_text("wetsvoorstel-2026")
    screenshot(page, "woonplaats-dossier")

    # The work list says the same, with the same explanation one click away.
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Werkvoorraad"
    ).click()
    row = page.get_by_role("row").filter(has_text="Zwiers")
    expect(row).to_contain_text("Tynaarlo (nieuwe cliënt)")
