"""Fuzzing every file import except iWmo (which has its own): case files, budget parameter
files on the command line and on the upload screen.

Each input is a mutated valid file or structured junk. The import must answer with exit code
2 and a message (or a form error on the screen), never a traceback, and write nothing.
"""

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bwmo.finance.models import BudgetParameterSet
from bwmo.rules.budget_params import EXAMPLE_PARAMETERS
from bwmo.woonplaats.models import ResponsibilityDecision
from tests.mutations import mutated

pytestmark = pytest.mark.django_db
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

VALID_PARAMETERS = Path(EXAMPLE_PARAMETERS).read_bytes()
VALID_CASES = json.dumps(
    {
        "rules": {"start_date": "2026-01-01", "lookback_months": 12, "version": "2026"},
        "cases": [
            {
                "id": "x",
                "product": "BW",
                "application_date": "2026-05-04",
                "applied_to": "GM0106",
                "centrumgemeente": "GM0106",
                "brp": [
                    {
                        "municipality": "GM1730",
                        "from": "2015-01-01",
                        "to": None,
                        "kind": "woonadres",
                    }
                ],
                "care": [],
                "expected": {"responsible": "GM1730"},
            }
        ],
    },
    indent=1,
).encode()

JSON_JUNK = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)
# Valid JSON of the wrong shape: the right keys with values of any type.
CASE_SHAPES = st.fixed_dictionaries(
    {
        "rules": JSON_JUNK,
        "cases": st.lists(
            st.dictionaries(
                st.sampled_from(
                    [
                        "id",
                        "product",
                        "application_date",
                        "applied_to",
                        "centrumgemeente",
                        "brp",
                        "care",
                        "expected",
                        "dispute_advice",
                    ]
                ),
                JSON_JUNK,
            ),
            max_size=3,
        )
        | JSON_JUNK,
    }
).map(lambda d: json.dumps(d).encode())
CASE_INPUTS = mutated(VALID_CASES) | CASE_SHAPES | st.binary(max_size=200)

TOML_JUNK = st.lists(
    st.tuples(
        st.sampled_from(["name", "year", "[[macro]]", "[[region]]", "centrumgemeente", "code"]),
        st.sampled_from(['"x"', "1", "1.5", "[1, 2]", "{a = 1}", "true", "1979-05-27", '""']),
    ),
    max_size=12,
).map(lambda pairs: "\n".join(f"{k} = {v}" if "[" not in k else k for k, v in pairs).encode())
PARAMETER_INPUTS = mutated(VALID_PARAMETERS) | TOML_JUNK | st.binary(max_size=200)

RESULTS = {"inputs": 0}


def _command(name: str, path: Path, capsys) -> tuple[int, str]:
    """Run a bwmo command in-process: its exit code and what it wrote to stderr."""
    try:
        call_command(name, str(path))
        code = 0
    except SystemExit as stop:
        code = stop.code
    captured = capsys.readouterr()
    return code, captured.err


@FUZZ
@given(data=CASE_INPUTS)
@example(data=b"[" * 100_000)
@example(data=b"\xff\xfe" + VALID_CASES)
@example(data=b'{"rules": {"start_date": "2026-01-01"}, "cases": [' + b"9" * 5000 + b"]}")
def test_case_files_are_refused_cleanly(data, tmp_path_factory, capsys):
    path = tmp_path_factory.mktemp("cases") / "cases.json"
    path.write_bytes(data)
    before = ResponsibilityDecision.objects.count()
    code, err = _command("woonplaats", path, capsys)
    assert code in (0, 1, 2)
    if code == 2:
        assert err.startswith(f"{path}: ") and len(err.strip()) > len(str(path)) + 2
    assert ResponsibilityDecision.objects.count() == before


@FUZZ
@given(data=PARAMETER_INPUTS)
@example(data=b"a = " + b"[" * 100_000)
@example(data=VALID_PARAMETERS.replace(b"Zuidoost", b"Zuid\xffoost"))
@example(data=b"year = " + b"9" * 5000)
def test_budget_parameter_files_are_refused_cleanly(data, tmp_path_factory, capsys):
    path = tmp_path_factory.mktemp("params") / "params.toml"
    path.write_bytes(data)
    code, err = _command("budget", path, capsys)
    assert code in (0, 2)
    if code == 2:
        assert "error" in err and str(path) in err
    assert BudgetParameterSet.objects.count() == 0


@settings(FUZZ, max_examples=40)
@given(data=PARAMETER_INPUTS)
@example(data=b"a = " + b"[" * 100_000)
@example(data=VALID_PARAMETERS.replace(b"Zuidoost", b"Zuid\xffoost"))
@example(data=b"year = " + b"9" * 5000)
def test_the_parameter_upload_answers_with_a_form_error(data, client, region_setup):
    client.force_login(region_setup.users["controller"])
    before = BudgetParameterSet.objects.count()
    response = client.post(
        reverse("finance:parameters"),
        {"u-name": "Fuzz", "u-file": SimpleUploadedFile("p.toml", data)},
    )
    if response.status_code == 302:  # a valid file: stored once, then removed for the next
        assert BudgetParameterSet.objects.count() == before + 1
        BudgetParameterSet.objects.filter(name="Fuzz").delete()
        return
    assert response.status_code == 200
    errors = response.context["upload"].errors
    assert errors.get("file"), errors
    assert BudgetParameterSet.objects.count() == before
