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
from dataclasses import dataclass, field, replace
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
    "ENGLISH",
    "EXAMPLE_PARAMETERS",
    "BudgetParameterError",
    "Problem",
    "Where",
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


@dataclass(frozen=True)
class Where:
    """Where in the file a problem is; ``str()`` gives the English label, a screen its own.

    Tables are counted from 1 in file order. ``key`` is the key inside the table named by
    the other fields (``objective.2023``), or a top-level key when no table is named.
    """

    macro: int | None = None  # the n-th [[macro]] table
    year: int | None = None  # that table's year; alone: a check across the file for a year
    region: int | None = None  # the n-th [[region]] table
    region_name: str | None = None
    municipality: int | None = None  # the n-th [[region.municipality]] of that region
    code: str | None = None  # that municipality's CBS code, once read
    key: str = ""
    line: int | None = None
    column: int | None = None
    byte: int | None = None
    section: str = ""  # "file", "top level" or "end of file": the file as a whole

    def __str__(self) -> str:
        if self.byte is not None:
            return f"byte {self.byte}"
        if self.line is not None:
            return f"line {self.line}, column {self.column}"
        if self.section:
            return self.section
        if self.macro is not None:
            label = f"macro[{self.macro}]"
            if self.year is not None:
                label += f" (year {self.year})"
        elif self.region is not None:
            label = f"region {self.region_name!r}" if self.region_name else f"region[{self.region}]"
            if self.municipality is not None:
                label += f" municipality[{self.municipality}]"
                if self.code:
                    label += f" ({self.code})"
        elif self.year is not None:
            label = f"year {self.year}"
        else:
            return self.key
        return f"{label}.{self.key}" if self.key else label

    def at(self, key: str) -> Where:
        return replace(self, key=key)


# What was found in place of the expected value: its kind (a screen names it in its own
# words) and, for text and numbers, the value itself.
def _got(value: Any) -> dict[str, object]:
    if isinstance(value, str):
        return {"got_kind": "string", "got": repr(value)}
    if isinstance(value, bool):
        return {"got_kind": "boolean", "got": str(value).lower()}
    if isinstance(value, dict):
        return {"got_kind": "table", "got": ""}
    if isinstance(value, list):
        return {"got_kind": "array", "got": ""}
    return {"got_kind": "value", "got": repr(value)}


_GOT_ENGLISH = {
    "string": "the string {got}",
    "boolean": "the boolean {got}",
    "table": "a table",
    "array": "an array",
    "value": "{got}",
}

# What a number should be (``number``'s ``what``): English words for each kind.
WHAT_ENGLISH = {
    "amount": "an amount in euros",
    "percentage": "a percentage from 0 to 100",
    "fraction": "a fraction of objective_macro from 0 to 1",
}

# Every problem the parser reports: code → English text, formatted with the problem's
# parameters (``got`` is ``_GOT_ENGLISH`` of ``got_kind``, ``what`` is ``WHAT_ENGLISH``, a
# parameter ending in ``_eur`` is an amount shown with cents and thousands separators).
# The finance screens render the same codes in Dutch (``bwmo.finance.param_errors``).
ENGLISH: dict[str, str] = {
    "not_utf8": "not UTF-8 text ({byte_value}); expected a TOML file in UTF-8",
    "toml_syntax": "malformed TOML: {detail}; expected valid TOML (https://toml.io/en/v1.0.0)",
    "too_deep": "arrays or tables nested too deeply; expected the flat layout of the example",
    "number_unreadable": (
        "a number cannot be read ({detail}); expected amounts and years of normal size"
    ),
    "name_missing": (
        "missing; expected the name of the circular or scenario, "
        'e.g. name = "septembercirculaire 2021"'
    ),
    "not_text": "got {got}; expected a non-empty string",
    "unknown_key": "unknown key {key!r}; expected only {allowed}",
    "tables_missing": "missing; expected at least one [[{header}]] table",
    "tables_wrong": "got {got}; expected [[{header}]] tables",
    "tables_empty": "is empty; expected at least one [[{header}]] table",
    "year_missing": "missing; expected a year such as 2023",
    "year_wrong": "got {got}; expected a year such as 2023",
    "year_out_of_range": "{value} is out of range; expected a year from {first} to {last}",
    "number_missing": "missing; expected {what}",
    "number_wrong": "got {got}; expected {what} (a plain number)",
    "number_not_finite": "got {value}; expected {what} (a finite number)",
    "number_negative": "{value} is negative; expected {what}, at least 0",
    "number_above_max": "{value} is above {maximum}{above}; expected {what}",
    "code_missing": "missing; expected a CBS municipality code such as 'GM0114'",
    "code_wrong": "got {got}; expected a CBS code such as 'GM0114'",
    "code_unknown": (
        "{value!r} is not a known CBS municipality code; "
        "expected a code from the reference list, of the form 'GM0114'"
    ),
    "code_unknown_guess": (
        "{value!r} is not a known CBS municipality code (did you mean {guess!r}, "
        "{guess_name}?); expected a code from the reference list, of the form 'GM0114'"
    ),
    "year_twice": "{year} also appears in {first}; expected each year once",
    "macro_bw_above_incl": (
        "{macro_bw} is above macro_incl_wlz_lsi {macro_incl}; expected macro_bw at "
        "most macro_incl_wlz_lsi (the macrobudget before the Wlz/LSI take-out)"
    ),
    "centrum_macro_above_bw": (
        "{published} is above macro_bw {macro_bw}; expected the historic part "
        "of macro_bw, at most macro_bw"
    ),
    "centrum_macro_mismatch": (
        "{published} does not follow from centrum_share_pct {share}, which gives "
        "{computed_eur} (a percentage rounded to {share} allows {low_eur} to "
        "{high_eur}); expected the published amount for this percentage, or leave "
        "centrum_macro out to compute it from the percentage"
    ),
    "region_name_missing": "missing key 'name'; expected the region's name",
    "region_twice": "{name!r} is also the name of region[{other}]; expected each region once",
    "centrum_missing": (
        "has no centrumgemeente; expected centrumgemeente = the CBS code of the "
        "municipality that receives the historic budget, e.g. 'GM0114'"
    ),
    "centrum_not_member": (
        "{centrum} is not one of the region's municipalities ({codes}); "
        "expected a [[region.municipality]] entry for the centrumgemeente too"
    ),
    "base_year_not_in_macro": (
        "{year} is not in the macro table ({years}); expected a year that has a [[macro]] table"
    ),
    "base_year_no_centrum_macro": (
        "centrum_macro of {year} is 0, so the region's share of it is undefined; "
        "expected a year in which the historic budget is still paid, e.g. 2021"
    ),
    "base_amount_above": (
        "{amount} is above centrum_macro of {year} ({centrum_macro_eur}); "
        "expected the region's part of it"
    ),
    "municipality_twice": "{code} is already listed in {where}; expected each municipality once",
    "municipality_twice_here": (
        "{code} is already listed in this region; expected each municipality once"
    ),
    "objective_both": (
        "has both objective and objective_share; expected one of them "
        "(amounts per year or shares of objective_macro per year)"
    ),
    "objective_missing": (
        "has no objective budget; expected objective = {{ 2023 = 298810, … }} (euros "
        "per year) or objective_share = {{ 2023 = 0.00211, … }} (fraction of "
        "objective_macro per year), or objective = {{}} if there are no figures yet"
    ),
    "name_mismatch": (
        "{name!r} is not the CBS name of {code}, which is {reference!r}; "
        "expected code and name to match"
    ),
    "name_mismatch_other": (
        "{name!r} is not the CBS name of {code}, which is {reference!r} (the code of "
        "{other_name} is {other_code}); expected code and name to match"
    ),
    "name_not_text": (
        "{got} is not the CBS name of {code}, which is {reference!r}; "
        "expected code and name to match"
    ),
    "per_year_wrong": "got {got}; expected a table of year = value, {example}",
    "per_year_not_a_year": "{key!r} is not a year; expected e.g. {example}",
    "per_year_not_in_macro": (
        "{year} is not in the macro table ({years}); "
        "expected only years that have a [[macro]] table"
    ),
    "shares_above_one": (
        "the objective_share values in this file add up to {total} (above "
        "100%); expected shares of one national objective_macro, together at most 1"
    ),
    "objective_above_macro": (
        "the objective budgets in this file add up to {total_eur}, more than "
        "objective_macro({year}) = {macro_eur}; expected at most objective_macro "
        "(amounts in euros, not thousands; no objective budget before the "
        "ingroeipad starts; use objective_share to follow a changed ingroeipad)"
    ),
}


@dataclass(frozen=True)
class Problem:
    """One problem in a parameter file: where, a code from ``ENGLISH`` and its parameters."""

    where: Where
    code: str
    params: Mapping[str, object] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """The English text of the problem, without its place."""
        values: dict[str, object] = {}
        for name, value in self.params.items():
            if name.endswith("_eur") and isinstance(value, Decimal):
                value = _euros(value)
            values[name] = value
        if "got_kind" in values:
            values["got"] = _GOT_ENGLISH[str(values["got_kind"])].format(got=values["got"])
        if "what" in values:
            values["what"] = WHAT_ENGLISH[str(values["what"])]
        return ENGLISH[self.code].format(**values)

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class BudgetParameterError(ValueError):
    """A parameter file is unusable; ``problems`` lists every problem found, in file order.

    ``errors`` holds their English texts (the command line shows them); a screen renders
    ``problems`` in its own language from their codes and parameters.
    """

    def __init__(self, problems: list[Problem], source: str | None = None) -> None:
        self.problems = list(problems)
        self.errors = [str(problem) for problem in self.problems]
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
                Problem(
                    Where(byte=error.start + 1),
                    "not_utf8",
                    {"byte_value": repr(data[error.start : error.start + 1])},
                )
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
        raise BudgetParameterError([_syntax_problem(exc)], source) from exc
    except RecursionError:
        raise BudgetParameterError([Problem(Where(section="file"), "too_deep")], source) from None
    except ValueError as exc:  # an integer longer than Python will convert
        raise BudgetParameterError(
            [Problem(Where(section="file"), "number_unreadable", {"detail": str(exc)})], source
        ) from None
    parser = _Parser(known_municipalities)
    params = parser.document(data)
    if parser.problems or params is None:
        raise BudgetParameterError(parser.problems, source)
    return params


def _syntax_problem(exc: tomllib.TOMLDecodeError) -> Problem:
    text = str(exc)
    match = _TOML_POSITION.match(text)
    if match:
        where = Where(line=int(match["line"]), column=int(match["col"]))
        detail = match["msg"]
    else:
        where, detail = Where(section="end of file"), text.removesuffix(" (at end of document)")
    return Problem(where, "toml_syntax", {"detail": detail})


def _euros(amount: Decimal) -> str:
    return f"{amount.quantize(_CENT):,}"


class _Parser:
    """Walks the TOML document once, collecting problems instead of stopping at the first."""

    def __init__(self, known_municipalities: Mapping[str, str]) -> None:
        self.known = known_municipalities
        self.problems: list[Problem] = []
        # Valid entries, for the amount checks; every year written down, for membership
        # checks, so that one bad amount does not also make its year "missing" elsewhere.
        self.macro_by_year: dict[int, MacroYear] = {}
        self.macro_years: set[int] = set()
        self.macro_years_known = False
        self.member_of: dict[str, Where] = {}

    def error(self, where: Where, problem: str, /, **params: object) -> None:
        assert problem in ENGLISH, problem
        self.problems.append(Problem(where, problem, params))

    # -- document --------------------------------------------------------------------------

    def document(self, data: dict[str, Any]) -> BudgetParameters | None:
        self.unknown_keys(Where(section="top level"), data, _TOP_KEYS)
        name = data.get("name")
        if name is None:
            self.error(Where(key="name"), "name_missing")
        elif not isinstance(name, str) or not name.strip():
            self.error(Where(key="name"), "not_text", **_got(name))

        macro = self.macro_table(data.get("macro"))
        regions = self.regions(data.get("region"))
        if regions is not None and macro is not None:
            self.objective_totals(regions)
        if self.problems or macro is None or regions is None or not isinstance(name, str):
            return None
        return BudgetParameters(name=name.strip(), macro=macro, regions=regions)

    def unknown_keys(self, where: Where, table: dict[str, Any], allowed: tuple[str, ...]) -> None:
        for key in table:
            if key not in allowed:
                self.error(where, "unknown_key", key=key, allowed=", ".join(map(repr, allowed)))

    def array_of_tables(self, where: Where, value: Any, header: str) -> list[dict[str, Any]] | None:
        if value is None:
            self.error(where, "tables_missing", header=header)
            return None
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            self.error(where, "tables_wrong", header=header, **_got(value))
            return None
        if not value:
            self.error(where, "tables_empty", header=header)
            return None
        return value

    # -- scalar values ---------------------------------------------------------------------

    def year(self, where: Where, value: object) -> int | None:
        if value is None:
            self.error(where, "year_missing")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(where, "year_wrong", **_got(value))
            return None
        if not _FIRST_YEAR <= value <= _LAST_YEAR:
            self.error(where, "year_out_of_range", value=value, first=_FIRST_YEAR, last=_LAST_YEAR)
            return None
        return value

    def number(
        self,
        where: Where,
        value: Any,
        *,
        what: str = "amount",
        maximum: Decimal | None = None,
        above_max: str = "",
    ) -> Decimal | None:
        if value is None:
            self.error(where, "number_missing", what=what)
            return None
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            self.error(where, "number_wrong", what=what, **_got(value))
            return None
        amount = Decimal(value)
        if not amount.is_finite():
            self.error(where, "number_not_finite", what=what, value=value)
            return None
        if amount < 0:
            self.error(where, "number_negative", what=what, value=value)
            return None
        if maximum is not None and amount > maximum:
            self.error(
                where, "number_above_max", what=what, value=value, maximum=maximum, above=above_max
            )
            return None
        return amount

    def percentage(self, where: Where, value: Any) -> Decimal | None:
        return self.number(
            where, value, what="percentage", maximum=Decimal(100), above_max=" (100%)"
        )

    def municipality_code(self, where: Where, value: Any) -> str | None:
        if value is None:
            self.error(where, "code_missing")
            return None
        if not isinstance(value, str):
            self.error(where, "code_wrong", **_got(value))
            return None
        if value in self.known:
            return value
        guess = value.strip().upper()
        if not guess.startswith("GM"):
            guess = "GM" + guess.zfill(4)
        if guess in self.known:
            self.error(
                where, "code_unknown_guess", value=value, guess=guess, guess_name=self.known[guess]
            )
        else:
            self.error(where, "code_unknown", value=value)
        return None

    # -- [[macro]] -------------------------------------------------------------------------

    def macro_table(self, value: Any) -> tuple[MacroYear, ...] | None:
        tables = self.array_of_tables(Where(key="macro"), value, "macro")
        if tables is None:
            return None
        first_seen: dict[int, Where] = {}
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
        self, index: int, table: dict[str, Any], first_seen: dict[int, Where]
    ) -> MacroYear | None:
        label = Where(macro=index)
        year = self.year(label.at("year"), table.get("year"))
        if year is not None:
            if year in first_seen:
                self.error(label.at("year"), "year_twice", year=year, first=first_seen[year])
                year = None
            else:
                first_seen[year] = label
                self.macro_years.add(year)
                label = replace(label, year=year)
        self.unknown_keys(label, table, _MACRO_KEYS)
        errors_before = len(self.problems)
        macro_bw = self.number(label.at("macro_bw"), table.get("macro_bw"))
        macro_incl = self.number(label.at("macro_incl_wlz_lsi"), table.get("macro_incl_wlz_lsi"))
        share = self.percentage(label.at("centrum_share_pct"), table.get("centrum_share_pct"))
        published = None
        if "centrum_macro" in table:
            published = self.number(label.at("centrum_macro"), table["centrum_macro"])
        if (
            year is None
            or macro_bw is None
            or macro_incl is None
            or share is None
            or len(self.problems) > errors_before
        ):
            return None

        entry = MacroYear(year, macro_bw, macro_incl, share, published)
        if macro_bw > macro_incl:
            self.error(
                label.at("macro_bw"),
                "macro_bw_above_incl",
                macro_bw=macro_bw,
                macro_incl=macro_incl,
            )
            return None
        if published is not None and not self.check_published(label, entry):
            return None
        return entry

    def check_published(self, label: Where, entry: MacroYear) -> bool:
        published = entry.centrum_macro
        assert published is not None
        if published > entry.macro_bw:
            self.error(
                label.at("centrum_macro"),
                "centrum_macro_above_bw",
                published=published,
                macro_bw=entry.macro_bw,
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
        self.error(
            label.at("centrum_macro"),
            "centrum_macro_mismatch",
            published=published,
            share=share,
            computed_eur=centrum_macro(entry, use_published=False),
            low_eur=low,
            high_eur=high,
        )
        return False

    # -- [[region]] ------------------------------------------------------------------------

    def regions(self, value: Any) -> tuple[RegionParams, ...] | None:
        tables = self.array_of_tables(Where(key="region"), value, "region")
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
        label = Where(region=index)
        errors_before = len(self.problems)
        name = table.get("name")
        if name is None:
            self.error(label, "region_name_missing")
        elif not isinstance(name, str) or not name.strip():
            self.error(label.at("name"), "not_text", **_got(name))
            name = None
        else:
            name = name.strip()
            if name in names:
                self.error(label.at("name"), "region_twice", name=name, other=names[name])
            else:
                names[name] = index
                label = replace(label, region_name=name)
        self.unknown_keys(label, table, _REGION_KEYS)

        centrum = None
        if "centrumgemeente" not in table:
            self.error(label, "centrum_missing")
        else:
            centrum = self.municipality_code(label.at("centrumgemeente"), table["centrumgemeente"])
        base_year = self.year(label.at("historic_base_year"), table.get("historic_base_year"))
        base_amount = self.number(
            label.at("historic_base_amount"), table.get("historic_base_amount")
        )
        if base_year is not None and base_amount is not None:
            self.check_historic_base(label, base_year, base_amount)

        municipalities = self.municipalities(label, table.get("municipality"))
        if centrum is not None and municipalities is not None:
            codes = [m.code for m in municipalities]
            if centrum not in codes:
                self.error(
                    label.at("centrumgemeente"),
                    "centrum_not_member",
                    centrum=centrum,
                    codes=", ".join(codes),
                )
        if len(self.problems) > errors_before:
            return None
        assert name is not None and centrum is not None and municipalities is not None
        assert base_year is not None and base_amount is not None
        return RegionParams(name, centrum, base_year, base_amount, municipalities)

    def years_note(self) -> str:
        years = sorted(self.macro_years)
        return f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])

    def check_historic_base(self, label: Where, base_year: int, base_amount: Decimal) -> None:
        if not self.macro_years_known:
            return  # the macro table has its own errors; nothing to check against
        if base_year not in self.macro_years:
            self.error(
                label.at("historic_base_year"),
                "base_year_not_in_macro",
                year=base_year,
                years=self.years_note(),
            )
            return
        entry = self.macro_by_year.get(base_year)
        if entry is None:
            return  # that [[macro]] table has its own errors
        base_macro = centrum_macro(entry)
        if base_macro <= 0:
            self.error(label.at("historic_base_year"), "base_year_no_centrum_macro", year=base_year)
        elif base_amount > base_macro:
            self.error(
                label.at("historic_base_amount"),
                "base_amount_above",
                amount=base_amount,
                year=base_year,
                centrum_macro_eur=base_macro,
            )

    # -- [[region.municipality]] -----------------------------------------------------------

    def municipalities(self, label: Where, value: Any) -> tuple[MunicipalityParams, ...] | None:
        tables = self.array_of_tables(label.at("municipality"), value, "region.municipality")
        if tables is None:
            return None
        result: list[MunicipalityParams] = []
        ok = True
        for index, table in enumerate(tables, start=1):
            municipality = self.municipality(label, replace(label, municipality=index), table)
            if municipality is None:
                ok = False
            else:
                result.append(municipality)
        return tuple(result) if ok else None

    def municipality(
        self, region_label: Where, label: Where, table: dict[str, Any]
    ) -> MunicipalityParams | None:
        errors_before = len(self.problems)
        code = self.municipality_code(label.at("code"), table.get("code"))
        if code is not None:
            owner = self.member_of.get(code)
            if owner is not None:
                if owner == region_label:
                    self.error(label.at("code"), "municipality_twice_here", code=code)
                else:
                    self.error(label.at("code"), "municipality_twice", code=code, where=owner)
            else:
                self.member_of[code] = region_label
            label = replace(label, code=code)
        self.unknown_keys(label, table, _MUNICIPALITY_KEYS)
        if code is not None and "name" in table:
            self.check_name(label, code, table["name"])

        has_amounts, has_shares = "objective" in table, "objective_share" in table
        objective = objective_share = None
        if has_amounts and has_shares:
            self.error(label, "objective_both")
        elif has_amounts:
            objective = self.per_year(label.at("objective"), table["objective"], share=False)
        elif has_shares:
            objective_share = self.per_year(
                label.at("objective_share"), table["objective_share"], share=True
            )
        else:
            self.error(label, "objective_missing")
        if len(self.problems) > errors_before:
            return None
        assert code is not None
        return MunicipalityParams(code, objective, objective_share)

    def check_name(self, label: Where, code: str, name: Any) -> None:
        reference = self.known[code]
        where = label.at("name")
        if not isinstance(name, str):
            self.error(where, "name_not_text", code=code, reference=reference, **_got(name))
            return
        if name.strip().casefold() == reference.casefold():
            return
        others = [c for c, n in self.known.items() if n == name.strip()]
        if others:
            self.error(
                where,
                "name_mismatch_other",
                name=name,
                code=code,
                reference=reference,
                other_name=name.strip(),
                other_code=others[0],
            )
        else:
            self.error(where, "name_mismatch", name=name, code=code, reference=reference)

    def per_year(self, where: Where, value: Any, *, share: bool) -> dict[int, Decimal] | None:
        example = "{ 2023 = 0.00211 }" if share else "{ 2023 = 298810 }"
        if not isinstance(value, dict):
            self.error(where, "per_year_wrong", example=example, **_got(value))
            return None
        result: dict[int, Decimal] = {}
        errors_before = len(self.problems)
        for key, raw in value.items():
            at = where.at(f"{where.key}.{key}")
            if not _YEAR_KEY.fullmatch(key):
                self.error(at, "per_year_not_a_year", key=key, example=example)
                continue
            year = int(key)
            if self.macro_years_known and year not in self.macro_years:
                self.error(at, "per_year_not_in_macro", year=year, years=self.years_note())
                continue
            if share:
                amount = self.number(at, raw, what="fraction", maximum=_ONE, above_max=" (100%)")
            else:
                amount = self.number(at, raw)
            if amount is not None:
                result[year] = amount
        return None if len(self.problems) > errors_before else result

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
                self.error(Where(year=year), "shares_above_one", total=share_total)
                continue
            total = amount_total + share_total * om
            # Published amounts are whole euros, so each may be up to €0.50 above its exact share.
            if total > om + rounded_amounts:
                self.error(
                    Where(year=year),
                    "objective_above_macro",
                    total_eur=total,
                    year=year,
                    macro_eur=om,
                )
