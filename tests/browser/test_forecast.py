"""The controller's forecast journey: open the forecast, define "afschalen 20% sneller",
compare it with the base, see cost against budget, download the Excel file."""

from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from bwmo.care import services as care_services
from bwmo.care.models import Contract
from bwmo.finance import services
from tests.finance.test_finance import _params_text
from tests.forecast.stepdown import stepdown_history

from .conftest import login, screenshot, url

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

RUN_TIMEOUT_MS = 90_000  # the run is computed in the background; the page polls for it


def _history(region_setup) -> None:
    """Forty clients in Assen over six and a half years, half of them stepping down from BW
    Intramuraal to the cheaper Thuis Plus, many stays ending (zelfstandig, Wlz, overleden,
    verhuisd), and two in Tynaarlo, both in care: the region's and Assen's figures are well
    above the disclosure threshold (the journey checks real numbers), Tynaarlo's stay below
    it (hidden as "×" from a controller of Assen)."""
    stepdown_history(region_setup)


def _region_p50(path) -> dict[tuple[int, str], tuple[float, float]]:
    """The region's (clients P50, cost P50) per (year, product) on the workbook's forecast
    sheet; rows hidden as "×" (a product with few clients) are left out."""
    rows = list(load_workbook(path)["Prognose"].iter_rows(values_only=True))
    header = next(i for i, row in enumerate(rows) if row and row[0] == "Gemeente")
    return {
        (int(row[1]), str(row[2])): (float(row[4]), float(row[7]))
        for row in rows[header + 1 :]
        if row and row[0] == "hele regio" and not isinstance(row[4], str)
    }


def _figure(text: str) -> float:
    """A shown number of clients ("21,4") as a float; a hidden one fails the test."""
    assert text.strip() != "×", "a figure the journey checks is hidden"
    return float(text.strip().replace(".", "").replace(",", "."))


def _euros(text: str) -> float:
    """A shown amount ("€ 1.234.567") as a float; a hidden one fails the test."""
    assert text.strip() not in ("×", "—"), "an amount the journey checks is hidden"
    return float(text.replace("€", "").strip().replace(".", "").replace(",", "."))


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
    expect(tynaarlo.first.locator("td").nth(1)).to_have_text("×")
    expect(tynaarlo.first.locator("td").nth(3)).to_have_text("×")
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
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download Excel").click()
    base_path = tmp_path / "prognose-basis.xlsx"
    download_info.value.save_as(base_path)
    # The same seed and history: faster afschalen means fewer clients in BW Intramuraal and
    # a lower cost, every year, in the Excel files too.
    faster_p50, base_p50 = _region_p50(path), _region_p50(base_path)
    heavy = "BW Intramuraal (BW001)"
    years = sorted({year for year, _product in base_p50})
    assert years
    for year in years:
        assert faster_p50[(year, heavy)][0] < base_p50[(year, heavy)][0], year
        assert faster_p50[(year, "alle producten")][1] < base_p50[(year, "alle producten")][1]

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
    # The compared scenario costs less than the base every year.
    for row in table.get_by_role("row").all()[1:]:
        cells = row.locator("td")
        base_clients, faster_clients = (_figure(cells.nth(i).inner_text()) for i in (0, 3))
        assert base_clients >= 5 and faster_clients >= 5
        assert cells.nth(1).inner_text().strip() not in ("×", "—")
        assert _euros(cells.nth(4).inner_text()) < _euros(cells.nth(1).inner_text())
    screenshot(page, "forecast-compare")
    # In the heavier product it has fewer clients every year.
    page.get_by_label("Product", exact=True).select_option("BW001")
    page.get_by_role("button", name="Vergelijk").click()
    expect(page.get_by_role("heading", name="Hele regio, BW Intramuraal (BW001)")).to_be_visible()
    rows = page.get_by_role("table", name="Vergelijking").get_by_role("row").all()[1:]
    assert rows
    for row in rows:
        cells = row.locator("td")
        assert _figure(cells.nth(3).inner_text()) < _figure(cells.nth(0).inner_text())


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
