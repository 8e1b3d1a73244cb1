"""The provider portal in the browser: the provider sees its allocations, starts care,
uploads a declaration and reads the findings of the WMO325."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from bwmo.care.models import Indication
from bwmo.messaging.models import Allocation, Declaration, DeliveryEvent
from tests.factories import granted_client

from .conftest import assert_accessible, login, screenshot, url
from .test_messaging import _323_wrong_tariff

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        not Path(settings.BWMO_IWMO_XSD_DIR).is_dir() and not os.environ.get("CI"),
        reason=f"iWmo XSDs not found at {settings.BWMO_IWMO_XSD_DIR} (BWMO_IWMO_XSD_DIR)",
    ),
]


@pytest.mark.browser
def test_provider_sees_allocations_starts_care_and_reads_the_325(
    a11y_page: Page, live_server, region_setup, tmp_path, settings
):
    page = a11y_page  # its context may inject axe-core for the accessibility checks
    settings.DATA_DIR = tmp_path / "data"
    client = granted_client(region_setup)
    other = granted_client(region_setup, provider=region_setup.other_provider)
    Allocation.objects.update(needs_sending=False)  # their WMO301s went out
    indication = Indication.objects.get(client=client)
    number = Allocation.objects.get(client=client).number

    login(page, live_server, "aanbieder")
    body = page.locator("body")
    expect(body).not_to_contain_text("geen toegang tot persoonsgegevens")
    expect(body).not_to_contain_text(client.surname)
    expect(page.get_by_role("heading", name="Wat u hier kunt doen")).to_be_visible()
    screenshot(page, "portal-start")

    page.get_by_role("link", name="toewijzingen waarvan de zorg nog niet is gestart").click()
    expect(page.get_by_role("heading", name="Uw toewijzingen")).to_be_visible()
    table = page.get_by_role("table")
    expect(table).to_contain_text("BW Intramuraal (BW001)")
    expect(table).to_contain_text("7 etmalen per week")
    other_number = str(Allocation.objects.get(client=other).number)
    expect(table.get_by_role("link", name=other_number, exact=True)).to_have_count(0)
    screenshot(page, "portal-allocations")
    assert_accessible(page, "portal-allocations")

    page.get_by_role("link", name=str(number), exact=True).click()
    expect(page.get_by_role("heading", name=f"Toewijzing {number}")).to_be_visible()
    page.get_by_label("Eerste dag van de zorg").fill(indication.valid_from.strftime("%d-%m-%Y"))
    screenshot(page, "portal-allocation")
    page.get_by_role("button", name="Start versturen").click()
    expect(page.get_by_role("heading", name="WMO305 Start zorg")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("Goedgekeurd")
    expect(body).to_contain_text("Geen bevindingen")
    assert DeliveryEvent.objects.get(allocation__number=number).begin == indication.valid_from

    # The stop offers only the reasons a provider may give itself (not 36, not 37).
    page.goto(url(live_server, "portaal:allocation", number))
    reason = page.get_by_label("Reden van beëindigen")
    expect(reason.locator("option[value='19']")).to_have_count(1)
    expect(reason.locator("option[value='36']")).to_have_count(0)
    expect(reason.locator("option[value='37']")).to_have_count(0)
    reason.scroll_into_view_if_needed()
    screenshot(page, "portal-allocation-stop")

    # A declaration with last year's tariff: the WMO325 rejects the line, in words.
    path, _first, _last = _323_wrong_tariff(client, indication, tmp_path)
    page.get_by_role("navigation", name="Aanbiedersportaal").get_by_role(
        "link", name="Declareren"
    ).click()
    expect(page.get_by_role("heading", name="Declareren (WMO323)")).to_be_visible()
    page.get_by_label("Declaratiebestand (WMO323, XML)").set_input_files(str(path))
    screenshot(page, "portal-declarations")
    page.get_by_role("button", name="Bestand versturen").click()
    expect(page.get_by_role("heading", name="WMO323 Declaratie")).to_be_visible()
    findings = page.get_by_role("group", name="Bevindingen")
    expect(findings).to_contain_text("tarief")
    expect(page.get_by_role("heading", name="Declaratie DEC100")).to_be_visible()
    expect(body).to_contain_text("afgewezen")
    declaration = Declaration.objects.get(number="DEC100")
    assert declaration.approved_cents == 0
    screenshot(page, "portal-answer-325")
    assert_accessible(page, "portal-answer-325")

    page.get_by_role("link", name="Terug naar de antwoorden").click()
    expect(page.get_by_role("table")).to_contain_text("WMO325")
    screenshot(page, "portal-answers")
    page.goto(url(live_server, "portaal:clients"))
    expect(page.get_by_role("table")).to_contain_text(client.bsn)
    expect(page.get_by_role("table")).not_to_contain_text(other.bsn)
    screenshot(page, "portal-clients")


@pytest.mark.browser
def test_provider_portal_pages_are_accessible(a11y_page: Page, live_server, region_setup):
    page = a11y_page
    client = granted_client(region_setup)
    Allocation.objects.update(needs_sending=False)
    number = Allocation.objects.get(client=client).number
    login(page, live_server, "aanbieder")
    assert_accessible(page, "portal-start")
    for name, args in (
        ("portaal:clients", ()),
        ("portaal:answers", ()),
        ("portaal:allocation", (number,)),
        ("portaal:request", (client.pseudonym,)),
        ("portaal:new_client_request", ()),
    ):
        page.goto(url(live_server, name, *args))
        assert_accessible(page, name.replace(":", "-"))
    screenshot(page, "portal-new-client-request")
    # The request for a new client with a BSN that fails the elfproef: named at its field.
    page.get_by_label("BSN").fill("999900123")
    page.get_by_label("Achternaam").fill("Nieuwland")
    page.get_by_role("button", name="Verzoek versturen").click()
    expect(page.get_by_role("alert")).to_contain_text("elfproef")
    assert_accessible(page, "portaal-new-client-request-errors")
    screenshot(page, "portal-new-client-request-errors")
    # A form with its errors: the summary and the fields, in words.
    page.goto(url(live_server, "portaal:declarations"))
    page.get_by_role("button", name="Declaratie versturen").click()
    expect(page.get_by_role("alert")).to_contain_text("Maand")
    assert_accessible(page, "portaal-declarations-errors")
    screenshot(page, "portal-declarations-errors")
