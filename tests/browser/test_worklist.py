"""The access worker's work list in a real browser: filter, sort, assign, download."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from bwmo.accounts.roles import Role
from bwmo.audit.models import AccessLogEntry
from bwmo.toegang.models import Melding
from tests import factories

from .conftest import login, screenshot
from .test_journeys import client_with_open_melding, nav_link

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.browser
def test_access_worker_filters_sorts_assigns_and_downloads_the_work_list(
    page: Page, live_server, region_setup, tmp_path
):
    today = timezone.localdate()
    colleague = factories.make_user(
        "toegang.assen.collega", Role.TOEGANGSMEDEWERKER, region_setup.org["assen"]
    )
    very_late = client_with_open_melding(
        region_setup, surname="Bakker", received_on=today - timedelta(weeks=9)
    )
    late = client_with_open_melding(
        region_setup, surname="Dijkstra", received_on=today - timedelta(weeks=7)
    )
    client_with_open_melding(region_setup, surname="Mulder", received_on=today - timedelta(days=3))

    login(page, live_server, "toegang.assen")
    nav_link(page, "Werkvoorraad").click()
    filters = page.get_by_role("form", name="Filteren")
    filters.get_by_label("Termijn").select_option(label="te laat")
    filters.get_by_role("button", name="Filteren").click()
    expect(page).to_have_url(re.compile(r"termijn=te_laat"))
    expect(page.get_by_role("status").first).to_contain_text(
        "2 van de 3 openstaande meldingen voldoen aan de filters"
    )
    table = page.get_by_role("table", name=re.compile("^Openstaande meldingen"))
    rows = table.locator("tbody").get_by_role("row")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Jan Bakker")  # most overdue first
    screenshot(page, "werkvoorraad-te-laat")

    # Sort on the deadline, the other way round: the header says how the list is sorted.
    deadline_header = table.get_by_role("columnheader", name=re.compile("^Termijn"))
    expect(deadline_header).to_have_attribute("aria-sort", "ascending")
    deadline_header.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"sorteer=-termijn"))
    expect(page).to_have_url(re.compile(r"termijn=te_laat"))  # the filter stays on
    deadline_header = page.get_by_role("columnheader", name=re.compile("^Termijn"))
    expect(deadline_header).to_have_attribute("aria-sort", "descending")
    rows = (
        page.get_by_role("table", name=re.compile("^Openstaande meldingen"))
        .locator("tbody")
        .get_by_role("row")
    )
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Jan Dijkstra")
    expect(rows.nth(1)).to_contain_text("Jan Bakker")

    sorted_url = page.url
    # Hand the most overdue case to a colleague from its melding page.
    rows.nth(1).get_by_role("link", name="Jan Bakker").click()
    handler = page.get_by_role("region", name="Behandelaar")
    expect(handler).to_contain_text("Nog aan niemand toegewezen.")
    handler.get_by_label("Toewijzen aan").select_option(label=colleague.get_full_name())
    handler.get_by_role("button", name="Toewijzen", exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text(
        f"De melding is toegewezen aan {colleague.get_full_name()}."
    )
    expect(page.get_by_role("region", name="Behandelaar")).to_contain_text(
        f"Toegewezen aan {colleague.get_full_name()}."
    )
    assert Melding.objects.get(client=very_late).assigned_to == colleague

    page.goto(sorted_url)
    rows = (
        page.get_by_role("table", name=re.compile("^Openstaande meldingen"))
        .locator("tbody")
        .get_by_role("row")
    )
    expect(rows.nth(1)).to_contain_text(colleague.get_full_name())

    before = AccessLogEntry.objects.count()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download als Excel").click()
    path = tmp_path / "werkvoorraad.xlsx"
    download_info.value.save_as(path)
    book = load_workbook(path)
    about = dict(book["Over dit bestand"].iter_rows(min_row=2, values_only=True))
    assert about["Filter: Selectie"] == "termijn: te laat"
    assert about["Sortering"] == "termijn, aflopend"
    assert about["Organisatie"] == "Gemeente Assen"
    data = list(book["Werkvoorraad"].iter_rows(min_row=2, values_only=True))
    assert [row[1] for row in data] == [late.full_name, very_late.full_name]
    assert data[1][-1] == colleague.get_full_name()
    downloaded = AccessLogEntry.objects.order_by("pk")[before:]
    assert sorted(e.client_id for e in downloaded if e.what == "werkvoorraad: Excel-download") == (
        sorted([late.pk, very_late.pk])
    )

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.get_by_role("heading", name="Werkvoorraad", level=1)).to_be_visible()
    screenshot(page, "werkvoorraad-te-laat-390")
