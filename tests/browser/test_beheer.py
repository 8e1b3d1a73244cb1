"""The functioneel beheerder's contract form in a browser: the product chooser speaks Dutch."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from bwmo.care.models import Contract

from .conftest import login, screenshot

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.browser
def test_the_contract_form_chooses_products_in_dutch(page: Page, live_server, region_setup):
    contract = Contract.objects.filter(tariffs__isnull=False).first()
    login(page, live_server, "beheer")
    page.goto(live_server.url + reverse("admin:care_contract_change", args=[contract.pk]))
    # The chooser is built by Django's JavaScript, with texts from the JavaScript catalog.
    expect(page.get_by_role("button", name="Kies alle producten")).to_be_visible()
    expect(page.get_by_role("button", name="Verwijder alle producten")).to_be_visible()
    expect(page.get_by_text("Choose all")).to_have_count(0)
    expect(page.get_by_label("Bedrag (€), tarief 1")).to_be_visible()
    expect(page.get_by_role("link", name="Terug naar bwmo")).to_be_visible()
    screenshot(page, "beheer-contract")
