"""Woonplaats case files: JSON batches of applications, optionally with expected answers.

The format is described in ``domain/woonplaats.md``. People write these files by hand, so
every error names the case (index in ``cases`` and id), the field and what was expected;
unknown fields are refused so that a typo (``"tot"`` for ``"to"``) cannot silently change
a period into an open-ended one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date
from typing import Any, Final, NoReturn

from bwmo.rules.woonplaats import (
    BRP_KINDS,
    CARE_KINDS,
    CATEGORIES,
    PRODUCTS,
    RULES,
    BrpPeriod,
    CarePeriod,
    Case,
    Decision,
    DisputeAdvice,
    RuleSet,
    decide,
)

EXIT_OK: Final = 0
EXIT_MISMATCH: Final = 1
EXIT_INVALID: Final = 2

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CBS_CODE = re.compile(r"GM[0-9]{4}")
_MISSING: Final = object()

_TOP_FIELDS: Final = ("rules", "cases", "description")
_RULES_FIELDS: Final = ("start_date", "lookback_months", "version")
_CASE_FIELDS: Final = (
    "id",
    "description",
    "product",
    "application_date",
    "applied_to",
    "centrumgemeente",
    "brp",
    "care",
    "dispute_advice",
    "expected",
)
_BRP_FIELDS: Final = ("municipality", "from", "to", "kind")
_CARE_FIELDS: Final = ("kind", "from", "to", "provided_by", "location")
_ADVICE_FIELDS: Final = ("responsible", "date")
_EXPECTED_FIELDS: Final = (
    "responsible",
    "category",
    "rule",
    "basis",
    "woonplaats_onbekend",
    "trace",
)

_A_DATE: Final = "a date YYYY-MM-DD"
_A_CBS_CODE: Final = "a CBS municipality code (GM + 4 digits)"


class CaseFileError(ValueError):
    """The case file cannot be read; ``message`` says where and why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _show(value: object) -> str:
    """A value as the person who wrote the file would recognise it."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return json.dumps(value)


def _one_of(options: tuple[str, ...]) -> str:
    quoted = [repr(o) for o in options]
    return f"one of {', '.join(quoted)}"


class _Reader:
    """Reads one part of the file; ``prefix`` ("case 3 ('x'): ", "rules.") names the part."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def _at(self, name: str) -> str:
        return f"{self.prefix}{name}" if name else self.prefix.rstrip(":. ")

    def fail(self, name: str, expected: str, value: object = _MISSING) -> NoReturn:
        if value is _MISSING:
            raise CaseFileError(f"{self._at(name)}: missing; expected {expected}")
        raise CaseFileError(f"{self._at(name)}: expected {expected}, got {_show(value)}")

    def obj(self, value: object, name: str, fields: tuple[str, ...], what: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(name, what, value)
        for key in value:
            if key not in fields:
                raise CaseFileError(
                    f"{self._at(name)}: unexpected field {key!r}; expected only {', '.join(fields)}"
                )
        return value

    def a_date(self, data: Mapping[str, Any], key: str, name: str | None = None) -> date:
        value = data.get(key, _MISSING)
        name = name or key
        if not isinstance(value, str) or not _DATE.fullmatch(value):
            self.fail(name, _A_DATE, value)
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(name, _A_DATE, value)

    def end_date(self, data: Mapping[str, Any], start: date, name: str) -> date | None:
        # ``to`` may be null or left out: the period is still running.
        if data.get("to") is None:
            return None
        end = self.a_date(data, "to", name)
        if end < start:
            self.fail(name, f"a date on or after from ({start})", data["to"])
        return end

    def cbs(self, data: Mapping[str, Any], key: str, name: str | None = None) -> str:
        value = data.get(key, _MISSING)
        if not isinstance(value, str) or not _CBS_CODE.fullmatch(value):
            self.fail(name or key, _A_CBS_CODE, value)
        return value

    def choice(
        self, data: Mapping[str, Any], key: str, options: tuple[str, ...], name: str | None = None
    ) -> str:
        value = data.get(key, _MISSING)
        if not isinstance(value, str) or value not in options:
            self.fail(name or key, _one_of(options), value)
        return value

    def items(self, data: Mapping[str, Any], key: str) -> list[Any]:
        value = data.get(key, _MISSING)
        if not isinstance(value, list):
            self.fail(key, "a list (may be empty)", value)
        return value


def _read_rules(document: Mapping[str, Any]) -> RuleSet:
    reader = _Reader("")
    data = reader.obj(
        document.get("rules", _MISSING),
        "rules",
        _RULES_FIELDS,
        "an object with start_date and lookback_months",
    )
    reader = _Reader("rules.")
    start_date = reader.a_date(data, "start_date")
    lookback = data.get("lookback_months", 12)
    if not isinstance(lookback, int) or isinstance(lookback, bool) or lookback < 0:
        reader.fail("lookback_months", "a whole number of months, 0 or more", lookback)
    version = data.get("version", "")
    if not isinstance(version, str):
        reader.fail("version", "a text", version)
    return RuleSet(start_date=start_date, lookback_months=lookback, version=version)


def _read_brp(reader: _Reader, index: int, value: object) -> BrpPeriod:
    name = f"brp[{index}]"
    data = reader.obj(value, name, _BRP_FIELDS, "an object with municipality, from, to, kind")
    start = reader.a_date(data, "from", f"{name}.from")
    return BrpPeriod(
        municipality=reader.cbs(data, "municipality", f"{name}.municipality"),
        start=start,
        end=reader.end_date(data, start, f"{name}.to"),
        kind=reader.choice(data, "kind", BRP_KINDS, f"{name}.kind"),
    )


def _read_care(reader: _Reader, index: int, value: object) -> CarePeriod:
    name = f"care[{index}]"
    data = reader.obj(
        value, name, _CARE_FIELDS, "an object with kind, from, to, provided_by, location"
    )
    start = reader.a_date(data, "from", f"{name}.from")
    return CarePeriod(
        kind=reader.choice(data, "kind", CARE_KINDS, f"{name}.kind"),
        start=start,
        end=reader.end_date(data, start, f"{name}.to"),
        provided_by=reader.cbs(data, "provided_by", f"{name}.provided_by"),
        location=reader.cbs(data, "location", f"{name}.location"),
    )


def _read_expected(reader: _Reader, value: object) -> dict[str, Any]:
    data = reader.obj(value, "expected", _EXPECTED_FIELDS, "an object")
    # Check the values too: a misspelt rule id would otherwise only show up as a mismatch.
    if "responsible" in data:
        reader.cbs(data, "responsible", "expected.responsible")
    if "category" in data:
        reader.choice(data, "category", CATEGORIES, "expected.category")
    if "rule" in data:
        reader.choice(data, "rule", RULES, "expected.rule")
    if "basis" in data and not isinstance(data["basis"], str):
        reader.fail("expected.basis", "a text", data["basis"])
    if "woonplaats_onbekend" in data and not isinstance(data["woonplaats_onbekend"], bool):
        reader.fail("expected.woonplaats_onbekend", "true or false", data["woonplaats_onbekend"])
    if "trace" in data:
        trace = data["trace"]
        if not isinstance(trace, list) or not all(isinstance(line, str) for line in trace):
            reader.fail("expected.trace", "a list of texts", trace)
    return dict(data)


def _read_case(index: int, value: object) -> tuple[Case, dict[str, Any] | None]:
    if not isinstance(value, dict):
        raise CaseFileError(f"case {index}: expected an object, got {_show(value)}")
    case_id = value.get("id", _MISSING)
    if not isinstance(case_id, str) or not case_id.strip():
        _Reader(f"case {index}: ").fail("id", "a non-empty text", case_id)
    reader = _Reader(f"case {index} ({case_id!r}): ")
    data = reader.obj(value, "", _CASE_FIELDS, "an object")

    product = reader.choice(data, "product", PRODUCTS)
    application_date = reader.a_date(data, "application_date")
    applied_to = reader.cbs(data, "applied_to")
    centrumgemeente = reader.cbs(data, "centrumgemeente")
    brp = tuple(_read_brp(reader, i, p) for i, p in enumerate(reader.items(data, "brp")))
    care = tuple(_read_care(reader, i, p) for i, p in enumerate(reader.items(data, "care")))
    advice = None
    if data.get("dispute_advice") is not None:
        advice_data = reader.obj(
            data["dispute_advice"], "dispute_advice", _ADVICE_FIELDS, "an object"
        )
        advice = DisputeAdvice(
            responsible=reader.cbs(advice_data, "responsible", "dispute_advice.responsible"),
            date=reader.a_date(advice_data, "date", "dispute_advice.date"),
        )
    expected = None
    if data.get("expected") is not None:
        expected = _read_expected(reader, data["expected"])

    case = Case(
        id=case_id,
        product=product,
        application_date=application_date,
        applied_to=applied_to,
        centrumgemeente=centrumgemeente,
        brp=brp,
        care=care,
        dispute_advice=advice,
    )
    return case, expected


def load_case_file(text: str) -> tuple[RuleSet, list[tuple[Case, dict[str, Any] | None]]]:
    """Parse and validate a case file; raises :class:`CaseFileError` on the first problem."""
    try:
        return _load_case_file(text)
    except RecursionError:
        raise CaseFileError(
            "file: lists or objects nested too deeply; expected the layout of the example"
        ) from None


def _load_case_file(text: str) -> tuple[RuleSet, list[tuple[Case, dict[str, Any] | None]]]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise CaseFileError(
            f"not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from None
    except ValueError as error:  # an integer longer than Python will convert
        raise CaseFileError(f"file: a number cannot be read ({error})") from None
    top = _Reader("")
    if not isinstance(document, dict):
        raise CaseFileError(f"file: expected an object with rules and cases, got {_show(document)}")
    top.obj(document, "file", _TOP_FIELDS, "an object")
    rules = _read_rules(document)
    raw_cases = top.items(document, "cases")

    cases: list[tuple[Case, dict[str, Any] | None]] = []
    first_index: dict[str, int] = {}
    for index, raw in enumerate(raw_cases):
        case, expected = _read_case(index, raw)
        if case.id in first_index:
            raise CaseFileError(
                f"case {index} ({case.id!r}): id: expected a unique id, "
                f"{case.id!r} is already used by case {first_index[case.id]}"
            )
        first_index[case.id] = index
        cases.append((case, expected))
    return rules, cases


def decision_as_dict(decision: Decision) -> dict[str, Any]:
    """A decision as plain JSON values (the trace as a list)."""
    return {
        "responsible": decision.responsible,
        "category": decision.category,
        "rule": decision.rule,
        "basis": decision.basis,
        "woonplaats_onbekend": decision.woonplaats_onbekend,
        "trace": list(decision.trace),
    }


def run_case_file(
    text: str, *, municipality_names: Mapping[str, str] | None = None
) -> tuple[int, dict[str, Any]]:
    """Decide every case in a case file and compare with the expected answers.

    Returns ``(exit_code, document)``: 0 when every case with ``expected`` matches it on
    every key given there, 1 when one does not, 2 (with ``{"error": ...}``) when the file
    is invalid.
    """
    try:
        rules, cases = load_case_file(text)
    except CaseFileError as error:
        return EXIT_INVALID, {"error": error.message}

    results: list[dict[str, Any]] = []
    for case, expected in cases:
        result: dict[str, Any] = {"id": case.id}
        result.update(decision_as_dict(decide(case, rules, municipality_names)))
        result["matches_expected"] = (
            None
            if expected is None
            else all(result[key] == value for key, value in expected.items())
        )
        results.append(result)
    exit_code = EXIT_MISMATCH if any(r["matches_expected"] is False for r in results) else EXIT_OK
    return exit_code, {"results": results}
