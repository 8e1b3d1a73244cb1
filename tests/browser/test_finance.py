"""The controller's journey: budget vs cost, switch scenario, download the Excel file."""

from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from bwmo.care.models import Indication, Stay
from bwmo.finance import services
from tests.factories import granted_client
from tests.finance.test_finance import _params_text

from .conftest import login, screenshot, url

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.browser
def test_controller_compares_scenarios_and_downloads_excel(
    page: Page, live_server, region_setup, tmp_path
):
    base = services.parameter_set_upload(name="Septembercirculaire", text=_params_text(), user=None)
    services.scenario_create(base=base, delay_years=2, name="Ingroeipad twee jaar later", user=None)
    client = granted_client(region_setup)
    indication = Indication.objects.get(client=client)
    Stay.objects.create(
        client=client,
        indication=indication,
        provider=indication.provider,
        product=indication.product,
        location=region_setup.assen,
        start=timezone.localdate() - timedelta(days=13),
    )

    login(page, live_server, "controller")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Financiën").click()
    expect(page.get_by_role("heading", name="Budget, kosten en resultaat")).to_be_visible()
    expect(page.locator("svg.chart__svg rect.bar--realised").first).to_be_attached()
    table = page.get_by_role(
        "table", name=f"Per gemeente in {timezone.localdate().year}", exact=False
    )
    assen = table.get_by_role("row").filter(has_text="Assen")
    expect(assen).to_contain_text("€ 1.800")
    base_budget = assen.locator("td").nth(2).inner_text()

    page.get_by_label("Budgetparameters / scenario").select_option(
        label="Ingroeipad twee jaar later"
    )
    page.get_by_role("button", name="Toon").click()
    expect(page.get_by_role("heading", level=2).first).to_contain_text("Ingroeipad twee jaar later")
    assen = (
        page.get_by_role("table", name="Per gemeente in", exact=False)
        .get_by_role("row")
        .filter(has_text="Assen")
    )
    expect(assen.locator("td").nth(2)).not_to_have_text(base_budget)
    screenshot(page, "finance-scenario")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download Excel").click()
    path = tmp_path / "financien.xlsx"
    download_info.value.save_as(path)
    book = load_workbook(path)
    assert book.sheetnames == [
        "Over dit bestand",
        "Budget en kosten",
        "Solidariteit",
        "Product en aanbieder",
        "Kosten per week",
    ]
    rows = list(book["Budget en kosten"].iter_rows(min_row=2, values_only=True))
    assert any(str(row[1]).startswith("Assen") and row[5] == pytest.approx(1800) for row in rows)
    assert page.url.startswith(url(live_server, "finance:overview"))


@pytest.mark.browser
def test_controller_sees_which_tariff_is_missing_without_any_client(
    page: Page, live_server, region_setup
):
    from bwmo.care.models import Tariff

    services.parameter_set_upload(name="Septembercirculaire", text=_params_text(), user=None)
    client = granted_client(region_setup)
    indication = Indication.objects.get(client=client)
    Stay.objects.create(
        client=client,
        indication=indication,
        provider=indication.provider,
        product=indication.product,
        location=region_setup.assen,
        start=timezone.localdate() - timedelta(days=13),
    )
    Tariff.objects.all().delete()

    login(page, live_server, "controller")
    page.goto(url(live_server, "finance:overview"))
    alert = page.get_by_text("zonder tarief: product BW001 (BW Intramuraal) bij Stichting Testhuis")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("1 verblijf zonder tarief")
    expect(alert).to_contain_text("Beheer > Contracten")
    expect(page.get_by_text("er ontbreken gegevens")).to_be_visible()
    body = page.locator("body").inner_text()
    assert client.short_pseudonym not in body and client.bsn not in body
    assert client.surname not in body
    screenshot(page, "finance-missing-tariff")


@pytest.mark.browser
def test_controller_sees_the_problems_of_a_bad_parameter_file_in_dutch(
    page: Page, live_server, region_setup, tmp_path
):
    text = _params_text().replace("year = 2023", 'year = "2023"', 1)
    path = tmp_path / "circulaire.toml"
    path.write_text('title = "x"\n' + text, encoding="utf-8")
    login(page, live_server, "controller")
    page.goto(url(live_server, "finance:parameters"))
    page.get_by_label("Naam", exact=True).first.fill("Meicirculaire")
    page.locator("input[type=file]").set_input_files(str(path))
    page.get_by_role("button", name="Inlezen").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Het parameterbestand is niet ingelezen")
    expect(summary).to_contain_text("onbekende sleutel 'title'")
    expect(page.locator("body")).not_to_contain_text("expected")
    screenshot(page, "finance-parameter-errors")
