"""Every workbook bwmo writes keeps text as text: no name typed in beheer becomes a formula."""

import ast
import datetime
import json
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from bwmo.care.models import Indication, Product, Stay
from bwmo.finance import services as finance_services
from bwmo.organisations.models import Provider
from bwmo.rules.budget_params import EXAMPLE_PARAMETERS
from bwmo.ui.excel import FORMULA_STARTS, About, workbook_bytes
from tests.factories import closed_quarter_end, granted_client
from tests.finance.test_finance import _params_text

SRC = Path(__file__).resolve().parents[2] / "src" / "bwmo"
WRITER = SRC / "ui" / "excel.py"
DANGEROUS = [f'{start}HYPERLINK("http://example.invalid/x","klik")' for start in FORMULA_STARTS]
DANGEROUS += ["=1+1", "@SUM(A1:A2)", "-2+3", "#N/A", "=", "-"]
ABOUT = About(title="Proef", period="2026", filters=[], audience="test")


def _cells(data: bytes):
    book = load_workbook(BytesIO(data))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            yield from row


def _assert_text_stays_text(data: bytes, expected: set[str]) -> None:
    """No formula anywhere; every expected text is there, literally, as a string cell."""
    seen = set()
    for cell in _cells(data):
        assert cell.data_type != "f", (cell.coordinate, cell.value)
        assert cell.data_type != "e", (cell.coordinate, cell.value)
        if isinstance(cell.value, str):
            assert cell.data_type == "s"
            if cell.value.startswith(FORMULA_STARTS):
                assert cell.quotePrefix, (cell.coordinate, cell.value)
            seen.update(text for text in expected if text in cell.value)
    assert seen == expected, f"missing from the workbook: {expected - seen}"


@pytest.mark.parametrize("text", DANGEROUS)
def test_a_text_that_looks_like_a_formula_is_written_as_that_text(text):
    data = workbook_bytes([("Blad", ["naam", "aantal"], [[text, 3]], set())], about=ABOUT)
    book = load_workbook(BytesIO(data))
    cell = book["Blad"]["A2"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", text != "#N/A")
    assert book["Blad"]["B2"].value == 3 and book["Blad"]["B2"].data_type == "n"


def test_numbers_and_dates_stay_numbers_and_unwritable_characters_do_not_break_the_export():
    day = datetime.date(2026, 3, 1)
    rows = [[Decimal("12.50"), 7, 1.5, day, None, "a\x01b", "gewone naam"]]
    data = workbook_bytes([("x" * 40 + "[]", list("abcdefg"), rows, {0})], about=ABOUT)
    book = load_workbook(BytesIO(data))
    sheet = book.worksheets[1]
    assert [c.value for c in sheet[2]][:3] == [12.5, 7, 1.5]
    assert [c.data_type for c in sheet[2]][:4] == ["n", "n", "n", "d"]
    assert sheet["D2"].value.date() == day
    assert sheet["F2"].value == "a\ufffdb"
    assert not sheet["G2"].quotePrefix  # ordinary text is left exactly as it was


def test_only_the_safe_writer_puts_values_in_cells():
    """openpyxl is used in one module, and there only ``put`` assigns a cell's value."""
    users = sorted(
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if "openpyxl" in path.read_text(encoding="utf-8")
    )
    assert users == ["ui/excel.py"]
    tree = ast.parse(WRITER.read_text(encoding="utf-8"))
    for function in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
        for node in ast.walk(function):
            if isinstance(node, ast.Attribute) and node.attr == "append":
                pytest.fail(f"{function.name} appends a row without the safe writer")
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Attribute) and t.attr == "value" for t in node.targets
            ):
                assert function.name == "put", f"{function.name} assigns a cell value"


@pytest.mark.django_db
def test_every_workbook_keeps_names_from_beheer_as_text(client, region_setup, tmp_path):
    """Finance and monitor (screen and command line) and the budget command, per prefix."""
    parameter_set = finance_services.parameter_set_upload(
        name="Test circulaire", text=_params_text(), user=None
    )
    patient = granted_client(region_setup)
    indication = Indication.objects.get(client=patient)
    Stay.objects.create(
        client=patient,
        indication=indication,
        provider=indication.provider,
        product=indication.product,
        location=region_setup.assen,
        # In care in the last closed quarter: the region's outside view shows it.
        start=closed_quarter_end() - datetime.timedelta(days=30),
    )
    today = timezone.localdate()
    example = Path(EXAMPLE_PARAMETERS).read_text(encoding="utf-8")
    for text in DANGEROUS:
        provider_name, product_name = text, f"{text} product"
        Provider.objects.filter(pk=indication.provider_id).update(name=provider_name)
        Product.objects.filter(pk=indication.product_id).update(name=product_name)

        client.force_login(region_setup.users["controller"])
        finance = client.get(
            reverse("finance:overview"),
            {"regio": region_setup.region.pk, "parameters": parameter_set.pk, "formaat": "xlsx"},
        )
        assert finance.status_code == 200, text
        _assert_text_stays_text(finance.content, {provider_name, product_name})

        client.force_login(region_setup.users["beleid"])
        monitor = client.get(
            reverse("monitor:dashboard"),
            {
                "regio": region_setup.region.pk,
                "van": (today - datetime.timedelta(days=60)).isoformat(),
                "tot": today.isoformat(),
                "formaat": "xlsx",
            },
        )
        assert monitor.status_code == 200, text
        _assert_text_stays_text(monitor.content, {provider_name, product_name})

        out = tmp_path / "monitor.xlsx"
        call_command(
            "monitor",
            region="GM0106",
            start=(today - datetime.timedelta(days=60)).isoformat(),
            end=today.isoformat(),
            format="xlsx",
            out=out,
        )
        _assert_text_stays_text(out.read_bytes(), {provider_name, product_name})

        params = tmp_path / "params.toml"
        region_name = f"{text} regio"
        params.write_text(
            example.replace('name = "Zuidoost-Drenthe"', f"name = {json.dumps(region_name)}"),
            encoding="utf-8",
        )
        out = tmp_path / "budget.xlsx"
        call_command("budget", str(params), format="xlsx", out=out)
        # The parameter file's names are read stripped of surrounding white space.
        _assert_text_stays_text(out.read_bytes(), {region_name.strip()})
