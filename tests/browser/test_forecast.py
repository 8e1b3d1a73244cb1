"""The controller's forecast journey: open the forecast, define "afschalen 20% sneller",
compare it with the base, see cost against budget, download the Excel file."""

from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from bwmo.care import services as care_services
from bwmo.care.models import Contract, Indication, Stay
from bwmo.finance import services
from tests.factories import granted_client
from tests.finance.test_finance import _params_text

from .conftest import login, screenshot, url

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

RUN_TIMEOUT_MS = 90_000  # the run is computed in the background; the page polls for it


def _history(region_setup) -> None:
    """Forty clients in Assen over six and a half years, twenty still in care, and two in
    Tynaarlo, both in care: the region's and Assen's figures are well above the disclosure
    threshold (the journey checks real numbers), Tynaarlo's stay below it (hidden as "<5"
    from a controller of Assen)."""
    today = timezone.localdate()
    for index in range(42):
        tynaarlo = index >= 40
        client = granted_client(region_setup, municipality="GM1730" if tynaarlo else "GM0106")
        indication = Indication.objects.get(client=client)
        start = today - timedelta(days=300 if tynaarlo else 90 + 60 * index)
        Stay.objects.create(
            client=client,
            indication=indication,
            provider=indication.provider,
            product=indication.product,
            location=region_setup.tynaarlo if tynaarlo else region_setup.assen,
            start=start,
            end=None if tynaarlo or index % 2 == 0 else start + timedelta(days=200),
        )


def _figure(text: str) -> float:
    """A shown number of clients ("21,4") as a float; a hidden one fails the test."""
    assert text.strip() != "<5", "a figure the journey checks is hidden"
    return float(text.strip().replace(".", "").replace(",", "."))


def _start_run(page: Page, name: str, afschalen: str) -> None:
    page.get_by_label("Naam van het scenario").fill(name)
    page.get_by_label("Afschalen sneller (%)").fill(afschalen)
    page.get_by_label("Aantal simulaties").select_option("200")
    page.get_by_role("button", name="Bereken prognose").click()
    expect(page.get_by_role("heading", name="Hoe goed was deze methode? (backtest)")).to_be_visible(
        timeout=RUN_TIMEOUT_MS
    )


@pytest.mark.browser
def test_controller_defines_a_scenario_compares_and_downloads(
    page: Page, live_server, region_setup, tmp_path
):
    services.parameter_set_upload(name="Septembercirculaire", text=_params_text(), user=None)
    _history(region_setup)
    # Two contracted places of the intramural product: fewer than the clients in care.
    contract = Contract.objects.get(reference="T-1")
    contract.products.set([region_setup.products["BW001"]])
    care_services.contract_capacity_record(
        contract=contract,
        product=region_setup.products["BW001"],
        location=care_services.provider_location_add(
            provider=region_setup.provider, municipality=region_setup.assen
        ),
        places=2,
        valid_from=timezone.localdate() - timedelta(days=400),
        valid_to=None,
    )

    login(page, live_server, "controller")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Prognose").click()
    expect(page.get_by_role("heading", name="Nieuwe prognose")).to_be_visible()

    _start_run(page, "afschalen 20% sneller", "20")
    expect(page.locator("svg.chart__svg polygon").first).to_be_attached()
    budget = page.get_by_role("table", name="Kosten tegen budget")
    expect(budget.get_by_role("row")).not_to_have_count(1)
    capacity = page.get_by_role("table", name="Capaciteit tegen vraag")
    expect(capacity).to_contain_text("BW Intramuraal")
    # Real numbers for the region's municipalities with enough clients; Tynaarlo's two
    # clients are hidden from a controller of Assen (the region's audience).
    by_municipality = page.get_by_role("table", name="Prognose per gemeente")
    assen = by_municipality.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name="Assen", exact=True)
    )
    assen_first = _figure(assen.first.locator("td").nth(1).inner_text())
    assert 10 <= assen_first <= 40
    tynaarlo = by_municipality.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name="Tynaarlo", exact=True)
    )
    expect(tynaarlo.first.locator("td").nth(1)).to_have_text("<5")
    expect(tynaarlo.first.locator("td").nth(3)).to_have_text("<5")
    screenshot(page, "forecast-detail")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download Excel").click()
    path = tmp_path / "prognose.xlsx"
    download_info.value.save_as(path)
    book = load_workbook(path)
    assert book.sheetnames[:3] == ["Over dit bestand", "Prognose", "Kosten tegen budget"]
    about = {row[0]: row[1] for row in book["Over dit bestand"].iter_rows(values_only=True)}
    assert about["Filter: Scenario"] == "afschalen 20% sneller"

    page.goto(url(live_server, "forecast:index"))
    _start_run(page, "basis", "0")

    page.goto(url(live_server, "forecast:index"))
    labels = page.get_by_label("Prognose A").locator("option").all_inner_texts()
    faster = next(label for label in labels if "afschalen" in label)
    base = next(label for label in labels if "basis" in label)
    page.get_by_label("Prognose A").select_option(label=base)
    page.get_by_label("Prognose B").select_option(label=faster)
    page.get_by_role("button", name="Vergelijk").click()
    table = page.get_by_role("table", name="Vergelijking")
    expect(table).to_contain_text("afschalen 20% sneller")
    expect(table.get_by_role("row")).not_to_have_count(1)
    # The region's clients P50 and cost P50 of both runs are shown (not hidden) every year.
    for row in table.get_by_role("row").all()[1:]:
        cells = row.locator("td")
        base_clients, faster_clients = (_figure(cells.nth(i).inner_text()) for i in (0, 3))
        assert base_clients >= 5 and faster_clients >= 5
        assert cells.nth(1).inner_text().strip() not in ("<5", "—")
    screenshot(page, "forecast-compare")


@pytest.mark.browser
def test_forecast_pages_are_accessible(a11y_page: Page, live_server, region_setup):
    from bwmo.forecast.services import forecast_run_create, forecast_run_execute
    from bwmo.organisations.models import Region
    from bwmo.rules import forecast

    from .test_accessibility import check_pages, rel

    services.parameter_set_upload(name="Septembercirculaire", text=_params_text(), user=None)
    _history(region_setup)
    region = Region.objects.get(centrumgemeente_id="GM0106")
    runs = [
        forecast_run_execute(
            run=forecast_run_create(
                region=region,
                cutoff=timezone.localdate().replace(day=1),
                years=2,
                runs=20,
                seed=1,
                scenario=forecast.Scenario(name=name, afschalen_pct=pct),
                with_backtest=True,
            )
        )
        for name, pct in (("basis", 0), ("afschalen 20% sneller", 20))
    ]
    login(a11y_page, live_server, "controller")
    check_pages(
        a11y_page,
        live_server,
        [
            ("forecast", rel(live_server, "forecast:index")),
            ("forecast run", rel(live_server, "forecast:detail", runs[1].pk)),
            (
                "forecast compare",
                rel(live_server, "forecast:compare") + f"?a={runs[0].pk}&b={runs[1].pk}",
            ),
        ],
    )
