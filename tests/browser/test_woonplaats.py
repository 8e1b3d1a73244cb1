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


@pytest.mark.browser
def test_binding_advice_on_mo_shows_category_mo(page: Page, live_server, region_setup):
    # A binding advice names the municipality; the case stays MO (not a BW client category).
    from bwmo.woonplaats import services as woonplaats_services
    from bwmo.woonplaats.models import Dispute

    client = factories.mo_client(region_setup)
    melding = client.meldingen.get()
    dispute = woonplaats_services.dispute_record(
        melding=melding,
        claimant=region_setup.assen,
        respondent=region_setup.tynaarlo,
        opened_on=timezone.localdate(),
    )
    woonplaats_services.dispute_update(
        dispute=dispute,
        status=Dispute.Status.BINDEND_ADVIES,
        advice_responsible=region_setup.tynaarlo,
        advice_date=timezone.localdate(),
    )

    login(page, live_server, "opvang")
    page.goto(url(live_server, "clients:detail", client.pseudonym))
    decision = page.locator(".decision").first
    expect(decision).to_contain_text("Verantwoordelijk: Tynaarlo (maatschappelijke opvang)")
    expect(decision).to_contain_text("bindend advies")
    decision.get_by_text("waarom?").click()
    expect(decision.locator(".trace")).to_contain_text("Bindend advies van de Geschillencommissie")
    expect(decision).to_contain_text("Regel G")
    screenshot(page, "woonplaats-dossier-mo-bindend-advies")
