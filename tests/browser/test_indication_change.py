"""Changing an indication in the browser: an ended one offers no change and says why; the
form chooses no reason for the user, warns about the Wlz and explains a refused extension."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from bwmo.care.models import WlzApplication
from bwmo.messaging.models import Allocation
from tests.messaging.test_indication_change import _state, ended_with_wlz, running

from .conftest import login, screenshot, url

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_an_ended_indication_offers_no_change_and_says_why(page: Page, live_server, region_setup):
    indication = ended_with_wlz(region_setup)
    before = _state(indication)
    login(page, live_server, "toegang.assen")
    page.goto(url(live_server, "clients:detail", pseudonym=indication.client.pseudonym))
    indications = page.get_by_role("region", name="Indicaties")
    expect(indications).to_contain_text("Beëindigd: wijzigen kan niet meer")
    expect(indications.get_by_role("link", name="Wijzigen of beëindigen")).to_have_count(0)
    screenshot(page, "indication-ended-dossier")

    page.goto(url(live_server, "care:indication_change", indication.pk))
    expect(page.get_by_role("alert")).to_contain_text(
        "beëindigd (uitstroom: naar de Wlz). Een beëindigde indicatie kan niet worden gewijzigd"
    )
    expect(page.get_by_role("button", name="Opslaan")).to_have_count(0)
    screenshot(page, "indication-ended-change")
    assert _state(indication) == before


def test_an_extension_labelled_as_a_shortening_is_refused_on_the_form(
    page: Page, live_server, region_setup
):
    indication = running(region_setup)
    WlzApplication.objects.create(
        client=indication.client,
        applied_on=timezone.localdate() - timedelta(days=12),
        status=WlzApplication.Status.AANGEVRAAGD,
    )
    before = _state(indication)
    login(page, live_server, "toegang.assen")
    page.goto(url(live_server, "clients:detail", pseudonym=indication.client.pseudonym))
    page.get_by_role("link", name="Wijzigen of beëindigen").click()
    expect(page.get_by_role("status").first).to_contain_text("Er loopt een Wlz-aanvraag")
    reason = page.get_by_label("Reden (iWmo)")
    expect(reason).to_have_value("")  # nothing chosen for the user
    expect(reason.locator("option", has_text="verlenging")).to_have_count(0)

    later = indication.valid_to + timedelta(days=200)
    page.get_by_label("Nieuwe einddatum").fill(later.isoformat())
    reason.select_option(label="Herbeoordeling: verkorting")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.locator(".field--error")).to_contain_text(
        "Herbeoordeling: verkorting past alleen bij een eerdere einddatum"
    )
    expect(page.locator(".field--error")).to_contain_text("leg een nieuwe beschikking vast")
    screenshot(page, "indication-change-error")
    assert _state(indication) == before
    assert not Allocation.objects.get(indication=indication).needs_sending
