"""A form with two errors: the summary at the top gets focus and its links lead to the fields."""

import pytest
from playwright.sync_api import Page, expect

from bwmo.clients.models import Client

from .conftest import login, screenshot, url

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_two_errors_at_once_in_a_focused_summary_that_links_to_the_fields(
    page: Page, live_server, region_setup
):
    login(page, live_server, "toegang.assen")
    page.goto(url(live_server, "clients:register"))
    page.get_by_label("BSN", exact=True).fill("12345")
    page.get_by_label("Voornamen").fill("Femke")
    page.get_by_label("Achternaam").fill("Wolters")
    page.get_by_label("Geboortedatum").fill("31-02-1986")
    page.get_by_label("Gemeente van inschrijving (BRP)").select_option(label="Assen")
    page.get_by_label("Soort inschrijving").select_option(label="Woonadres")
    page.get_by_label("Ingeschreven sinds").fill("01-03-2015")
    page.get_by_role("button", name="Cliënt registreren").click()

    summary = page.get_by_role("alert").filter(has_text="Controleer de volgende velden")
    expect(summary).to_be_focused()
    links = summary.get_by_role("link")
    expect(links).to_have_count(2)
    expect(summary).to_contain_text("31-02-1986 bestaat niet: februari 1986 heeft 28 dagen")
    expect(summary).not_to_contain_text("verplicht")
    screenshot(page, "form-error-summary")
    page.set_viewport_size({"width": 390, "height": 900})
    screenshot(page, "form-error-summary-390")

    links.filter(has_text="Geboortedatum").click()
    expect(page.get_by_label("Geboortedatum")).to_be_focused()
    links.filter(has_text="BSN").click()
    expect(page.get_by_label("BSN", exact=True)).to_be_focused()
    assert not Client.objects.exists()
