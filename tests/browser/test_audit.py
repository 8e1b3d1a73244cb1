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


def test_auditor_narrows_a_clients_log_sees_collapsed_rows_and_downloads_excel(
    page: Page, live_server, region_setup
):
    from datetime import datetime
    from io import BytesIO
    from pathlib import Path

    from django.utils import timezone
    from openpyxl import load_workbook

    from bwmo.audit.models import AccessLogEntry
    from tests.audit.test_selectors import log_at

    tz = timezone.get_current_timezone()
    user = region_setup.users["toegang_assen"]
    patient = factories.register_client(region_setup)
    for minute in range(12):
        log_at(datetime(2026, 3, 2, 9, 1 + minute, tzinfo=tz), user=user, client=patient)
    log_at(datetime(2026, 1, 15, 11, 0, tzinfo=tz), user=user, client=patient)
    access_log_anchor()
    login(page, live_server, region_setup.users["auditor"].username)
    page.goto(url(live_server, "audit:search"))
    verdict = page.locator(".chain-verdict")
    expect(verdict).to_contain_text("In orde")  # the anchor's verification, prominent
    page.get_by_label("BSN van de cliënt").fill(patient.bsn)
    page.get_by_role("button", name="Opvragen").first.click()
    answer = page.get_by_role("region", name=f"Wie keek naar cliënt {patient.short_pseudonym}?")
    expect(answer).to_contain_text("14 regels, getoond als 3 rijen")
    assert patient.bsn not in page.url
    client_card = page.locator(".card", has_text="Wie heeft deze cliënt ingezien?")
    client_card.get_by_label("Van", exact=True).fill("2026-03-01")
    client_card.get_by_label("Tot en met", exact=True).fill("2026-03-31")
    client_card.get_by_role("button", name="Opvragen").click()
    expect(answer).to_contain_text("12 regels, getoond als 1 rij")
    expect(answer).to_contain_text("van 1 maart 2026 tot en met 31 maart 2026")
    row = answer.locator("tr.collapsed-row")
    expect(row).to_contain_text("12× tussen 09:01 en 09:12")
    row.locator("summary").click()
    expect(row.locator(".collapsed-times li")).to_have_count(12)
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, "audit-toegangslog-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "audit-toegangslog-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download als Excel").click()
    download = download_info.value
    assert patient.bsn not in download.suggested_filename
    book = load_workbook(BytesIO(Path(download.path()).read_bytes()))
    about = {r[0]: r[1] for r in book["Over dit bestand"].iter_rows(values_only=True)}
    assert about["Periode"] == "van 1 maart 2026 tot en met 31 maart 2026"
    assert book["Toegangslog"].max_row == 13  # header + 12 stored entries, not collapsed
    assert AccessLogEntry.objects.filter(
        username="auditor", client=patient, what="toegangslog cliënt (Excel)"
    ).exists()
    # A wrong period says which field and why.
    client_card.get_by_label("Van", exact=True).fill("2026-03-31")
    client_card.get_by_label("Tot en met", exact=True).fill("2026-03-01")
    client_card.get_by_role("button", name="Opvragen").click()
    expect(client_card).to_contain_text(
        "'Tot en met' (1 maart 2026) ligt vóór 'Van' (31 maart 2026)"
    )
