"""The budget model against the published macro table, the parameter files and their errors."""

import csv
import io
import json
import os
from dataclasses import replace
from decimal import Context, Decimal, localcontext
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bwmo.rules.budget import (
    REGION,
    BudgetParameters,
    BudgetRow,
    MacroYear,
    MunicipalityParams,
    RegionParams,
    centrum_macro,
    compare,
    compute_budget,
    objective_macro,
    round_euros,
    rows_to_json,
    to_csv,
)
from bwmo.rules.budget_params import (
    EXAMPLE_PARAMETERS,
    BudgetParameterError,
    load_budget_parameters,
    load_reference_municipalities,
    parse_budget_parameters,
)

SHARED_DIR = Path(
    os.environ.get("BWMO_SHARED_DIR") or Path(__file__).resolve().parents[2].parent / "shared"
)
DATA_DIR = SHARED_DIR / "data"
MACRO_CSV = DATA_DIR / "macrobudget-bw.csv"
CBS_CSV = DATA_DIR / "cbs-gemeenten-2026.csv"

# The two Drenthe regions, enough reference data for tests that must not depend on the share.
KNOWN = {
    "GM0106": "Assen",
    "GM1680": "Aa en Hunze",
    "GM1731": "Midden-Drenthe",
    "GM1699": "Noordenveld",
    "GM1730": "Tynaarlo",
    "GM1690": "De Wolden",
    "GM0118": "Hoogeveen",
    "GM0119": "Meppel",
    "GM1701": "Westerveld",
    "GM0114": "Emmen",
    "GM0109": "Coevorden",
    "GM1681": "Borger-Odoorn",
}

TOLERANCE = Decimal("0.0005")  # 0.05%, the documented effect of the rounded percentage


def _read_published() -> list[dict[str, Decimal]]:
    if not MACRO_CSV.exists():
        return []
    with MACRO_CSV.open(encoding="utf-8", newline="") as handle:
        return [{k: Decimal(v) for k, v in record.items()} for record in csv.DictReader(handle)]


PUBLISHED = _read_published()
PUBLISHED_YEARS = [int(r["year"]) for r in PUBLISHED]


def published_by_year() -> dict[int, dict[str, Decimal]]:
    if not PUBLISHED:
        pytest.skip(f"published macro table not found at {MACRO_CSV} (set BWMO_SHARED_DIR)")
    return {int(r["year"]): r for r in PUBLISHED}


def macro_year(record: dict[str, Decimal], *, published: bool = True) -> MacroYear:
    return MacroYear(
        year=int(record["year"]),
        macro_bw=record["macro_bw"],
        macro_incl_wlz_lsi=record["macro_incl_wlz_lsi"],
        centrum_share_pct=record["centrum_share_pct"],
        centrum_macro=record["centrum_macro_published"] if published else None,
    )


def relative_deviation(computed: Decimal, published: Decimal) -> Decimal:
    if published == 0:
        return Decimal(0) if computed == 0 else Decimal("Infinity")
    return abs(computed - published) / published


def macro_toml(
    records: list[dict[str, Decimal]],
    *,
    shares: dict[int, Decimal] | None = None,
    published: bool = True,
) -> str:
    tables = []
    for r in records:
        year = int(r["year"])
        share = (shares or {}).get(year, r["centrum_share_pct"])
        lines = [
            "[[macro]]",
            f"year = {year}",
            f"macro_bw = {r['macro_bw']}",
            f"macro_incl_wlz_lsi = {r['macro_incl_wlz_lsi']}",
            f"centrum_share_pct = {share}",
        ]
        if published:
            lines.append(f"centrum_macro = {r['centrum_macro_published']}")
        tables.append("\n".join(lines))
    return "\n\n".join(tables) + "\n\n"


def example_region_toml() -> str:
    text = EXAMPLE_PARAMETERS.read_text(encoding="utf-8")
    return text[text.index("[[region]]") :]


def example_params() -> BudgetParameters:
    return load_budget_parameters(EXAMPLE_PARAMETERS, KNOWN)


def rows_by_key(rows: list[BudgetRow]) -> dict[tuple[int, str], BudgetRow]:
    return {(row.year, row.municipality): row for row in rows}


# -- the national figures --------------------------------------------------------------------


@pytest.mark.parametrize("year", PUBLISHED_YEARS)
def test_published_centrum_macro_is_used_exactly(year: int) -> None:
    record = published_by_year()[year]
    params = macro_year(record)
    assert centrum_macro(params) == record["centrum_macro_published"]
    assert objective_macro(params) == record["objective_macro_published"]


@pytest.mark.parametrize("year", PUBLISHED_YEARS)
def test_percentage_alone_reproduces_published_split_within_0_05_percent(year: int) -> None:
    record = published_by_year()[year]
    params = macro_year(record, published=False)
    centrum = centrum_macro(params)
    objective = objective_macro(params)
    centrum_dev = relative_deviation(centrum, record["centrum_macro_published"])
    objective_dev = relative_deviation(objective, record["objective_macro_published"])
    assert centrum_dev <= TOLERANCE, f"{year}: centrum_macro {centrum} off by {centrum_dev:.4%}"
    assert objective_dev <= TOLERANCE, f"{year}: objective {objective} off by {objective_dev:.4%}"
    assert centrum + objective == record["macro_bw"]


def test_worst_deviation_from_the_percentage() -> None:
    by_year = published_by_year()
    deviations = {}
    for year, record in by_year.items():
        computed = centrum_macro(macro_year(record, published=False))
        published = record["centrum_macro_published"]
        deviations[year] = relative_deviation(computed, published)
        print(
            f"{year}: published {published:>16,} computed {computed:>18,.2f} {deviations[year]:.4%}"
        )
    worst_year = max(deviations, key=lambda y: deviations[y])
    print(f"worst: {worst_year} {deviations[worst_year]:.4%}")
    # 2028: 121,903,626.03 published against 121,847,420.80 from 36.96% (-0.0461%).
    assert worst_year == 2028
    assert Decimal("0.00046") < deviations[worst_year] <= TOLERANCE


def test_historic_part_falls_to_zero_in_2029_although_the_percentage_does_not() -> None:
    by_year = published_by_year()
    for published in (True, False):
        centrum = {y: centrum_macro(macro_year(r, published=published)) for y, r in by_year.items()}
        assert centrum[2028] > 0
        assert all(centrum[y] == 0 for y in range(2029, 2033))
    assert by_year[2029]["centrum_share_pct"] == Decimal("30.72")


# -- region and municipality budgets ---------------------------------------------------------


def test_example_file_carries_the_published_macro_table() -> None:
    by_year = published_by_year()
    params = example_params()
    assert [m.year for m in params.macro] == list(range(2021, 2033))
    for m in params.macro:
        assert m == macro_year(by_year[m.year])


def test_zuidoost_drenthe_historic_budget() -> None:
    rows = rows_by_key(compute_budget(example_params()))
    assert rows[2021, REGION].historic == Decimal(13_691_613)
    assert round_euros(rows[2022, REGION].historic) == 13_181_651
    assert round_euros(rows[2023, REGION].historic) == 11_879_780
    assert round_euros(rows[2028, REGION].historic) == 1_127_057
    for year in range(2029, 2033):
        assert rows[year, REGION].historic == 0
        assert rows[year, "GM0114"].historic == 0


def test_historic_budget_is_paid_to_the_centrumgemeente_only() -> None:
    rows = compute_budget(example_params())
    regions = {r.year: r for r in rows if r.municipality == REGION}
    for row in rows:
        if row.municipality == "GM0114":
            assert row.historic == regions[row.year].historic
        elif row.municipality != REGION:
            assert row.historic == 0


def test_region_total_is_historic_plus_sum_of_objectives() -> None:
    rows = compute_budget(example_params())
    for year in range(2021, 2033):
        members = [r for r in rows if r.year == year and r.municipality != REGION]
        (region,) = [r for r in rows if r.year == year and r.municipality == REGION]
        assert region.objective == sum(r.objective for r in members)
        assert region.total == region.historic + region.objective
        assert region.total == sum(r.total for r in members)


def test_objective_from_shares_and_amounts_and_missing_years_count_as_zero() -> None:
    macro = (
        MacroYear(2021, Decimal(1000), Decimal(1500), Decimal(100), None),
        MacroYear(2023, Decimal(1000), Decimal(1500), Decimal(80)),  # centrum 700, objective 300
    )
    region = RegionParams(
        "R",
        "GM0114",
        2021,
        Decimal(100),
        (
            MunicipalityParams("GM0114", objective_share={2023: Decimal("0.5")}),
            MunicipalityParams("GM0109", objective={2023: Decimal("12.5")}),
            MunicipalityParams("GM1681"),
        ),
    )
    rows = rows_by_key(compute_budget(BudgetParameters("t", macro, (region,))))
    assert rows[2023, "GM0114"] == BudgetRow(2023, "R", "GM0114", 70, 150, 220)
    assert rows[2023, "GM0109"].objective == Decimal("12.5")
    assert rows[2023, "GM1681"].objective == 0
    assert rows[2021, "GM0109"].objective == 0  # no figure for 2021: 0, no error
    assert rows[2023, REGION] == BudgetRow(
        2023, "R", REGION, 70, Decimal("162.5"), Decimal("232.5")
    )


def test_rows_come_per_year_then_region_with_the_region_row_last() -> None:
    rows = compute_budget(example_params())
    assert [(r.year, r.municipality) for r in rows[:5]] == [
        (2021, "GM0114"),
        (2021, "GM0109"),
        (2021, "GM1681"),
        (2021, REGION),
        (2022, "GM0114"),
    ]


def test_municipality_cannot_have_both_amounts_and_shares() -> None:
    with pytest.raises(ValueError, match="not both"):
        MunicipalityParams("GM0109", objective={}, objective_share={})


def test_compute_refuses_an_undefined_historic_share() -> None:
    params = example_params()
    region = replace(params.regions[0], historic_base_year=2019)
    with pytest.raises(ValueError, match="historic_base_year 2019 is not in the macro table"):
        compute_budget(replace(params, regions=(region,)))
    region = replace(params.regions[0], historic_base_year=2030)
    with pytest.raises(ValueError, match="centrum_macro of historic_base_year 2030 is 0"):
        compute_budget(replace(params, regions=(region,)))


# -- output ----------------------------------------------------------------------------------


def test_csv_header_and_half_up_rounding() -> None:
    rows = [
        BudgetRow(2023, "R", "GM0114", Decimal("0.5"), Decimal("1.5"), Decimal("2.0")),
        BudgetRow(2023, "R", "GM0109", Decimal("2.5"), Decimal("2.4999"), Decimal("4.9999")),
        BudgetRow(2023, "R", REGION, Decimal("3.0"), Decimal("3.9999"), Decimal("6.9999")),
    ]
    assert to_csv(rows) == (
        "year,region,municipality,historic,objective,total\n"
        "2023,R,GM0114,1,2,2\n"  # each amount rounded on its own: 1 + 2 ≠ 2
        "2023,R,GM0109,3,2,5\n"
        "2023,R,REGION,3,4,7\n"
    )


def test_csv_of_the_example_and_quoting() -> None:
    text = to_csv(compute_budget(example_params()))
    assert text.splitlines()[0] == "year,region,municipality,historic,objective,total"
    assert "2021,Zuidoost-Drenthe,GM0114,13691613,0,13691613" in text.splitlines()
    assert len(text.splitlines()) == 1 + 12 * 4
    row = BudgetRow(2023, "Regio, test", "GM0114", Decimal(1), Decimal(2), Decimal(3))
    assert list(csv.reader(io.StringIO(to_csv([row]))))[1] == [
        "2023",
        "Regio, test",
        "GM0114",
        "1",
        "2",
        "3",
    ]


def test_json_output_rounded_and_exact() -> None:
    row = BudgetRow(2023, "R", "GM0114", Decimal("0.5"), Decimal("10.25"), Decimal("10.75"))
    assert json.loads(rows_to_json([row])) == [
        {
            "year": 2023,
            "region": "R",
            "municipality": "GM0114",
            "historic": 1,
            "objective": 10,
            "total": 11,
        }
    ]
    exact = json.loads(rows_to_json([row], exact=True))[0]
    assert (exact["historic"], exact["objective"], exact["total"]) == ("0.5", "10.25", "10.75")


# -- comparing two parameter files -----------------------------------------------------------


def _variant_two_years_later(tmp_path: Path) -> tuple[BudgetParameters, BudgetParameters]:
    """The circular, and the same with the ingroeipad starting in 2025 instead of 2023."""
    by_year = published_by_year()
    records = [by_year[y] for y in sorted(by_year)]
    shares = {y: by_year[y - 2]["centrum_share_pct"] for y in by_year if y - 2 >= 2023}
    shares.update({2023: Decimal(100), 2024: Decimal(100)})
    circular = tmp_path / "septembercirculaire-2021.toml"
    circular.write_text(
        'name = "septembercirculaire 2021"\n\n' + macro_toml(records) + example_region_toml(),
        encoding="utf-8",
    )
    variant = tmp_path / "ingroeipad-twee-jaar-later.toml"
    variant.write_text(
        'name = "ingroeipad twee jaar later"\n\n'
        + macro_toml(records, shares=shares, published=False)
        + example_region_toml(),
        encoding="utf-8",
    )
    return load_budget_parameters(circular, KNOWN), load_budget_parameters(variant, KNOWN)


def test_compare_circular_with_delayed_ingroeipad(tmp_path: Path) -> None:
    circular, variant = _variant_two_years_later(tmp_path)
    rows_a, rows_b = compute_budget(circular), compute_budget(variant)
    differences = compare(rows_a, rows_b)

    assert min(d.year for d in differences) == 2023  # 2021-2022: 100% either way
    by_key = {(d.year, d.municipality): d for d in differences}
    region_2023 = by_key[2023, REGION]
    assert region_2023.historic_delta > 0
    assert region_2023.objective_delta < 0
    assert region_2023.b is not None and region_2023.b.objective == 0
    coevorden = by_key[2023, "GM0109"]
    assert coevorden.a is not None and coevorden.a.objective > 0
    assert coevorden.total_delta == -coevorden.a.objective
    # The historic budget now lasts until 2030 and reaches zero in 2031.
    region_b = {r.year: r for r in rows_b if r.municipality == REGION}
    assert region_b[2030].historic > 0
    assert region_b[2031].historic == 0
    assert all(d.a is not None and d.b is not None for d in differences)
    assert len(compare(rows_a, rows_b, include_unchanged=True)) == len(rows_a)
    assert compare(rows_a, rows_a) == []


def test_compare_reports_rows_present_on_one_side_only() -> None:
    params = example_params()
    rows_a = compute_budget(params)
    rows_b = compute_budget(replace(params, macro=params.macro[:-1]))  # without 2032
    differences = compare(rows_a, rows_b)
    assert {(d.year, d.municipality) for d in differences} == {
        (2032, "GM0114"),
        (2032, "GM0109"),
        (2032, "GM1681"),
        (2032, REGION),
    }
    region = next(d for d in differences if d.municipality == REGION)
    assert region.b is None
    assert region.a is not None and region.total_delta == -region.a.total
    with pytest.raises(ValueError, match="more than one row"):
        compare(rows_a + rows_a[:1], rows_b)


# -- parameter files: every error class with its message -------------------------------------

BASE = """name = "test"

[[macro]]
year = 2021
macro_bw = 1480899000.00
macro_incl_wlz_lsi = 2124899000.00
centrum_share_pct = 100.00
centrum_macro = 1480899000.00

[[macro]]
year = 2023
macro_bw = 1426377000.00
macro_incl_wlz_lsi = 2070377000.00
centrum_share_pct = 93.17
centrum_macro = 1284929241.55

[[macro]]
year = 2029
macro_bw = 1428098000.00
macro_incl_wlz_lsi = 2072098000.00
centrum_share_pct = 30.72

[[region]]
name = "Zuidoost-Drenthe"
centrumgemeente = "GM0114"
historic_base_year = 2021
historic_base_amount = 13691613

[[region.municipality]]
code = "GM0114"
objective_share = { 2023 = 0.0056, 2029 = 0.0056 }

[[region.municipality]]
code = "GM0109"
name = "Coevorden"
objective = { 2023 = 298810 }

[[region.municipality]]
code = "GM1681"
objective_share = { 2023 = 0.0015 }
"""

SECOND_REGION = """
[[region]]
name = "Centrumregio Assen"
centrumgemeente = "GM0106"
historic_base_year = 2021
historic_base_amount = 30000000

[[region.municipality]]
code = "GM0106"
objective = {}
"""

REGION_ZOD = "region 'Zuidoost-Drenthe'"


def errors_of(text: str) -> list[str]:
    with pytest.raises(BudgetParameterError) as caught:
        parse_budget_parameters(text, KNOWN)
    return caught.value.errors


def edit(old: str, new: str, text: str = BASE) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def test_base_file_is_valid() -> None:
    params = parse_budget_parameters(BASE, KNOWN)
    assert [m.year for m in params.macro] == [2021, 2023, 2029]
    assert params.macro[1].centrum_macro == Decimal("1284929241.55")  # exact, not a float
    assert params.macro[2].centrum_macro is None
    (region,) = params.regions
    assert [m.code for m in region.municipalities] == ["GM0114", "GM0109", "GM1681"]
    assert region.municipalities[1].objective == {2023: Decimal(298810)}


def test_malformed_toml_reports_line_and_column() -> None:
    assert errors_of(edit("macro_bw = 1426377000.00", "macro_bw = € 1426377000")) == [
        "line 12, column 12: malformed TOML: Invalid value; "
        "expected valid TOML (https://toml.io/en/v1.0.0)"
    ]
    assert errors_of('name = "x') == [
        "end of file: malformed TOML: Unterminated string; "
        "expected valid TOML (https://toml.io/en/v1.0.0)"
    ]


def test_missing_year() -> None:
    assert errors_of(edit("year = 2023\n", "")) == [
        "macro[2].year: missing; expected a year such as 2023"
    ]


def test_year_of_the_wrong_type_or_range() -> None:
    assert errors_of(edit("year = 2023", 'year = "2023"')) == [
        "macro[2].year: got the string '2023'; expected a year such as 2023"
    ]
    assert errors_of(edit("year = 2023", "year = 223")) == [
        "macro[2].year: 223 is out of range; expected a year from 2000 to 2100"
    ]


def test_duplicate_years() -> None:
    assert errors_of(edit("year = 2029", "year = 2023")) == [
        "macro[3].year: 2023 also appears in macro[2]; expected each year once",
        f"{REGION_ZOD} municipality[1] (GM0114).objective_share.2029: 2029 is not in the macro "
        "table (2021–2023); expected only years that have a [[macro]] table",
    ]


def test_negative_amount() -> None:
    assert errors_of(edit("macro_bw = 1426377000.00", "macro_bw = -1426377000.00")) == [
        "macro[2] (year 2023).macro_bw: -1426377000.00 is negative; "
        "expected an amount in euros, at least 0"
    ]


def test_amount_written_as_text() -> None:
    assert errors_of(edit("macro_bw = 1426377000.00", 'macro_bw = "1.426.377.000"')) == [
        "macro[2] (year 2023).macro_bw: got the string '1.426.377.000'; "
        "expected an amount in euros (a plain number)"
    ]


def test_macro_bw_above_the_amount_before_take_out() -> None:
    assert errors_of(edit("macro_bw = 1426377000.00", "macro_bw = 3426377000.00")) == [
        "macro[2] (year 2023).macro_bw: 3426377000.00 is above macro_incl_wlz_lsi "
        "2070377000.00; expected macro_bw at most macro_incl_wlz_lsi (the macrobudget before "
        "the Wlz/LSI take-out)"
    ]


def test_centrum_share_above_100_percent() -> None:
    assert errors_of(edit("centrum_share_pct = 30.72", "centrum_share_pct = 130.72")) == [
        "macro[3] (year 2029).centrum_share_pct: 130.72 is above 100 (100%); "
        "expected a percentage from 0 to 100"
    ]


def test_objective_share_above_one() -> None:
    assert errors_of(edit("{ 2023 = 0.0015 }", "{ 2023 = 1.5 }")) == [
        f"{REGION_ZOD} municipality[3] (GM1681).objective_share.2023: 1.5 is above 1 (100%); "
        "expected a fraction of objective_macro from 0 to 1"
    ]


def test_objective_shares_together_above_one() -> None:
    assert errors_of(edit("{ 2023 = 0.0015 }", "{ 2023 = 0.9999 }")) == [
        "year 2023: the objective_share values in this file add up to 1.0055 (above 100%); "
        "expected shares of one national objective_macro, together at most 1"
    ]


def test_published_centrum_macro_that_does_not_fit_the_percentage() -> None:
    text = edit("centrum_macro = 1284929241.55", "centrum_macro = 1384929241.55")
    assert errors_of(text) == [
        "macro[2] (year 2023).centrum_macro: 1384929241.55 does not follow from "
        "centrum_share_pct 93.17, which gives 1,284,970,250.90 (a percentage rounded to 93.17 "
        "allows 1,284,866,732.05 to 1,285,073,769.75); expected the published amount for this "
        "percentage, or leave centrum_macro out to compute it from the percentage"
    ]
    text = edit("centrum_macro = 1284929241.55", "centrum_macro = 1484929241.55")
    assert errors_of(text) == [
        "macro[2] (year 2023).centrum_macro: 1484929241.55 is above macro_bw 1426377000.00; "
        "expected the historic part of macro_bw, at most macro_bw"
    ]


def test_unknown_municipality_code() -> None:
    assert errors_of(edit('code = "GM1681"', 'code = "GM9999"')) == [
        f"{REGION_ZOD} municipality[3].code: 'GM9999' is not a known CBS municipality code; "
        "expected a code from the reference list, of the form 'GM0114'"
    ]
    assert errors_of(edit('code = "GM1681"', 'code = "1681"')) == [
        f"{REGION_ZOD} municipality[3].code: '1681' is not a known CBS municipality code "
        "(did you mean 'GM1681', Borger-Odoorn?); expected a code from the reference list, of "
        "the form 'GM0114'"
    ]


def test_code_and_name_that_do_not_match() -> None:
    # GM0119 is a valid code, but Meppel's: the optional name catches the typo.
    assert errors_of(edit('code = "GM0109"', 'code = "GM0119"')) == [
        f"{REGION_ZOD} municipality[2] (GM0119).name: 'Coevorden' is not the CBS name of "
        "GM0119, which is 'Meppel' (the code of Coevorden is GM0109); expected code and name "
        "to match"
    ]


def test_region_without_centrumgemeente() -> None:
    assert errors_of(edit('centrumgemeente = "GM0114"\n', "")) == [
        f"{REGION_ZOD}: has no centrumgemeente; expected centrumgemeente = the CBS code of the "
        "municipality that receives the historic budget, e.g. 'GM0114'"
    ]


def test_centrumgemeente_must_be_a_member() -> None:
    assert errors_of(edit('centrumgemeente = "GM0114"', 'centrumgemeente = "GM0106"')) == [
        f"{REGION_ZOD}.centrumgemeente: GM0106 is not one of the region's municipalities "
        "(GM0114, GM0109, GM1681); expected a [[region.municipality]] entry for the "
        "centrumgemeente too"
    ]


def test_historic_base_year_missing_from_macro_table() -> None:
    assert errors_of(edit("historic_base_year = 2021", "historic_base_year = 2020")) == [
        f"{REGION_ZOD}.historic_base_year: 2020 is not in the macro table (2021–2029); "
        "expected a year that has a [[macro]] table"
    ]


def test_historic_base_year_without_historic_budget() -> None:
    assert errors_of(edit("historic_base_year = 2021", "historic_base_year = 2029")) == [
        f"{REGION_ZOD}.historic_base_year: centrum_macro of 2029 is 0, so the region's share "
        "of it is undefined; expected a year in which the historic budget is still paid, "
        "e.g. 2021"
    ]


def test_historic_base_amount_above_the_national_amount() -> None:
    text = edit("historic_base_amount = 13691613", "historic_base_amount = 1591613000")
    assert errors_of(text) == [
        f"{REGION_ZOD}.historic_base_amount: 1591613000 is above centrum_macro of 2021 "
        "(1,480,899,000.00); expected the region's part of it"
    ]


def test_unknown_key() -> None:
    assert errors_of(
        edit("centrum_share_pct = 30.72", "centrum_share_pct = 30.72\ncentrm = 0")
    ) == [
        "macro[3] (year 2029): unknown key 'centrm'; expected only 'year', 'macro_bw', "
        "'macro_incl_wlz_lsi', 'centrum_share_pct', 'centrum_macro'"
    ]


def test_objective_as_amounts_and_shares_or_neither() -> None:
    both = edit(
        "objective = { 2023 = 298810 }",
        "objective = { 2023 = 298810 }\nobjective_share = { 2023 = 0.002 }",
    )
    assert errors_of(both) == [
        f"{REGION_ZOD} municipality[2] (GM0109): has both objective and objective_share; "
        "expected one of them (amounts per year or shares of objective_macro per year)"
    ]
    assert errors_of(edit("objective = { 2023 = 298810 }\n", "")) == [
        f"{REGION_ZOD} municipality[2] (GM0109): has no objective budget; expected objective = "
        "{ 2023 = 298810, … } (euros per year) or objective_share = { 2023 = 0.00211, … } "
        "(fraction of objective_macro per year), or objective = {} if there are no figures yet"
    ]


def test_objective_year_not_in_macro_table_or_not_a_year() -> None:
    assert errors_of(edit("{ 2023 = 298810 }", "{ 2024 = 298810 }")) == [
        f"{REGION_ZOD} municipality[2] (GM0109).objective.2024: 2024 is not in the macro table "
        "(2021–2029); expected only years that have a [[macro]] table"
    ]
    assert errors_of(edit("{ 2023 = 298810 }", "{ 23 = 298810 }")) == [
        f"{REGION_ZOD} municipality[2] (GM0109).objective.23: '23' is not a year; "
        "expected e.g. { 2023 = 298810 }"
    ]
    assert errors_of(edit("objective = { 2023 = 298810 }", "objective = 298810")) == [
        f"{REGION_ZOD} municipality[2] (GM0109).objective: got 298810; "
        "expected a table of year = value, { 2023 = 298810 }"
    ]


def test_objective_amounts_above_the_objective_macrobudget() -> None:
    assert errors_of(edit("{ 2023 = 298810 }", "{ 2021 = 298810 }")) == [
        "year 2021: the objective budgets in this file add up to 298,810.00, more than "
        "objective_macro(2021) = 0.00; expected at most objective_macro (amounts in euros, not "
        "thousands; no objective budget before the ingroeipad starts; use objective_share to "
        "follow a changed ingroeipad)"
    ]


def test_missing_name_and_missing_tables() -> None:
    assert errors_of('title = "x"\n') == [
        "top level: unknown key 'title'; expected only 'name', 'macro', 'region'",
        "name: missing; expected the name of the circular or scenario, "
        'e.g. name = "septembercirculaire 2021"',
        "macro: missing; expected at least one [[macro]] table",
        "region: missing; expected at least one [[region]] table",
    ]
    assert errors_of('name = "x"\nmacro = [1, 2]\nregion = 3\n') == [
        "macro: got an array; expected [[macro]] tables",
        "region: got 3; expected [[region]] tables",
    ]


def test_duplicate_region_and_municipality() -> None:
    text = (
        BASE
        + SECOND_REGION.replace("Centrumregio Assen", "Zuidoost-Drenthe")
        + (
            '\n[[region.municipality]]\ncode = "GM0109"\nobjective = {}\n'
            '\n[[region.municipality]]\ncode = "GM0106"\nobjective = {}\n'
        )
    )
    assert errors_of(text) == [
        "region[2].name: 'Zuidoost-Drenthe' is also the name of region[1]; "
        "expected each region once",
        f"region[2] municipality[2].code: GM0109 is already listed in {REGION_ZOD}; "
        "expected each municipality once",
        "region[2] municipality[3].code: GM0106 is already listed in this region; "
        "expected each municipality once",
    ]


def test_two_regions_are_fine() -> None:
    params = parse_budget_parameters(BASE + SECOND_REGION, KNOWN)
    assert [r.name for r in params.regions] == ["Zuidoost-Drenthe", "Centrumregio Assen"]
    rows = compute_budget(params)
    assert len(rows) == 3 * (4 + 2)


def test_all_errors_are_collected_in_file_order() -> None:
    text = edit("macro_bw = 1426377000.00", "macro_bw = -1")
    text = edit("centrum_share_pct = 30.72", "centrum_share_pct = 101", text)
    text = edit('code = "GM1681"', 'code = "GM9999"', text)
    text = edit("historic_base_year = 2021", "historic_base_year = 2020", text)
    with pytest.raises(BudgetParameterError) as caught:
        parse_budget_parameters(text, KNOWN, source="scenario.toml")
    error = caught.value
    assert [e.split(":")[0] for e in error.errors] == [
        "macro[2] (year 2023).macro_bw",
        "macro[3] (year 2029).centrum_share_pct",
        f"{REGION_ZOD}.historic_base_year",
        f"{REGION_ZOD} municipality[3].code",
    ]
    assert str(error).startswith("4 errors in budget parameters in scenario.toml:\n- macro[2]")
    assert error.source == "scenario.toml"


def test_a_bad_macro_year_does_not_cause_follow_on_errors() -> None:
    # Without a readable year, 2023 might be that table: no "not in the macro table" noise.
    assert len(errors_of(edit("year = 2023\n", "year = true\n"))) == 1


# -- reference data --------------------------------------------------------------------------


def test_load_reference_municipalities(tmp_path: Path) -> None:
    path = tmp_path / "gemeenten.csv"
    path.write_text("\ufeffcode,name,province\nGM0114,Emmen,Drenthe\n", encoding="utf-8")
    assert load_reference_municipalities(path) == {"GM0114": "Emmen"}

    path.write_text("gemeente,naam\nGM0114,Emmen\n", encoding="utf-8")
    with pytest.raises(ValueError, match="header lacks code, name"):
        load_reference_municipalities(path)
    path.write_text("code,name,province\n0114,Emmen,Drenthe\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2: code '0114' is not of the form GM0123"):
        load_reference_municipalities(path)
    path.write_text("code,name,province\nGM0114,Emmen,D\nGM0114,Emmen,D\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 3: code GM0114 appears more than once"):
        load_reference_municipalities(path)


def test_cbs_reference_list_validates_the_example() -> None:
    if not CBS_CSV.exists():
        pytest.skip(f"CBS reference list not found at {CBS_CSV} (set BWMO_SHARED_DIR)")
    known = load_reference_municipalities(CBS_CSV)
    assert len(known) == 342
    assert {code: known[code] for code in KNOWN} == KNOWN
    assert load_budget_parameters(EXAMPLE_PARAMETERS, known) == example_params()


# -- properties ------------------------------------------------------------------------------

amounts = st.decimals(min_value=0, max_value=10**10, places=2)
percentages = st.decimals(min_value=0, max_value=100, places=2)
shares = st.decimals(min_value=0, max_value=1, places=6)


@st.composite
def parameter_sets(draw: st.DrawFn) -> BudgetParameters:
    years = sorted(draw(st.lists(st.integers(2021, 2040), min_size=1, max_size=6, unique=True)))
    macro = []
    for index, year in enumerate(years):
        macro_bw = draw(amounts.filter(lambda a: a > 0))
        macro_incl = macro_bw + draw(amounts)
        # The base year pays a historic budget, otherwise the region's share is undefined.
        share = Decimal(100) if index == 0 else draw(percentages)
        published = draw(st.none() | st.decimals(min_value=0, max_value=macro_bw, places=2))
        if index == 0:
            published = None
        macro.append(MacroYear(year, macro_bw, macro_incl, share, published))
    codes = iter(
        f"GM{n:04d}" for n in draw(st.lists(st.integers(1, 9999), min_size=6, unique=True))
    )
    regions = []
    for number in range(draw(st.integers(1, 2))):
        members = []
        for _ in range(draw(st.integers(1, 3))):
            code = next(codes)
            if draw(st.booleans()):
                members.append(
                    MunicipalityParams(
                        code, objective=draw(st.dictionaries(st.sampled_from(years), amounts))
                    )
                )
            else:
                members.append(
                    MunicipalityParams(
                        code, objective_share=draw(st.dictionaries(st.sampled_from(years), shares))
                    )
                )
        regions.append(
            RegionParams(f"R{number}", members[0].code, years[0], draw(amounts), tuple(members))
        )
    return BudgetParameters("generated", tuple(macro), tuple(regions))


@settings(max_examples=150, deadline=None)
@given(parameter_sets())
def test_totals_always_add_up(params: BudgetParameters) -> None:
    rows = compute_budget(params)
    assert len(rows) == len(params.macro) * sum(len(r.municipalities) + 1 for r in params.regions)
    # The engine adds with 50 digits; so does the check (the default context keeps 28 and
    # would round a generated amount of 19 integer and 10 decimal digits).
    with localcontext(Context(prec=50)):
        for row in rows:
            assert row.total == row.historic + row.objective
            assert row.historic >= 0 and row.objective >= 0
        for region in params.regions:
            for year in (m.year for m in params.macro):
                members = [
                    r
                    for r in rows
                    if r.region == region.name and r.year == year and r.municipality != REGION
                ]
                (total,) = [
                    r
                    for r in rows
                    if r.region == region.name and r.year == year and r.municipality == REGION
                ]
                assert total.objective == sum(r.objective for r in members)
                assert total.historic == sum(r.historic for r in members)
                assert total.total == total.historic + total.objective


def _scale_macro(params: BudgetParameters, factor: Decimal) -> BudgetParameters:
    return replace(
        params,
        macro=tuple(
            replace(
                m,
                macro_bw=m.macro_bw * factor,
                macro_incl_wlz_lsi=m.macro_incl_wlz_lsi * factor,
                centrum_macro=None if m.centrum_macro is None else m.centrum_macro * factor,
            )
            for m in params.macro
        ),
    )


@settings(max_examples=150, deadline=None)
@given(parameter_sets(), st.decimals(min_value=Decimal("0.01"), max_value=1000, places=2))
def test_scaling_the_macrobudget_scales_share_based_budgets(
    params: BudgetParameters, factor: Decimal
) -> None:
    by_share = {
        m.code for r in params.regions for m in r.municipalities if m.objective_share is not None
    }
    original = compute_budget(params)
    scaled = compute_budget(_scale_macro(params, factor))
    for before, after in zip(original, scaled, strict=True):
        # The historic budget is anchored to the region's base amount, not to the macro level.
        assert after.historic == before.historic
        if before.municipality in by_share:
            assert after.objective == before.objective * factor
        elif before.municipality != REGION:
            assert after.objective == before.objective  # amounts in euros do not move

    # Scaling the base amounts as well scales every historic budget.
    regions = tuple(
        replace(r, historic_base_amount=r.historic_base_amount * factor) for r in params.regions
    )
    both = compute_budget(replace(_scale_macro(params, factor), regions=regions))
    for before, after in zip(original, both, strict=True):
        # Equal up to the 10 decimals the historic budget is carried to, on both sides, and
        # to the 28 significant digits of Decimal arithmetic for extreme generated amounts.
        expected = before.historic * factor
        tolerance = (1 + factor) * Decimal("5e-11") + abs(expected) * Decimal("1e-25")
        assert abs(after.historic - expected) <= tolerance


@given(amounts.filter(lambda a: a > 0), amounts, percentages)
def test_split_of_the_macrobudget_stays_within_bounds(
    macro_bw: Decimal, take_out: Decimal, share: Decimal
) -> None:
    params = MacroYear(2030, macro_bw, macro_bw + take_out, share)
    assert 0 <= centrum_macro(params) <= macro_bw
    assert 0 <= objective_macro(params) <= macro_bw
    assert centrum_macro(params) + objective_macro(params) == macro_bw


@pytest.mark.parametrize(
    "name", ['=HYPERLINK("http://example.invalid","klik")', "+1", "-1+2", "@SUM(A1)", "\tx", "＝1"]
)
def test_csv_never_starts_a_text_cell_like_a_formula(name: str) -> None:
    row = BudgetRow(2023, name, name, Decimal(1), Decimal(2), Decimal(3))
    cells = list(csv.reader(io.StringIO(to_csv([row]))))[1]
    assert cells[1] == cells[2] == "'" + name
    assert cells[3:] == ["1", "2", "3"]  # numbers stay numbers, even negative ones


def test_each_error_has_a_code_a_place_and_parameters() -> None:
    # A screen renders the problem in its own language from these; the English text the
    # command line shows is made from the same code and parameters.
    from bwmo.rules.budget_params import ENGLISH, Where

    text = edit("macro_bw = 1426377000.00", "macro_bw = -1426377000.00")
    with pytest.raises(BudgetParameterError) as caught:
        parse_budget_parameters(text, KNOWN)
    (problem,) = caught.value.problems
    assert problem.code == "number_negative" and problem.code in ENGLISH
    assert problem.where == Where(macro=2, year=2023, key="macro_bw")
    assert problem.params == {"what": "amount", "value": Decimal("-1426377000.00")}
    assert caught.value.errors == [str(problem)]
