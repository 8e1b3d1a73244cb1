"""A policy adviser filters the regional monitor, downloads Excel, opens the council report."""

from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.monitor.test_monitor import _in_care

from .conftest import login, screenshot

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.browser
def test_policy_user_filters_downloads_and_reports(page: Page, live_server, region_setup, tmp_path):
    _in_care(region_setup, 6)
    _in_care(region_setup, 2, municipality="GM1730")

    login(page, live_server, "beleid")  # lands on the monitor
    expect(page.get_by_role("heading", level=1)).to_contain_text("Regionale monitor")
    expect(page.get_by_text("geaggregeerde cijfers")).to_be_visible()
    matrix = page.get_by_role("table", name="Herkomst × locatie")
    expect(matrix.get_by_role("row").filter(has_text="Tynaarlo")).to_contain_text("×")

    page.get_by_label("Gemeente (verantwoordelijk)").select_option(label="Assen")
    page.get_by_label("Van", exact=True).fill(
        (timezone.localdate() - timedelta(days=90)).isoformat()
    )
    page.get_by_role("button", name="Toon").click()
    expect(page.get_by_text("geaggregeerde cijfers")).to_have_count(0)  # own residents: in full
    expect(page.locator(".stat").first).to_have_text("6")
    screenshot(page, "monitor-assen")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download Excel").click()
    path = tmp_path / "monitor.xlsx"
    download_info.value.save_as(path)
    assert "Cliënten en stromen" in load_workbook(path).sheetnames

    page.get_by_role("link", name="Raadsrapportage (afdrukken)").click()
    expect(page.get_by_role("heading", name="Wat veranderde er?")).to_be_visible()
    expect(page.get_by_text("Aantallen van 1 tot en met 4 zijn afgeschermd")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator("form.filters")).to_be_hidden()  # the print stylesheet applies
    screenshot(page, "monitor-raadsrapportage")
