from decimal import Decimal

from bwmo.organisations.reference import MUNICIPALITIES_CSV
from bwmo.rules.budget import REGION, compute_budget
from bwmo.rules.budget_params import (
    EXAMPLE_PARAMETERS,
    load_budget_parameters,
    load_reference_municipalities,
)
from bwmo.rules.budget_scenarios import delay_ingroeipad


def _params():
    return load_budget_parameters(
        EXAMPLE_PARAMETERS, load_reference_municipalities(MUNICIPALITIES_CSV)
    )


def _region_rows(rows):
    return {r.year: r for r in rows if r.municipality == REGION}


def test_two_years_later_keeps_more_historic_budget_for_longer():
    base = _region_rows(compute_budget(_params()))
    later = _region_rows(compute_budget(delay_ingroeipad(_params(), 2)))
    assert base[2022].historic == later[2022].historic  # 100% in both
    assert later[2023].historic > base[2023].historic
    assert base[2029].historic == 0 and later[2029].historic > 0
    assert later[2031].historic == 0


def test_no_delay_is_the_circular_itself():
    assert compute_budget(delay_ingroeipad(_params(), 0)) == compute_budget(_params())


def test_delay_shifts_percentages():
    delayed = delay_ingroeipad(_params(), 2)
    shares = {m.year: m.centrum_share_pct for m in delayed.macro}
    original = {m.year: m.centrum_share_pct for m in _params().macro}
    assert shares[2023] == Decimal(100)
    assert shares[2025] == original[2023]
    assert all(m.centrum_macro is None for m in delayed.macro)
