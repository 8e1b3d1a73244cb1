"""The auditor checks the access log's chain from the screen and sees the result kept."""

import pytest
from playwright.sync_api import Page, expect

from bwmo.audit.models import ChainVerification
from bwmo.audit.services import access_log_anchor, access_log_record
from tests import factories

from .conftest import login, screenshot, url

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_auditor_checks_the_chain_now(page: Page, live_server, region_setup):
    patient = factories.register_client(region_setup)
    access_log_record(
        user=region_setup.users["toegang_assen"], clients=[patient], what="dossier", why="test"
    )
    access_log_anchor()
    login(page, live_server, region_setup.users["auditor"].username)
    page.goto(url(live_server, "audit:search"))
    section = page.get_by_role("region", name="Controle van de keten")
    expect(section).to_contain_text("voor een anker")  # the anchor's own verification
    page.get_by_role("button", name="Nu controleren").click()
    expect(page.locator(".messages")).to_contain_text("in orde: 1 regel gecontroleerd")
    expect(section).to_contain_text("auditor op het scherm")
    expect(section).to_contain_text("tot en met regel")
    screenshot(page, "audit-controle")
    assert ChainVerification.objects.order_by("-pk").first().by == "auditor"
