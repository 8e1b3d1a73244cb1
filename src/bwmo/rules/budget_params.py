"""Budget parameter files (TOML, one per circular or scenario) read into ``BudgetParameters``.

Everything is checked before anything is returned, and all problems are reported together,
so a controller fixing a file sees the whole list at once. Each message says where (tables
are counted from 1 in file order: ``macro[2]`` is the second ``[[macro]]`` table), what is
wrong and what was expected.

Decisions where the description leaves room:

* The centrumgemeente must be listed among the region's municipalities: it receives its own
  objective budget as well, and leaving it out would silently drop that budget.
* Every municipality gives ``objective`` or ``objective_share`` (``objective = {}`` when it has
  no figures yet); missing years within a table count as 0 (see ``budget``).
* A published ``centrum_macro`` must agree with ``centrum_share_pct`` to within the rounding
  of the percentage. Otherwise a scenario that changes the percentage but keeps the published
  amount would silently keep the old ingroeipad, because the published amount wins.
* The objective budgets in one file cannot add up to more than ``objective_macro`` of the
  year (give or take €1 per rounded amount); this catches amounts in thousands and amounts
  for years in which the ingroeipad has not started.
"""

from __future__ import annotations

import csv
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from bwmo.rules.budget import (
    BudgetParameters,
    MacroYear,
    MunicipalityParams,
    RegionParams,
    centrum_macro,
    centrum_macro_unclamped,
    objective_macro,
)

__all__ = [
    "EXAMPLE_PARAMETERS",
    "BudgetParameterError",
    "load_budget_parameters",
    "load_reference_municipalities",
    "parse_budget_parameters",
]

EXAMPLE_PARAMETERS = (
    Path(__file__).resolve().parent / "data" / "budget-example-zuidoost-drenthe.toml"
)

_TOP_KEYS = ("name", "macro", "region")
_MACRO_KEYS = ("year", "macro_bw", "macro_incl_wlz_lsi", "centrum_share_pct", "centrum_macro")
_REGION_KEYS = (
    "name",
    "centrumgemeente",
    "historic_base_year",
    "historic_base_amount",
    "municipality",
)
_MUNICIPALITY_KEYS = ("code", "name", "objective", "objective_share")

_FIRST_YEAR, _LAST_YEAR = 2000, 2100
# Circulars publish the ingroeipad with two decimals; never demand more agreement than that.
_MIN_PCT_TOLERANCE = Decimal("0.005")
_CENT = Decimal("0.01")
_ONE = Decimal(1)
_YEAR_KEY = re.compile(r"\d{4}")
_TOML_POSITION = re.compile(r"^(?P<msg>.*) \(at line (?P<line>\d+), column (?P<col>\d+)\)$")


class BudgetParameterError(ValueError):
    """A parameter file is unusable; ``errors`` lists every problem found, in file order."""

    def __init__(self, errors: list[str], source: str | None = None) -> None:
        self.errors = list(errors)
        self.source = source
        where = f" in {source}" if source else ""
        count = f"{len(self.errors)} error{'s' if len(self.errors) != 1 else ''}"
        super().__init__(
            f"{count} in budget parameters{where}:\n" + "\n".join(f"- {e}" for e in self.errors)
        )


def load_reference_municipalities(csv_path: str | os.PathLike[str]) -> dict[str, str]:
    """CBS code → name from a ``code,name,province`` file such as ``cbs-gemeenten-2026.csv``."""
    path = Path(csv_path)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"code", "name"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(
                f"{path}: header lacks {', '.join(sorted(missing))}; "
                "expected columns code,name,province"
            )
        municipalities: dict[str, str] = {}
        for line, record in enumerate(reader, start=2):
            code = (record["code"] or "").strip()
            if not re.fullmatch(r"GM\d{4}", code):
                raise ValueError(f"{path}, line {line}: code {code!r} is not of the form GM0123")
            if code in municipalities:
                raise ValueError(f"{path}, line {line}: code {code} appears more than once")
            municipalities[code] = (record["name"] or "").strip()
    return municipalities


def load_budget_parameters(
    path: str | os.PathLike[str], known_municipalities: Mapping[str, str]
) -> BudgetParameters:
    file = Path(path)
    data = file.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BudgetParameterError(
            [
                f"byte {error.start + 1}: not UTF-8 text "
                f"({data[error.start : error.start + 1]!r}); expected a TOML file in UTF-8"
            ],
            str(file),
        ) from None
    return parse_budget_parameters(
        text.removeprefix("\ufeff"), known_municipalities, source=str(file)
    )


def parse_budget_parameters(
    text: str, known_municipalities: Mapping[str, str], *, source: str | None = None
) -> BudgetParameters:
    """Parse and validate a parameter file; raises ``BudgetParameterError`` listing all errors.

    ``known_municipalities`` maps CBS code → name (``load_reference_municipalities``).
    """
    try:
        # Decimal straight from the text: a binary float would turn 1284929241.55 into
        # 1284929241.549999952316...
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise BudgetParameterError([_syntax_message(exc)], source) from exc
    except RecursionError:
        raise BudgetParameterError(
            ["file: arrays or tables nested too deeply; expected the flat layout of the example"],
            source,
        ) from None
    except ValueError as exc:  # an integer longer than Python will convert
        raise BudgetParameterError(
            [f"file: a number cannot be read ({exc}); expected amounts and years of normal size"],
            source,
        ) from None
    parser = _Parser(known_municipalities)
    params = parser.document(data)
    if parser.errors or params is None:
        raise BudgetParameterError(parser.errors, source)
    return params


def _syntax_message(exc: tomllib.TOMLDecodeError) -> str:
    text = str(exc)
    match = _TOML_POSITION.match(text)
    if match:
        where, what = f"line {match['line']}, column {match['col']}", match["msg"]
    else:
        where, what = "end of file", text.removesuffix(" (at end of document)")
    return f"{where}: malformed TOML: {what}; expected valid TOML (https://toml.io/en/v1.0.0)"


def _euros(amount: Decimal) -> str:
    return f"{amount.quantize(_CENT):,}"


def _describe(value: Any) -> str:
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return repr(value)


class _Parser:
    """Walks the TOML document once, collecting errors instead of stopping at the first."""

    def __init__(self, known_municipalities: Mapping[str, str]) -> None:
        self.known = known_municipalities
        self.errors: list[str] = []
        # Valid entries, for the amount checks; every year written down, for membership
        # checks, so that one bad amount does not also make its year "missing" elsewhere.
        self.macro_by_year: dict[int, MacroYear] = {}
        self.macro_years: set[int] = set()
        self.macro_years_known = False
        self.member_of: dict[str, str] = {}

    def error(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    # -- document --------------------------------------------------------------------------

    def document(self, data: dict[str, Any]) -> BudgetParameters | None:
        self.unknown_keys("top level", data, _TOP_KEYS)
        name = data.get("name")
        if name is None:
            self.error(
                "name",
                "missing; expected the name of the circular or scenario, "
                'e.g. name = "septembercirculaire 2021"',
            )
        elif not isinstance(name, str) or not name.strip():
            self.error("name", f"got {_describe(name)}; expected a non-empty string")

        macro = self.macro_table(data.get("macro"))
        regions = self.regions(data.get("region"))
        if regions is not None and macro is not None:
            self.objective_totals(regions)
        if self.errors or macro is None or regions is None or not isinstance(name, str):
            return None
        return BudgetParameters(name=name.strip(), macro=macro, regions=regions)

    def unknown_keys(self, where: str, table: dict[str, Any], allowed: tuple[str, ...]) -> None:
        for key in table:
            if key not in allowed:
                self.error(
                    where, f"unknown key {key!r}; expected only {', '.join(map(repr, allowed))}"
                )

    def array_of_tables(self, where: str, value: Any, header: str) -> list[dict[str, Any]] | None:
        if value is None:
            self.error(where, f"missing; expected at least one [[{header}]] table")
            return None
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            self.error(where, f"got {_describe(value)}; expected [[{header}]] tables")
            return None
        if not value:
            self.error(where, f"is empty; expected at least one [[{header}]] table")
            return None
        return value

    # -- scalar values ---------------------------------------------------------------------

    def year(self, where: str, value: object) -> int | None:
        if value is None:
            self.error(where, "missing; expected a year such as 2023")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(where, f"got {_describe(value)}; expected a year such as 2023")
            return None
        if not _FIRST_YEAR <= value <= _LAST_YEAR:
            self.error(
                where,
                f"{value} is out of range; expected a year from {_FIRST_YEAR} to {_LAST_YEAR}",
            )
            return None
        return value

    def number(
        self,
        where: str,
        value: Any,
        *,
        what: str = "an amount in euros",
        maximum: Decimal | None = None,
        above_max: str = "",
    ) -> Decimal | None:
        if value is None:
            self.error(where, f"missing; expected {what}")
            return None
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            self.error(where, f"got {_describe(value)}; expected {what} (a plain number)")
            return None
        amount = Decimal(value)
        if not amount.is_finite():
            self.error(where, f"got {value}; expected {what} (a finite number)")
            return None
        if amount < 0:
            self.error(where, f"{value} is negative; expected {what}, at least 0")
            return None
        if maximum is not None and amount > maximum:
            self.error(where, f"{value} is above {maximum}{above_max}; expected {what}")
            return None
        return amount

    def percentage(self, where: str, value: Any) -> Decimal | None:
        return self.number(
            where,
            value,
            what="a percentage from 0 to 100",
            maximum=Decimal(100),
            above_max=" (100%)",
        )

    def municipality_code(self, where: str, value: Any) -> str | None:
        if value is None:
            self.error(where, "missing; expected a CBS municipality code such as 'GM0114'")
            return None
        if not isinstance(value, str):
            self.error(where, f"got {_describe(value)}; expected a CBS code such as 'GM0114'")
            return None
        if value in self.known:
            return value
        guess = value.strip().upper()
        if not guess.startswith("GM"):
            guess = "GM" + guess.zfill(4)
        hint = f" (did you mean {guess!r}, {self.known[guess]}?)" if guess in self.known else ""
        self.error(
            where,
            f"{value!r} is not a known CBS municipality code{hint}; "
            "expected a code from the reference list, of the form 'GM0114'",
        )
        return None

    # -- [[macro]] -------------------------------------------------------------------------

    def macro_table(self, value: Any) -> tuple[MacroYear, ...] | None:
        tables = self.array_of_tables("macro", value, "macro")
        if tables is None:
            return None
        first_seen: dict[int, str] = {}
        ok = True
        for index, table in enumerate(tables, start=1):
            entry = self.macro_year(index, table, first_seen)
            if entry is None:
                ok = False
            else:
                self.macro_by_year[entry.year] = entry
        # A table without a readable year might be the very year a region refers to.
        self.macro_years_known = all(
            isinstance(year := table.get("year"), int) and year in self.macro_years
            for table in tables
        )
        if not ok:
            return None
        return tuple(sorted(self.macro_by_year.values(), key=lambda m: m.year))

    def macro_year(
        self, index: int, table: dict[str, Any], first_seen: dict[int, str]
    ) -> MacroYear | None:
        label = f"macro[{index}]"
        year = self.year(f"{label}.year", table.get("year"))
        if year is not None:
            if year in first_seen:
                self.error(
                    f"{label}.year",
                    f"{year} also appears in {first_seen[year]}; expected each year once",
                )
                year = None
            else:
                first_seen[year] = label
                self.macro_years.add(year)
                label = f"{label} (year {year})"
        self.unknown_keys(label, table, _MACRO_KEYS)
        errors_before = len(self.errors)
        macro_bw = self.number(f"{label}.macro_bw", table.get("macro_bw"))
        macro_incl = self.number(f"{label}.macro_incl_wlz_lsi", table.get("macro_incl_wlz_lsi"))
        share = self.percentage(f"{label}.centrum_share_pct", table.get("centrum_share_pct"))
        published = None
        if "centrum_macro" in table:
            published = self.number(f"{label}.centrum_macro", table["centrum_macro"])
        if (
            year is None
            or macro_bw is None
            or macro_incl is None
            or share is None
            or len(self.errors) > errors_before
        ):
            return None

        entry = MacroYear(year, macro_bw, macro_incl, share, published)
        if macro_bw > macro_incl:
            self.error(
                f"{label}.macro_bw",
                f"{macro_bw} is above macro_incl_wlz_lsi {macro_incl}; expected macro_bw at "
                "most macro_incl_wlz_lsi (the macrobudget before the Wlz/LSI take-out)",
            )
            return None
        if published is not None and not self.check_published(label, entry):
            return None
        return entry

    def check_published(self, label: str, entry: MacroYear) -> bool:
        published = entry.centrum_macro
        assert published is not None
        if published > entry.macro_bw:
            self.error(
                f"{label}.centrum_macro",
                f"{published} is above macro_bw {entry.macro_bw}; expected the historic part "
                "of macro_bw, at most macro_bw",
            )
            return False
        share = entry.centrum_share_pct
        exponent = share.as_tuple().exponent
        assert isinstance(exponent, int)  # finite, checked by number()
        tolerance = max(Decimal(5).scaleb(exponent - 1), _MIN_PCT_TOLERANCE)
        low = max(
            Decimal(0), centrum_macro_unclamped(replace(entry, centrum_share_pct=share - tolerance))
        )
        high = max(
            Decimal(0), centrum_macro_unclamped(replace(entry, centrum_share_pct=share + tolerance))
        )
        if low - _CENT <= published <= high + _CENT:
            return True
        computed = centrum_macro(entry, use_published=False)
        self.error(
            f"{label}.centrum_macro",
            f"{published} does not follow from centrum_share_pct {share}, which gives "
            f"{_euros(computed)} (a percentage rounded to {share} allows {_euros(low)} to "
            f"{_euros(high)}); expected the published amount for this percentage, or leave "
            "centrum_macro out to compute it from the percentage",
        )
        return False

    # -- [[region]] ------------------------------------------------------------------------

    def regions(self, value: Any) -> tuple[RegionParams, ...] | None:
        tables = self.array_of_tables("region", value, "region")
        if tables is None:
            return None
        regions: list[RegionParams] = []
        names: dict[str, int] = {}
        ok = True
        for index, table in enumerate(tables, start=1):
            region = self.region(index, table, names)
            if region is None:
                ok = False
            else:
                regions.append(region)
        return tuple(regions) if ok else None

    def region(
        self, index: int, table: dict[str, Any], names: dict[str, int]
    ) -> RegionParams | None:
        label = f"region[{index}]"
        errors_before = len(self.errors)
        name = table.get("name")
        if name is None:
            self.error(label, "missing key 'name'; expected the region's name")
        elif not isinstance(name, str) or not name.strip():
            self.error(f"{label}.name", f"got {_describe(name)}; expected a non-empty string")
            name = None
        else:
            name = name.strip()
            if name in names:
                self.error(
                    f"{label}.name",
                    f"{name!r} is also the name of region[{names[name]}]; "
                    "expected each region once",
                )
            else:
                names[name] = index
                label = f"region {name!r}"
        self.unknown_keys(label, table, _REGION_KEYS)

        centrum = None
        if "centrumgemeente" not in table:
            self.error(
                label,
                "has no centrumgemeente; expected centrumgemeente = the CBS code of the "
                "municipality that receives the historic budget, e.g. 'GM0114'",
            )
        else:
            centrum = self.municipality_code(f"{label}.centrumgemeente", table["centrumgemeente"])
        base_year = self.year(f"{label}.historic_base_year", table.get("historic_base_year"))
        base_amount = self.number(
            f"{label}.historic_base_amount", table.get("historic_base_amount")
        )
        if base_year is not None and base_amount is not None:
            self.check_historic_base(label, base_year, base_amount)

        municipalities = self.municipalities(label, table.get("municipality"))
        if centrum is not None and municipalities is not None:
            codes = [m.code for m in municipalities]
            if centrum not in codes:
                self.error(
                    f"{label}.centrumgemeente",
                    f"{centrum} is not one of the region's municipalities ({', '.join(codes)}); "
                    "expected a [[region.municipality]] entry for the centrumgemeente too",
                )
        if len(self.errors) > errors_before:
            return None
        assert name is not None and centrum is not None and municipalities is not None
        assert base_year is not None and base_amount is not None
        return RegionParams(name, centrum, base_year, base_amount, municipalities)

    def years_note(self) -> str:
        years = sorted(self.macro_years)
        return f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])

    def check_historic_base(self, label: str, base_year: int, base_amount: Decimal) -> None:
        if not self.macro_years_known:
            return  # the macro table has its own errors; nothing to check against
        if base_year not in self.macro_years:
            self.error(
                f"{label}.historic_base_year",
                f"{base_year} is not in the macro table ({self.years_note()}); "
                "expected a year that has a [[macro]] table",
            )
            return
        entry = self.macro_by_year.get(base_year)
        if entry is None:
            return  # that [[macro]] table has its own errors
        base_macro = centrum_macro(entry)
        if base_macro <= 0:
            self.error(
                f"{label}.historic_base_year",
                f"centrum_macro of {base_year} is 0, so the region's share of it is undefined; "
                "expected a year in which the historic budget is still paid, e.g. 2021",
            )
        elif base_amount > base_macro:
            self.error(
                f"{label}.historic_base_amount",
                f"{base_amount} is above centrum_macro of {base_year} ({_euros(base_macro)}); "
                "expected the region's part of it",
            )

    # -- [[region.municipality]] -----------------------------------------------------------

    def municipalities(self, label: str, value: Any) -> tuple[MunicipalityParams, ...] | None:
        tables = self.array_of_tables(f"{label}.municipality", value, "region.municipality")
        if tables is None:
            return None
        result: list[MunicipalityParams] = []
        ok = True
        for index, table in enumerate(tables, start=1):
            municipality = self.municipality(label, f"{label} municipality[{index}]", table)
            if municipality is None:
                ok = False
            else:
                result.append(municipality)
        return tuple(result) if ok else None

    def municipality(
        self, region_label: str, label: str, table: dict[str, Any]
    ) -> MunicipalityParams | None:
        errors_before = len(self.errors)
        code = self.municipality_code(f"{label}.code", table.get("code"))
        if code is not None:
            owner = self.member_of.get(code)
            if owner is not None:
                where = "this region" if owner == region_label else owner
                self.error(
                    f"{label}.code",
                    f"{code} is already listed in {where}; expected each municipality once",
                )
            else:
                self.member_of[code] = region_label
            label = f"{label} ({code})"
        self.unknown_keys(label, table, _MUNICIPALITY_KEYS)
        if code is not None and "name" in table:
            self.check_name(label, code, table["name"])

        has_amounts, has_shares = "objective" in table, "objective_share" in table
        objective = objective_share = None
        if has_amounts and has_shares:
            self.error(
                label,
                "has both objective and objective_share; expected one of them "
                "(amounts per year or shares of objective_macro per year)",
            )
        elif has_amounts:
            objective = self.per_year(f"{label}.objective", table["objective"], share=False)
        elif has_shares:
            objective_share = self.per_year(
                f"{label}.objective_share", table["objective_share"], share=True
            )
        else:
            self.error(
                label,
                "has no objective budget; expected objective = { 2023 = 298810, … } (euros "
                "per year) or objective_share = { 2023 = 0.00211, … } (fraction of "
                "objective_macro per year), or objective = {} if there are no figures yet",
            )
        if len(self.errors) > errors_before:
            return None
        assert code is not None
        return MunicipalityParams(code, objective, objective_share)

    def check_name(self, label: str, code: str, name: Any) -> None:
        reference = self.known[code]
        if isinstance(name, str) and name.strip().casefold() == reference.casefold():
            return
        others = [c for c, n in self.known.items() if isinstance(name, str) and n == name.strip()]
        hint = f" (the code of {name.strip()} is {others[0]})" if others else ""
        self.error(
            f"{label}.name",
            f"{_describe(name) if not isinstance(name, str) else repr(name)} is not the CBS "
            f"name of {code}, which is {reference!r}{hint}; expected code and name to match",
        )

    def per_year(self, where: str, value: Any, *, share: bool) -> dict[int, Decimal] | None:
        example = "{ 2023 = 0.00211 }" if share else "{ 2023 = 298810 }"
        if not isinstance(value, dict):
            self.error(
                where, f"got {_describe(value)}; expected a table of year = value, {example}"
            )
            return None
        result: dict[int, Decimal] = {}
        errors_before = len(self.errors)
        for key, raw in value.items():
            if not _YEAR_KEY.fullmatch(key):
                self.error(f"{where}.{key}", f"{key!r} is not a year; expected e.g. {example}")
                continue
            year = int(key)
            if self.macro_years_known and year not in self.macro_years:
                self.error(
                    f"{where}.{key}",
                    f"{year} is not in the macro table ({self.years_note()}); "
                    "expected only years that have a [[macro]] table",
                )
                continue
            if share:
                amount = self.number(
                    f"{where}.{key}",
                    raw,
                    what="a fraction of objective_macro from 0 to 1",
                    maximum=_ONE,
                    above_max=" (100%)",
                )
            else:
                amount = self.number(f"{where}.{key}", raw)
            if amount is not None:
                result[year] = amount
        return None if len(self.errors) > errors_before else result

    # -- across the file -------------------------------------------------------------------

    def objective_totals(self, regions: tuple[RegionParams, ...]) -> None:
        for year in sorted(self.macro_by_year):
            om = objective_macro(self.macro_by_year[year])
            share_total = Decimal(0)
            amount_total = Decimal(0)
            rounded_amounts = 0
            for region in regions:
                for municipality in region.municipalities:
                    if municipality.objective is not None and year in municipality.objective:
                        amount_total += municipality.objective[year]
                        rounded_amounts += 1
                    if municipality.objective_share and year in municipality.objective_share:
                        share_total += municipality.objective_share[year]
            if share_total > 1:
                self.error(
                    f"year {year}",
                    f"the objective_share values in this file add up to {share_total} (above "
                    "100%); expected shares of one national objective_macro, together at most 1",
                )
                continue
            total = amount_total + share_total * om
            # Published amounts are whole euros, so each may be up to €0.50 above its exact share.
            if total > om + rounded_amounts:
                self.error(
                    f"year {year}",
                    f"the objective budgets in this file add up to {_euros(total)}, more than "
                    f"objective_macro({year}) = {_euros(om)}; expected at most objective_macro "
                    "(amounts in euros, not thousands; no objective budget before the "
                    "ingroeipad starts; use objective_share to follow a changed ingroeipad)",
                )
