"""Journey: the opvang worker registers a person without BSN, grants MO, and merges the
record with the known client once the BSN turns up."""

import pytest
from playwright.sync_api import Page, expect

from bwmo.care.models import Stay
from bwmo.clients.models import Client
from bwmo.messaging.models import Allocation, Message
from tests import factories

from .conftest import login, screenshot

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.browser
def test_opvang_worker_registers_without_bsn_grants_mo_and_merges(
    page: Page, live_server, region_setup
):
    known = factories.register_client(region_setup, organisation_key="opvang", surname="Bekend")
    login(page, live_server, "opvang")

    # the start page offers the way in
    opvang = page.get_by_role("region", name="Maatschappelijke opvang")
    expect(opvang.get_by_role("link", name="Nieuwe intake")).to_be_visible()
    opvang.get_by_role("link", name="Cliënt zonder BSN registreren").click()
    expect(page.get_by_role("heading", name="Cliënt zonder BSN registreren")).to_be_visible()
    expect(page.get_by_label("BRP-inschrijving")).to_have_value("geen")
    page.get_by_label("Voornamen of roepnaam").fill("Kees")
    page.get_by_label("Geboortejaar").fill("1978")
    page.get_by_label("Kenmerken ter herkenning").fill("Tatoeage anker op linkerhand")
    screenshot(page, "provisional-register")
    page.get_by_role("button", name="Voorlopige identiteit registreren").click()

    # straight on to the intake, which asks for the type of shelter
    expect(page.get_by_role("status")).to_contain_text("voorlopige identiteit (zonder BSN)")
    expect(page.get_by_role("heading", name="Intake maatschappelijke opvang")).to_be_visible()
    expect(page.get_by_label("Soort opvang")).to_have_value("")
    location = page.get_by_label("Locatie (gemeente)")
    expect(location.locator("optgroup").first).to_have_attribute("label", "Gemeenten van de regio")
    screenshot(page, "provisional-intake-new")
    page.get_by_label("Namens (centrumgemeente)").select_option(label="Assen")
    page.get_by_role("button", name="Intake vastleggen").click()
    expect(page.get_by_text("Kies de soort opvang.", exact=True)).to_be_visible()
    page.get_by_label("Soort opvang").select_option(label="Nachtopvang")
    location.select_option(label="Assen")
    for question, answer in [
        ("Feitelijk of residentieel dakloos", "Ja"),
        ("Kan zich zelfstandig handhaven in de samenleving", "Nee"),
        ("Binding met de regio", "Onbekend"),
    ]:
        page.get_by_role("group", name=question).get_by_role(
            "radio", name=answer, exact=True
        ).check()
    areas = page.get_by_role("group", name="Leefgebieden met problemen")
    areas.get_by_label("Huisvesting").check()
    areas.get_by_label("Middelengebruik").check()
    page.get_by_role("group", name="Besluit").get_by_role("radio", name="Toekenning").check()
    screenshot(page, "provisional-intake-form")
    page.get_by_role("button", name="Intake vastleggen").click()
    expect(page.get_by_role("status")).to_contain_text("De MO-intake is vastgelegd.")
    expect(page.locator(".card", has_text="Leefgebieden met problemen")).to_contain_text(
        "Huisvesting, Middelengebruik"
    )

    # the dossier says why the allocation waits
    page.get_by_role("link", name="Naar het dossier van").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("voorlopige identiteit")
    expect(page.get_by_role("region", name="Indicaties")).to_contain_text("BSN ontbreekt")
    provisional = Client.objects.get(is_provisional=True)
    assert not Message.objects.filter(client=provisional).exists()

    # later the BSN is known: it belongs to a client bwmo already has
    page.get_by_role("link", name="BSN vastleggen of samenvoegen").first.click()
    page.get_by_label("BSN", exact=True).fill(known.bsn)
    page.get_by_role("button", name="BSN controleren en vastleggen").click()
    expect(page.get_by_role("region", name="Bekende cliënt met dit BSN")).to_contain_text(
        "Jan Bekend"
    )
    page.get_by_label("Ik heb gecontroleerd dat dit dezelfde persoon is").check()
    screenshot(page, "provisional-merge")
    page.get_by_role("button", name="Samenvoegen").click()

    expect(page.get_by_role("status")).to_contain_text("samengevoegd met deze cliënt")
    expect(page.get_by_role("heading", name="Jan Bekend", level=1)).to_be_visible()
    stays = page.get_by_role("region", name="Verblijven en uitstroom")
    expect(stays).to_contain_text("Nachtopvang")
    expect(page.get_by_role("region", name="Identiteit en samenvoegingen")).to_contain_text(
        "Gegevens van een voorlopige identiteit overgenomen"
    )
    screenshot(page, "provisional-merged-dossier")

    provisional.refresh_from_db()
    assert provisional.merged_into == known
    assert Stay.objects.get().client == known
    assert Allocation.objects.get().client == known
    assert Message.objects.get(client=known, message_type="WMO301").status == "klaar"
