"""Budget against cost for a region, through the services and the controller's screens."""

from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from bwmo.care.models import Indication, Stay, Tariff
from bwmo.finance import services
from bwmo.finance.models import BudgetParameterSet, NonClientCost
from bwmo.rules.budget_params import EXAMPLE_PARAMETERS
from tests.factories import granted_client

pytestmark = pytest.mark.django_db

MACRO = open(EXAMPLE_PARAMETERS, encoding="utf-8").read()  # noqa: SIM115
MACRO = MACRO[MACRO.index("\n[[macro]]") + 1 : MACRO.index("\n[[region]]")]


def _params_text(assen_share="0.0002", base=2000000):
    members = {"GM0106": assen_share, "GM1730": "0.0001"}
    region = [
        "[[region]]",
        'name = "Centrumregio Assen"',
        'centrumgemeente = "GM0106"',
        "historic_base_year = 2021",
        f"historic_base_amount = {base}",
        "",
    ]
    for code, share in members.items():
        region += [
            "[[region.municipality]]",
            f'code = "{code}"',
            "[region.municipality.objective_share]",
            *(f"{year} = {share}" for year in range(2023, 2033)),
            "",
        ]
    return 'name = "test"\n\n' + MACRO + "\n" + "\n".join(region)


@pytest.fixture
def parameter_set(region_setup):
    return services.parameter_set_upload(name="Test circulaire", text=_params_text(), user=None)


@pytest.fixture
def cost_client(region_setup):
    """A client of Assen in BW Intramuraal at € 900 a week since 14 days ago."""
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
    return client


def test_realised_and_committed_cost_are_charged_to_the_responsible_municipality(
    region_setup, parameter_set, cost_client
):
    today = timezone.localdate()
    overview = services.finance_overview(
        region=region_setup.region, parameter_set=parameter_set, today=today
    )
    assen = next(r for r in overview.rows_for(today.year) if r.code == "GM0106")
    # 14 days at € 900 a week (the tariff of the factories' contract).
    assert assen.realised.quantize(Decimal("0.01")) == Decimal("1800.00")
    assert assen.committed > 0  # the rest of the year
    assert assen.clients == 1
    tynaarlo = next(r for r in overview.rows_for(today.year) if r.code == "GM1730")
    assert tynaarlo.realised == 0
    assert assen.result == assen.budget - assen.realised - assen.non_client


def test_non_client_costs_lower_the_result(region_setup, parameter_set, cost_client):
    today = timezone.localdate()
    NonClientCost.objects.create(
        municipality=region_setup.assen, year=today.year, kind="toegang", amount=Decimal("25000")
    )
    overview = services.finance_overview(
        region=region_setup.region, parameter_set=parameter_set, today=today
    )
    assen = next(r for r in overview.rows_for(today.year) if r.code == "GM0106")
    assert assen.non_client == Decimal("25000")
    assert assen.result == assen.budget - assen.realised - Decimal("25000")


def test_solidarity_transfers_balance_to_zero(region_setup, parameter_set, cost_client):
    today = timezone.localdate()
    overview = services.finance_overview(
        region=region_setup.region,
        parameter_set=parameter_set,
        today=today,
        risk_threshold=Decimal(1000),
    )
    for year in overview.years:
        rows = [c for c in overview.solidarity if c.year == year]
        for arrangement in ("none", "full_pooling", "risk_pool"):
            assert sum(getattr(c, arrangement) for c in rows) == 0
    this_year = [c for c in overview.solidarity if c.year == today.year]
    assert any(c.risk_pool != 0 for c in this_year)  # the client's € 800 above € 1,000 pooled


def test_scenario_two_years_later_changes_the_budget(region_setup, parameter_set):
    later = services.scenario_create(
        base=parameter_set, delay_years=2, name="Twee jaar later", user=None
    )
    today = date(2026, 6, 1)
    base_rows = services.finance_overview(
        region=region_setup.region, parameter_set=parameter_set, today=today
    ).rows
    later_rows = services.finance_overview(
        region=region_setup.region, parameter_set=later, today=today
    ).rows
    historic = lambda rows, y: sum(r.historic for r in rows if r.year == y)  # noqa: E731
    assert historic(later_rows, 2025) > historic(base_rows, 2025)


def test_malformed_upload_is_refused_whole_with_every_error(client, region_setup):
    client.force_login(region_setup.users["controller"])
    bad = (
        _params_text()
        .replace('code = "GM1730"', 'code = "GM9999"')
        .replace("historic_base_amount = 2000000", "historic_base_amount = -5")
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("finance:parameters"),
        {
            "u-name": "Kapotte circulaire",
            "u-file": SimpleUploadedFile("c.toml", bad.encode(), "application/toml"),
        },
    )
    page = response.content.decode()
    assert "niets opgeslagen" in page
    assert "GM9999" in page and "historic_base_amount" in page
    assert not BudgetParameterSet.objects.filter(name="Kapotte circulaire").exists()


def test_upload_and_scenario_through_the_screen(client, region_setup):
    client.force_login(region_setup.users["controller"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("finance:parameters"),
        {
            "u-name": "Meicirculaire",
            "u-file": SimpleUploadedFile("c.toml", _params_text().encode()),
        },
    )
    assert response.status_code == 302
    base = BudgetParameterSet.objects.get(name="Meicirculaire")
    response = client.post(
        reverse("finance:parameters"), {"s-base": base.pk, "s-delay_years": 2, "s-name": "Later"}
    )
    assert response.status_code == 302
    assert BudgetParameterSet.objects.get(name="Later").derived_from == base


def test_controller_page_and_excel(client, region_setup, parameter_set, cost_client):
    client.force_login(region_setup.users["controller"])
    page = client.get(reverse("finance:overview")).content.decode()
    assert "<svg" in page and "bar--realised" in page
    assert "€ 1.800" in page  # realised cost of the one client
    assert cost_client.surname not in page  # aggregates only
    response = client.get(
        reverse("finance:overview"),
        {
            "regio": region_setup.region.pk,
            "parameters": parameter_set.pk,
            "jaar": timezone.localdate().year,
            "drempel": 50000,
            "formaat": "xlsx",
        },
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == [
        "Over dit bestand",
        "Budget en kosten",
        "Solidariteit",
        "Product en aanbieder",
        "Kosten per week",
    ]
    sheet = book["Budget en kosten"]
    assert isinstance(sheet["C2"].value, int | float)
    assert "€" in sheet["C2"].number_format


def test_missing_tariff_is_reported_not_hidden(client, region_setup, parameter_set, cost_client):
    Tariff.objects.all().delete()
    client.force_login(region_setup.users["controller"])
    response = client.get(reverse("finance:overview"))
    assert response.status_code == 200
    page = response.content.decode()
    # The gap with its count and who fixes it where; the other figures are still shown.
    assert "verblijf zonder tarief" in page or "verblijven zonder tarief" in page
    assert "Beheer &gt; Contracten" in page
    assert "budget van de regio" in page
    workbook = client.get(reverse("finance:overview") + "?formaat=xlsx")
    assert workbook.status_code == 200


def test_two_contracts_pricing_a_product_from_the_same_day_are_a_gap_not_an_error(
    client, region_setup, parameter_set, cost_client
):
    from bwmo.care.models import Contract

    # Data from before the refusal at entry: a second contract of the same provider prices
    # BW Intramuraal from the same day as T-1 (written directly, as old data would be).
    first = Tariff.objects.get()
    second = Contract.objects.create(
        provider=first.contract.provider,
        region=first.contract.region,
        reference="T-2",
        valid_from=first.valid_from,
        valid_to=date(2028, 12, 31),
    )
    Tariff.objects.create(
        contract=second,
        product=first.product,
        amount=Decimal("950"),
        unit=first.unit,
        valid_from=first.valid_from,
        valid_to=date(2030, 12, 31),
    )
    client.force_login(region_setup.users["controller"])
    response = client.get(reverse("finance:overview"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "1 verblijf met twee tarieven" in page
    assert "contract T-1 en contract T-2 prijzen product BW001 (BW Intramuraal)" in page
    assert f"van {first.valid_from:%d-%m-%Y} tot en met 31-12-2030" in page
    assert "het ene tarief eindigen voordat het andere begint" in page
    assert cost_client.surname not in page
    workbook = client.get(reverse("finance:overview") + "?formaat=xlsx")
    assert workbook.status_code == 200


def test_full_pooling_by_inhabitants(region_setup, parameter_set, cost_client):
    from bwmo.organisations.models import Municipality

    today = timezone.localdate()
    with pytest.raises(Exception, match="inwonertallen"):
        services.finance_overview(
            region=region_setup.region,
            parameter_set=parameter_set,
            today=today,
            pool_by=services.POOL_BY_INHABITANTS,
        )
    Municipality.objects.filter(code="GM0106").update(inhabitants=3000)
    Municipality.objects.filter(code="GM1730").update(inhabitants=1000)
    overview = services.finance_overview(
        region=region_setup.region,
        parameter_set=parameter_set,
        today=today,
        pool_by=services.POOL_BY_INHABITANTS,
    )
    rows = {c.municipality: c for c in overview.solidarity if c.year == today.year}
    total = rows["GM0106"].result + rows["GM1730"].result
    # After pooling Tynaarlo holds a quarter of the region's result.
    after = rows["GM1730"].result + rows["GM1730"].full_pooling
    assert abs(after - total / 4) < Decimal("0.01")


def test_region_without_members_or_budget_is_a_warning(client, region_setup, parameter_set):
    from bwmo.organisations.models import Municipality, Region

    empty = Region.objects.create(
        name="Lege regio", centrumgemeente=Municipality.objects.get(code="GM1730")
    )
    overview = services.finance_overview(
        region=empty, parameter_set=parameter_set, today=timezone.localdate()
    )
    assert {gap.kind for gap in overview.gaps} == {"no_members", "no_budget_parameters"}
    client.force_login(region_setup.users["controller"])
    response = client.get(
        reverse("finance:overview"),
        {
            "regio": empty.pk,
            "parameters": parameter_set.pk,
            "jaar": timezone.localdate().year,
            "drempel": 50000,
            "verevening": "objectief",
        },
    )
    assert response.status_code == 200
    assert "geen gemeenten" in response.content.decode()


def test_cost_lines_are_kept_until_their_data_changes(
    region_setup, parameter_set, cost_client, monkeypatch
):
    """The stays' cost lines are kept for the region's data version: asked again they are not
    computed again, and a change of a tariff or a stay gives the figures of the new data."""
    from bwmo.monitor.models import StoredDocument
    from bwmo.rules import costs

    computed = []
    real = costs.stay_costs

    def counted(*args, **kwargs):
        computed.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(costs, "stay_costs", counted)
    today = timezone.localdate()

    def assen():
        overview = services.finance_overview(
            region=region_setup.region, parameter_set=parameter_set, today=today
        )
        row = next(r for r in overview.rows_for(today.year) if r.code == "GM0106")
        return row.realised.quantize(Decimal("0.01")), row.clients

    assert assen() == (Decimal("1800.00"), 1)
    assert assen() == (Decimal("1800.00"), 1)
    assert len(computed) == 1  # the second time from the kept lines
    # What is kept names no client.
    kept = str(list(StoredDocument.objects.values_list("document", flat=True)))
    assert str(cost_client.pseudonym) not in kept

    Tariff.objects.update(amount=Decimal("1050"))  # € 150 a day
    assert assen() == (Decimal("2100.00"), 1)
    stay = Stay.objects.get(client=cost_client)
    stay.start = today - timedelta(days=6)  # 7 days
    stay.save()
    assert assen() == (Decimal("1050.00"), 1)
    assert len(computed) == 3
    # Kept on an earlier day: removed once the lines of a later day are computed.
    StoredDocument.objects.update(stored_at=timezone.now() - timedelta(days=1))
    services.cost_lines(region=region_setup.region, today=today, years=[today.year - 1])
    assert StoredDocument.objects.filter(document__has_key=services.KEPT_LINES).count() == 1
