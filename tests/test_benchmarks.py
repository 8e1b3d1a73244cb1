"""The benchmark functions measure what they say, and leave the database as it was."""

from datetime import date

import pytest

from bwmo import benchmarks
from bwmo.organisations.reference import MUNICIPALITIES_CSV
from bwmo.rules.budget import REGION, compute_budget
from bwmo.rules.budget_params import load_reference_municipalities, parse_budget_parameters
from bwmo.toegang.models import Melding
from bwmo.woonplaats.models import ResponsibilityDecision
from tests.factories import register_client


def test_the_national_budget_parameters_cover_every_municipality_for_twelve_years():
    known = load_reference_municipalities(MUNICIPALITIES_CSV)
    params = parse_budget_parameters(benchmarks.national_budget_parameters_text(known), known)
    assert len(params.regions) == 44
    assert sorted(m.code for r in params.regions for m in r.municipalities) == sorted(known)
    rows = compute_budget(params)
    assert {r.year for r in rows} == set(range(2021, 2033))
    assert len([r for r in rows if r.municipality != REGION]) == 342 * 12


@pytest.mark.django_db
def test_the_recompute_benchmark_writes_and_rolls_back(region_setup):
    from bwmo.toegang import services as toegang_services

    client = register_client(region_setup, municipality="GM1730")
    toegang_services.melding_register(
        client=client,
        product_kind="BW",
        applied_to=region_setup.assen,
        received_on=date(2026, 3, 2),
        summary="",
        organisation=region_setup.org["assen"],
        user=region_setup.users["toegang_assen"],
    )
    before = list(ResponsibilityDecision.objects.values_list("pk", "is_current"))
    responsible = list(Melding.objects.values_list("pk", "responsible_municipality_id"))
    seconds = benchmarks.bench_woonplaats_recompute("GM0106", version="uitstel-2027", runs=1)
    assert seconds > 0
    assert list(ResponsibilityDecision.objects.values_list("pk", "is_current")) == before
    assert list(Melding.objects.values_list("pk", "responsible_municipality_id")) == responsible
