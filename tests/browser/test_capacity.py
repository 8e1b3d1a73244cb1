"""The contract manager's journey: occupancy against places, a provider over capacity, the
waiting list, the contracts with a decision due (deciding one), and the Excel file."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from bwmo.care import services
from bwmo.care.models import Contract, Financing, Indication, Stay
from tests.factories import client_with_melding

from .conftest import assert_accessible, login, screenshot

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _world(setup) -> Contract:
    today = timezone.localdate()
    contract = Contract.objects.get(reference="T-1")
    contract.products.set([setup.products["BW001"]])
    assen = services.provider_location_add(provider=setup.provider, municipality=setup.assen)
    services.contract_capacity_record(
        contract=contract,
        product=setup.products["BW001"],
        location=assen,
        places=4,
        valid_from=date(2021, 1, 1),
    )
    client = client_with_melding(setup)
    melding = client.meldingen.get()
    for _ in range(7):  # 7 in care at a location with 4 places
        Stay.objects.create(
            client=client,
            provider=setup.provider,
            product=setup.products["BW001"],
            location=setup.assen,
            start=today - timedelta(days=400),
        )
    for days in (3, 10, 45, 60, 100, 200):  # six granted indications waiting for a place
        Indication.objects.create(
            client=client,
            melding=melding,
            product=setup.products["BW001"],
            financing=Financing.ZIN,
            provider=setup.provider,
            responsible_municipality=setup.assen,
            valid_from=today - timedelta(days=days),
        )
    # A contract whose initial term ends in four months: option 1 is due (notice: 2 months).
    end = (today.replace(day=1) + timedelta(days=130)).replace(day=1) - timedelta(days=1)
    return Contract.objects.create(
        provider=setup.other_provider,
        region=setup.region,
        reference="T-2",
        valid_from=date(2022, 1, 1),
        valid_to=end,
        notice_months=2,
    )


@pytest.mark.browser
def test_contract_manager_sees_over_capacity_waiting_list_and_a_decision_due(
    a11y_page: Page, live_server, region_setup, tmp_path
):
    page = a11y_page  # may inject axe-core: the pages are checked on the way
    due = _world(region_setup)
    login(page, live_server, "contract")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Bezetting en contracten"
    ).click()
    expect(page.get_by_role("heading", name="Bezetting tegenover capaciteit")).to_be_visible()
    over = page.get_by_role("region", name="Boven capaciteit")
    expect(over.get_by_role("status")).to_contain_text("1 locatie heeft meer bezette plaatsen")
    row = over.get_by_role("row").filter(has_text="Stichting Testhuis")
    expect(row).to_contain_text("Assen")
    expect(row).to_contain_text("175%")  # 7 of 4
    expect(page.locator("svg.chart__svg rect.bar--realised").first).to_be_attached()
    waiting = page.get_by_role("table", name="Wachtlijst per product en aanbieder")
    line = waiting.get_by_role("row").filter(has_text="BW Intramuraal")
    expect(line).to_contain_text("Stichting Testhuis")
    expect(line).to_contain_text("×")  # 2, 2, 1, 1 per band: each hidden
    expect(line.locator("td").last).to_have_text("6")
    page_text = page.content()
    assert "Testpersoon" not in page_text  # aggregates only: no client's name
    screenshot(page, "capacity-occupancy")
    assert_accessible(page, "bezetting")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download Excel").click()
    path = tmp_path / "bezetting.xlsx"
    download_info.value.save_as(path)
    book = load_workbook(path)
    assert book.sheetnames == ["Over dit bestand", "Bezetting", "Regio per maand", "Wachtlijst"]
    about = dict(book["Over dit bestand"].iter_rows(min_row=2, values_only=True))
    assert about["Filter: Regio"] == str(region_setup.region)
    rows = list(book["Bezetting"].iter_rows(min_row=2, values_only=True))
    last = [r for r in rows if r[0] == "Stichting Testhuis"][-1]
    assert last[1:3] == ("Assen", "BW Intramuraal")
    assert last[4:8] == (4, 7, 175, "ja")
    wait_rows = list(book["Wachtlijst"].iter_rows(min_row=2, values_only=True))
    assert wait_rows[0] == ("BW Intramuraal", "Stichting Testhuis", "×", "×", "×", "×", 6)

    page.get_by_role("link", name="Contracten met een besluit of einde in aantocht").first.click()
    expect(page.get_by_role("heading", name="Contracten", exact=True)).to_be_visible()
    table = page.get_by_role("table", name="Contracten met een besluit of einde in aantocht")
    expect(table.get_by_role("row")).to_have_count(2)  # the header and T-2; T-1 runs to 2028
    expect(table.get_by_role("row").nth(1)).to_contain_text("Besluit over verlengingsoptie 1")
    screenshot(page, "capacity-contracts")
    assert_accessible(page, "contracten")
    table.get_by_role("link", name="T-2").click()
    expect(page.get_by_role("heading", name="Contract T-2 met Zorg Elders")).to_be_visible()
    page.get_by_label("verlengd", exact=True).check()
    page.get_by_label("Besloten op").fill(timezone.localdate().strftime("%d-%m-%Y"))
    page.get_by_role("button", name="Besluit opslaan").click()
    expect(page.get_by_text("Het besluit over de verlenging is vastgelegd.")).to_be_visible()
    screenshot(page, "capacity-contract-detail")
    due.refresh_from_db()
    assert due.extensions_used == 1
    # With option 1 taken the contract runs two more years: no longer due.
    page.get_by_role("link", name="Terug naar de contracten").click()
    expect(
        page.get_by_role("table", name="Contracten met een besluit of einde in aantocht")
    ).to_contain_text("Geen contract met een besluit of einde in deze periode.")
