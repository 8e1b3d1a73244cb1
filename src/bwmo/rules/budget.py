"""The BW budget: from the national macrobudget to each region and municipality.

The Rijk publishes, per year, the BW macrobudget and the ingroeipad percentage; a region's
historic budget is a fixed share of the historic (centrumgemeente) part of the macrobudget and
each municipality's objective budget is given by the circular, either as amounts or as shares
of the objective part (the domain description ``budget.md`` derives the formulas).

Money is ``Decimal`` throughout and is only rounded when written out (whole euros, half up),
so that a chain of shares and scalings never accumulates rounding error.

Decisions where the description leaves room:

* A municipality without a figure for a year that is in the macro table has an objective
  budget of 0 for that year. The circular's own example gives amounts for 2023 and 2024 only,
  and no objective budget exists before the ingroeipad starts, so a partial table is normal.
* In the CSV/JSON output every amount is rounded on its own from the exact value. A row's
  rounded ``total`` can therefore differ by €1 from rounded ``historic`` + rounded
  ``objective``, and a ``REGION`` row from the sum of its rounded municipality rows; the
  exact values always add up.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext

__all__ = [
    "REGION",
    "BudgetDifference",
    "BudgetParameters",
    "BudgetRow",
    "MacroYear",
    "MunicipalityParams",
    "RegionParams",
    "centrum_macro",
    "centrum_macro_unclamped",
    "compare",
    "compute_budget",
    "objective_macro",
    "round_euros",
    "rows_to_json",
    "to_csv",
]

REGION = "REGION"
"""The ``municipality`` value of a region's totals row."""

CSV_HEADER = ("year", "region", "municipality", "historic", "objective", "total")

ZERO = Decimal(0)
HUNDRED = Decimal(100)

# Enough digits that multiplying ten-digit amounts by shares and percentages stays exact,
# whatever context the caller has set globally.
_CONTEXT = Context(prec=50)
# The one division (the historic share) has to stop somewhere. A fixed 10 decimals is far below
# a cent and keeps every amount within the default 28-digit context, so callers adding rows
# in their own context get exact sums.
_QUOTIENT = Decimal("1e-10")


@dataclass(frozen=True)
class MacroYear:
    """One year of the national macro table, as a circular publishes it."""

    year: int
    macro_bw: Decimal
    macro_incl_wlz_lsi: Decimal
    centrum_share_pct: Decimal
    centrum_macro: Decimal | None = None
    """The published historic part; when given it wins over the percentage."""


@dataclass(frozen=True)
class MunicipalityParams:
    """A member municipality with its objective budget as amounts or as shares, per year."""

    code: str
    objective: dict[int, Decimal] | None = None
    objective_share: dict[int, Decimal] | None = None

    def __post_init__(self) -> None:
        if self.objective is not None and self.objective_share is not None:
            raise ValueError(
                f"municipality {self.code}: give objective amounts or objective shares, not both"
            )


@dataclass(frozen=True)
class RegionParams:
    name: str
    centrumgemeente: str
    historic_base_year: int
    historic_base_amount: Decimal
    municipalities: tuple[MunicipalityParams, ...] = ()


@dataclass(frozen=True)
class BudgetParameters:
    """One parameter set, typically one circular or one scenario."""

    name: str
    macro: tuple[MacroYear, ...]
    regions: tuple[RegionParams, ...] = ()


@dataclass(frozen=True)
class BudgetRow:
    """Exact (unrounded) budget of one municipality, or of the region (``REGION``), in a year."""

    year: int
    region: str
    municipality: str
    historic: Decimal
    objective: Decimal
    total: Decimal


@dataclass(frozen=True)
class BudgetDifference:
    """The same year/region/municipality in two budget runs; ``None`` where a run lacks it."""

    year: int
    region: str
    municipality: str
    a: BudgetRow | None
    b: BudgetRow | None

    @property
    def historic_delta(self) -> Decimal:
        return _amount(self.b, "historic") - _amount(self.a, "historic")

    @property
    def objective_delta(self) -> Decimal:
        return _amount(self.b, "objective") - _amount(self.a, "objective")

    @property
    def total_delta(self) -> Decimal:
        return _amount(self.b, "total") - _amount(self.a, "total")


def _amount(row: BudgetRow | None, name: str) -> Decimal:
    return ZERO if row is None else getattr(row, name)


def centrum_macro_unclamped(year_params: MacroYear) -> Decimal:
    """``share × macro_incl − (macro_incl − macro_bw)`` before the floor at zero.

    The whole Wlz/LSI take-out comes off the historic part, which is why this goes negative
    (and the historic budget reaches zero) while the percentage is still well above zero.
    """
    with localcontext(_CONTEXT):
        incl = year_params.macro_incl_wlz_lsi
        return year_params.centrum_share_pct * incl / HUNDRED - (incl - year_params.macro_bw)


def centrum_macro(year_params: MacroYear, *, use_published: bool = True) -> Decimal:
    """The historic part of the macrobudget: the published amount if any, else the formula."""
    if use_published and year_params.centrum_macro is not None:
        return year_params.centrum_macro
    return max(ZERO, centrum_macro_unclamped(year_params))


def objective_macro(year_params: MacroYear, *, use_published: bool = True) -> Decimal:
    """The part of the macrobudget distributed by the objective model."""
    with localcontext(_CONTEXT):
        return year_params.macro_bw - centrum_macro(year_params, use_published=use_published)


def compute_budget(params: BudgetParameters) -> list[BudgetRow]:
    """Budget rows per year (ascending), region and municipality, each region closed by REGION.

    Raises ``ValueError`` when the parameters leave the historic budget undefined; parameter
    files read through ``budget_params`` have been checked for this already.
    """
    macro_by_year = {m.year: m for m in params.macro}
    if len(macro_by_year) != len(params.macro):
        raise ValueError(f"{params.name}: the macro table has a year more than once")
    # Checked up front so that no rows are produced for parameters that cannot be computed.
    bases = [_historic_base(region, macro_by_year) for region in params.regions]

    rows: list[BudgetRow] = []
    with localcontext(_CONTEXT):
        for year in sorted(macro_by_year):
            year_params = macro_by_year[year]
            cm = centrum_macro(year_params)
            om = objective_macro(year_params)
            for region, (base_amount, base_macro) in zip(params.regions, bases, strict=True):
                # Multiply before dividing: one rounding step, and scaling the whole macro
                # table leaves the historic budget exactly unchanged.
                historic = (base_amount * cm / base_macro).quantize(_QUOTIENT)
                objective_sum = ZERO
                for municipality in region.municipalities:
                    objective = _objective(municipality, year, om)
                    own_historic = historic if municipality.code == region.centrumgemeente else ZERO
                    objective_sum += objective
                    rows.append(
                        BudgetRow(
                            year=year,
                            region=region.name,
                            municipality=municipality.code,
                            historic=own_historic,
                            objective=objective,
                            total=own_historic + objective,
                        )
                    )
                rows.append(
                    BudgetRow(
                        year=year,
                        region=region.name,
                        municipality=REGION,
                        historic=historic,
                        objective=objective_sum,
                        total=historic + objective_sum,
                    )
                )
    return rows


def _historic_base(
    region: RegionParams, macro_by_year: dict[int, MacroYear]
) -> tuple[Decimal, Decimal]:
    base = macro_by_year.get(region.historic_base_year)
    if base is None:
        raise ValueError(
            f"region {region.name!r}: historic_base_year {region.historic_base_year} "
            "is not in the macro table"
        )
    base_macro = centrum_macro(base)
    if base_macro <= 0:
        raise ValueError(
            f"region {region.name!r}: centrum_macro of historic_base_year "
            f"{region.historic_base_year} is 0, so the historic share is undefined"
        )
    return region.historic_base_amount, base_macro


def _objective(municipality: MunicipalityParams, year: int, om: Decimal) -> Decimal:
    if municipality.objective is not None:
        return municipality.objective.get(year, ZERO)
    if municipality.objective_share is not None:
        return municipality.objective_share.get(year, ZERO) * om
    return ZERO


_EURO = Decimal(1)


def round_euros(amount: Decimal) -> int:
    """Whole euros, half up (away from zero), as the output format prescribes."""
    return int(amount.quantize(_EURO, rounding=ROUND_HALF_UP))


# A spreadsheet reads a CSV cell that begins like this as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def csv_text(value: str) -> str:
    """A text cell as a spreadsheet will show it and never run it: one that begins like a
    formula gets a leading apostrophe, the usual sign for "this is text"."""
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def to_csv(rows: Iterable[BudgetRow]) -> str:
    """``year,region,municipality,historic,objective,total`` with amounts in whole euros.
    Names are written as text that no spreadsheet runs as a formula (see ``csv_text``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    texts: dict[str, str] = {}  # a few hundred names, each on many rows: made safe once
    for row in rows:
        region, municipality = row.region, row.municipality
        if region not in texts:
            texts[region] = csv_text(region)
        if municipality not in texts:
            texts[municipality] = csv_text(municipality)
        writer.writerow(
            (
                row.year,
                texts[region],
                texts[municipality],
                int(row.historic.quantize(_EURO, rounding=ROUND_HALF_UP)),
                int(row.objective.quantize(_EURO, rounding=ROUND_HALF_UP)),
                int(row.total.quantize(_EURO, rounding=ROUND_HALF_UP)),
            )
        )
    return buffer.getvalue()


def rows_to_json(rows: Iterable[BudgetRow], *, exact: bool = False) -> str:
    """A JSON array of row objects, amounts in whole euros like the CSV.

    With ``exact=True`` amounts are the unrounded values as decimal strings, because JSON
    numbers are read as binary floats by most consumers.
    """

    def amount(value: Decimal) -> int | str:
        return str(value) if exact else round_euros(value)

    return json.dumps(
        [
            {
                "year": row.year,
                "region": row.region,
                "municipality": row.municipality,
                "historic": amount(row.historic),
                "objective": amount(row.objective),
                "total": amount(row.total),
            }
            for row in rows
        ],
        ensure_ascii=False,
    )


def compare(
    rows_a: Sequence[BudgetRow],
    rows_b: Sequence[BudgetRow],
    *,
    include_unchanged: bool = False,
) -> list[BudgetDifference]:
    """Line up two budget runs per year, region and municipality (``b`` minus ``a``).

    Rows present in one run only (another year range, another membership) are reported with
    ``None`` on the missing side. Unless ``include_unchanged``, rows whose exact amounts are
    equal in both runs are left out.
    """
    by_key_a = _index(rows_a, "rows_a")
    by_key_b = _index(rows_b, "rows_b")
    differences = []
    for key in sorted(by_key_a.keys() | by_key_b.keys(), key=_sort_key):
        a, b = by_key_a.get(key), by_key_b.get(key)
        if (
            not include_unchanged
            and a is not None
            and b is not None
            and (a.historic, a.objective, a.total) == (b.historic, b.objective, b.total)
        ):
            continue
        differences.append(BudgetDifference(key[0], key[1], key[2], a, b))
    return differences


def _index(rows: Sequence[BudgetRow], label: str) -> dict[tuple[int, str, str], BudgetRow]:
    index: dict[tuple[int, str, str], BudgetRow] = {}
    for row in rows:
        key = (row.year, row.region, row.municipality)
        if key in index:
            raise ValueError(f"{label}: more than one row for {key}")
        index[key] = row
    return index


def _sort_key(key: tuple[int, str, str]) -> tuple[int, str, bool, str]:
    # The region's totals row closes each region, as in compute_budget's output.
    year, region, municipality = key
    return (year, region, municipality == REGION, municipality)
