"""Fuzzing the woonplaats case files of 'bwmo woonplaats CASES.json'.

Each input is a mutated valid file or structured junk. The command must answer with exit
code 2 and a message, never a traceback, and write nothing.
"""

import json

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bwmo.woonplaats.models import ResponsibilityDecision
from tests.commands import run_command
from tests.mutations import FUZZ, mutated

pytestmark = pytest.mark.django_db

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


@FUZZ
@given(data=CASE_INPUTS)
@example(data=b"[" * 100_000)
@example(data=b"\xff\xfe" + VALID_CASES)
@example(data=b'{"rules": {"start_date": "2026-01-01"}, "cases": [' + b"9" * 5000 + b"]}")
def test_case_files_are_refused_cleanly(data, tmp_path_factory):
    path = tmp_path_factory.mktemp("cases") / "cases.json"
    path.write_bytes(data)
    before = ResponsibilityDecision.objects.count()
    result = run_command("woonplaats", path)
    code, err = result.returncode, result.stderr
    assert code in (0, 1, 2)
    if code == 2:
        assert err.startswith(f"{path}: ") and len(err.strip()) > len(str(path)) + 2
    assert ResponsibilityDecision.objects.count() == before
