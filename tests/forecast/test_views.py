"""The prognose screens on a generated demo: form errors, a run, suppression, Excel, compare."""

from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from bwmo.accounts.roles import Role
from bwmo.forecast.models import ForecastRun
from bwmo.forecast.selectors import default_parameter_set
from bwmo.forecast.services import forecast_run_create, forecast_run_execute
from bwmo.organisations.models import Organisation, Region
from bwmo.rules import forecast
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def controller(demo):
    organisation = Organisation.objects.filter(municipality_id="GM0106").first()
    return make_user("prognose-controller", Role.CONTROLLER, organisation)


def _run(demo, **scenario):
    region = Region.objects.get(centrumgemeente_id="GM0106")
    return forecast_run_execute(
        run=forecast_run_create(
            region=region,
            cutoff=demo,
            years=2,
            runs=50,
            seed=1,
            scenario=forecast.Scenario(**scenario),
            with_backtest=True,
            parameter_set=default_parameter_set(),
        )
    )


def test_form_errors_are_specific_and_nothing_is_stored(client, controller):
    client.force_login(controller)
    before = ForecastRun.objects.count()
    response = client.post(
        reverse("forecast:index"),
        {
            "naam": "x",
            "afschalen_pct": "900",
            "intramural_pct": "0",
            "inflow_pct": "0",
            "wlz_pct": "0",
            "indexatie": "0",
            "ingroeipad_later": "0",
            "jaren": "5",
            "simulaties": "1000",
            "capaciteit_plaatsen": "4",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "afschalen_pct" in errors
    assert "capaciteit_product" in errors and "capaciteit_vanaf" in errors
    assert ForecastRun.objects.count() == before


def test_the_form_sets_the_seed_and_the_budget_parameters(client, controller, monkeypatch):
    started = []
    monkeypatch.setattr("bwmo.forecast.views.forecast_run_start", lambda run: started.append(run))
    client.force_login(controller)
    chosen = default_parameter_set()
    assert chosen is not None
    form = client.get(reverse("forecast:index")).context["form"]
    assert form["budgetparameters"].initial == chosen.pk and form["startwaarde"].initial == 0
    fields = {
        "naam": "basis",
        "afschalen_pct": "0",
        "intramural_pct": "0",
        "inflow_pct": "0",
        "wlz_pct": "0",
        "indexatie": "0",
        "ingroeipad_later": "0",
        "jaren": "2",
        "simulaties": "200",
    }
    response = client.post(
        reverse("forecast:index"), {**fields, "startwaarde": "7", "budgetparameters": ""}
    )
    assert response.status_code == 302
    run = started[-1]
    assert run.seed == 7 and run.parameter_set is None
    response = client.post(
        reverse("forecast:index"),
        {**fields, "startwaarde": "8", "budgetparameters": str(chosen.pk)},
    )
    assert started[-1].seed == 8 and started[-1].parameter_set == chosen
    # A negative seed is refused with a specific error, and nothing is stored.
    before = ForecastRun.objects.count()
    response = client.post(reverse("forecast:index"), {**fields, "startwaarde": "-1"})
    assert "startwaarde" in response.context["form"].errors
    assert ForecastRun.objects.count() == before


def test_detail_shows_the_fan_backtest_and_budget(client, controller, demo):
    run = _run(demo, name="afschalen 20% sneller", afschalen_pct=20)
    client.force_login(controller)
    page = client.get(reverse("forecast:detail", args=[run.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "<polygon" in text and "P10–P90" in text
    assert "backtest" in text.lower() and "Kosten beschermd wonen tegen het budget" in text
    # The region includes other municipalities: small numbers are hidden for this reader.
    assert page.context["audience"] == "external"
    for row in page.context["rows"] + page.context["by_municipality"]:
        for key in ("clients_p10", "clients_p50", "clients_p90"):
            value = row[key]
            assert value == "×" or (isinstance(value, int | float) and not 0 < value < 5), (
                key,
                value,
            )
    # The demo contracts places: demand is set against them per product and year.
    assert "Capaciteit tegen vraag (hele regio)" in text
    contracted = [
        row
        for row in page.context["capacity"]
        if row["places"] is not None or row["end"] is not None
    ]
    assert contracted and all(row["label"] for row in contracted)
    # After the contracts' end the places are not known (not 0): the end date is shown.
    for row in contracted:
        if row["places"] is None:
            assert f"onbekend na einde contract ({row['end']:%-d-%-m-%Y})" in text
    for row in page.context["shortages"]:
        assert f"tekort vanaf {row['year']}" in text
    own = client.get(reverse("forecast:detail", args=[run.pk]), {"gemeente": "GM0106"})
    assert own.context["audience"] == "internal"
    # The region's capacity stays under the region's audience when one municipality is shown.
    assert own.context["capacity"] == page.context["capacity"]
    workbook = client.get(reverse("forecast:excel", args=[run.pk]))
    book = load_workbook(BytesIO(workbook.content))
    assert book.sheetnames[0] == "Over dit bestand"
    assert "Kosten tegen budget" in book.sheetnames


def test_compare_two_runs(client, controller, demo):
    base = _run(demo)
    faster = _run(demo, name="afschalen 20% sneller", afschalen_pct=20)
    client.force_login(controller)
    page = client.get(reverse("forecast:compare"), {"a": base.pk, "b": faster.pk})
    assert page.status_code == 200
    table = page.context["table"]
    assert [line["year"] for line in table] == [2027, 2028]
    assert all(len(line["cells"]) == 2 for line in table)
    assert page.context["heading"] == "Hele regio, alle producten"
    # Per municipality and product: the rows of that municipality and product.
    own = client.get(
        reverse("forecast:compare"),
        {"a": base.pk, "b": faster.pk, "gemeente": "GM0106", "product": "BW"},
    )
    assert own.status_code == 200
    assert (
        own.context["heading"].startswith("Assen") and "Beschermd wonen" in (own.context["heading"])
    )
    cells = [cell for line in own.context["table"] for cell in line["cells"]]
    assert cells and all(
        cell["total"]["municipality"] == "GM0106" and cell["total"]["product"] == "BW"
        for cell in cells
    )
    # Its own municipality is shown in full: the region's total is larger than Assen's.
    region_total = table[0]["cells"][0]["total"]["clients_p50"]
    assert own.context["table"][0]["cells"][0]["total"]["clients_p50"] <= region_total
    # An unknown municipality is a form error, not a page of another region.
    wrong = client.get(
        reverse("forecast:compare"), {"a": base.pk, "b": faster.pk, "gemeente": "GM0363"}
    )
    assert "gemeente" in wrong.context["form"].errors


def test_a_run_of_another_region_is_not_found(client, controller, demo):
    region = Region.objects.get(centrumgemeente_id="GM0114")
    other = forecast_run_create(region=region, cutoff=demo, years=1, runs=10, seed=1)
    client.force_login(controller)
    assert client.get(reverse("forecast:detail", args=[other.pk])).status_code == 404


def test_a_reader_of_several_regions_chooses_the_region(client, controller, demo, monkeypatch):
    monkeypatch.setattr("bwmo.forecast.views.forecast_run_start", lambda run: None)
    boce = Region.objects.get(centrumgemeente_id="GM0114")
    organisation = Organisation.objects.filter(municipality_id="GM0106").first()
    reader = make_user("prognose-beide", Role.CONTROLLER, organisation)
    reader.is_superuser = True
    reader.save()
    client.force_login(reader)
    page = client.get(reverse("forecast:index"))
    assert len(page.context["regions"]) == Region.objects.count() >= 2
    assert 'name="regio"' in page.content.decode()
    page = client.get(reverse("forecast:index"), {"regio": boce.pk})
    assert page.context["region"] == boce
    run = forecast_run_create(region=boce, cutoff=demo, years=1, runs=10, seed=1)
    assert client.get(reverse("forecast:detail", args=[run.pk])).status_code == 200
    # The controller of Assen reads one region: no choice, and BOCE's run is not found.
    client.force_login(controller)
    page = client.get(reverse("forecast:index"), {"regio": boce.pk})
    assert page.context["region"].centrumgemeente_id == "GM0106"
    assert 'name="regio" id="id_regio"' not in page.content.decode()
    assert client.get(reverse("forecast:detail", args=[run.pk])).status_code == 404


def test_the_fan_chart_shows_the_cut_off_year_without_a_gap(client, controller, demo):
    # The demo's cut-off is 1 December 2026: its history ends in 2025, the forecast starts
    # in 2027; 2026 is drawn as the year so far (marked 2026*), on one unbroken axis.
    run = _run(demo)
    client.force_login(controller)
    response = client.get(reverse("forecast:detail", args=[run.pk]))
    assert response.status_code == 200
    for key in ("clients_chart", "cost_chart"):
        chart = response.context[key]
        texts = [label["text"] for label in chart["labels"]]
        years = [int(text.rstrip("*")) for text in texts]
        assert years == list(range(years[0], years[-1] + 1)), texts
        assert "2026*" in texts and texts[-2:] == ["2027", "2028"]
        partial = [p for p in chart["points"] if p["partial"]]
        assert len(partial) == 1 and partial[0]["title"].startswith("2026*: ")
    html = response.content.decode()
    assert "2026* is het lopende jaar" in html and "12 maandstanden" in html
    assert 'class="chart__partial"' in html
    table = response.context["year_table"]
    assert [r["year"] for r in table] == sorted(r["year"] for r in table)
    assert [r["kind"] for r in table if r["year"] == 2026] == ["partial"]
    assert {r["year"] for r in table} >= {2025, 2026, 2027, 2028}
