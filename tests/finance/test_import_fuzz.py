"""Fuzzing the budget parameter files, on the command line and on the upload screen.

Each input is a mutated valid file or structured junk. The import must answer with exit code
2 and a message (or a form error on the screen), never a traceback, and write nothing.
"""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bwmo.finance.models import BudgetParameterSet
from bwmo.rules.budget_params import EXAMPLE_PARAMETERS
from tests.commands import run_command
from tests.mutations import FUZZ, mutated

pytestmark = pytest.mark.django_db

VALID_PARAMETERS = Path(EXAMPLE_PARAMETERS).read_bytes()

TOML_JUNK = st.lists(
    st.tuples(
        st.sampled_from(["name", "year", "[[macro]]", "[[region]]", "centrumgemeente", "code"]),
        st.sampled_from(['"x"', "1", "1.5", "[1, 2]", "{a = 1}", "true", "1979-05-27", '""']),
    ),
    max_size=12,
).map(lambda pairs: "\n".join(f"{k} = {v}" if "[" not in k else k for k, v in pairs).encode())
PARAMETER_INPUTS = mutated(VALID_PARAMETERS) | TOML_JUNK | st.binary(max_size=200)


@FUZZ
@given(data=PARAMETER_INPUTS)
@example(data=b"a = " + b"[" * 100_000)
@example(data=VALID_PARAMETERS.replace(b"Zuidoost", b"Zuid\xffoost"))
@example(data=b"year = " + b"9" * 5000)
def test_budget_parameter_files_are_refused_cleanly(data, tmp_path_factory):
    path = tmp_path_factory.mktemp("params") / "params.toml"
    path.write_bytes(data)
    result = run_command("budget", path)
    code, err = result.returncode, result.stderr
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
