"""Budget scenarios derived from a circular's parameters (no Django)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from bwmo.rules.budget import BudgetParameters, MunicipalityParams

HUNDRED = Decimal(100)


def delay_ingroeipad(params: BudgetParameters, years: int) -> BudgetParameters:
    """The same circular with the ingroeipad starting ``years`` later.

    Each year gets the percentage of ``years`` earlier (100% before the table starts); a
    published ``centrum_macro`` no longer applies, so it is computed from the percentage.
    Objective amounts given per year move along with the path; shares of the objective
    macro follow automatically.
    """
    if years < 0:
        raise ValueError("a delay is zero or more years")
    by_year = {m.year: m for m in params.macro}
    macro = tuple(
        replace(
            m,
            centrum_share_pct=(
                by_year[m.year - years].centrum_share_pct if m.year - years in by_year else HUNDRED
            ),
            centrum_macro=None if years else m.centrum_macro,
        )
        for m in params.macro
    )
    regions = tuple(
        replace(
            region,
            municipalities=tuple(
                _shift_objective(municipality, years) for municipality in region.municipalities
            ),
        )
        for region in params.regions
    )
    suffix = f" (ingroeipad {years} jaar later)" if years else ""
    return replace(params, name=f"{params.name}{suffix}", macro=macro, regions=regions)


def _shift_objective(municipality: MunicipalityParams, years: int) -> MunicipalityParams:
    if not municipality.objective or not years:
        return municipality
    return replace(
        municipality,
        objective={year + years: amount for year, amount in municipality.objective.items()},
    )
