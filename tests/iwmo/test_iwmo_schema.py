"""Reading the standard's XSDs from a directory, and XSD errors with element paths."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from bwmo.iwmo import schema
from bwmo.iwmo._xml import parse_xml
from bwmo.iwmo.model import BERICHTCODES, XsdVersie

from .conftest import IWMO, XSD_DIR, example, mutate

HEEN = ("WMO301", "WMO305", "WMO307", "WMO315", "WMO317", "WMO319", "WMO323")


def test_the_directory_holds_the_messages_a_municipality_exchanges():
    assert schema.available_message_types(XSD_DIR) == frozenset(HEEN)


def test_compiled_schemas_are_cached_per_directory_and_type():
    assert schema.load_schema(XSD_DIR, "WMO323") is schema.load_schema(str(XSD_DIR), "wmo323")
    assert schema.load_schema(XSD_DIR, "WMO323") is not schema.load_schema(XSD_DIR, "WMO301")


def test_a_missing_xsd_is_reported_not_guessed(tmp_path):
    with pytest.raises(schema.SchemaNotFound):
        schema.load_schema(tmp_path, "WMO301")
    errors = schema.validate_xsd(parse_xml(example("WMO301")), tmp_path)
    assert [e.code for e in errors] == ["XSD"]


@pytest.mark.parametrize("message_type", HEEN)
def test_xsd_versie_comes_from_the_appinfo(message_type):
    assert schema.xsd_versie(XSD_DIR, message_type) == XsdVersie("1.0.0", "1.0.0")


@pytest.mark.parametrize("message_type", HEEN)
def test_berichtcodes_agree_with_the_xsd(message_type):
    xsd = (XSD_DIR / f"{message_type}.xsd").read_text()
    pinned = re.search(r'name="BerichtCode".*?<xs:pattern value="(\d+)"', xsd, re.S)
    assert pinned is not None
    assert BERICHTCODES[message_type] == pinned.group(1)


def test_berichtcodes_agree_with_code_list_cod002():
    table = (IWMO / "codelijsten" / "COD002VEKTIS_Berichtcode").read_text()
    listed = dict(re.findall(r"^\| (WMO\d{3}) \| (\d{3}) \|$", table, re.M))
    assert listed == BERICHTCODES


@pytest.mark.parametrize("message_type", HEEN)
def test_every_example_is_xsd_valid(message_type):
    assert schema.validate_xsd(parse_xml(example(message_type)), XSD_DIR) == []


def test_xsd_errors_carry_the_element_path():
    xml = mutate(
        "WMO323", ("<wmo323:Eenheid>04</wmo323:Eenheid>", "<wmo323:Eenheid>05</wmo323:Eenheid>")
    )
    [error] = schema.validate_xsd(parse_xml(xml), XSD_DIR)
    assert error.code == "XSD"
    assert error.path == "/Bericht/Declaratie/Clienten/Client[1]/Prestaties/Prestatie[1]/Eenheid"
    assert "05" in error.detail  # what was found: for the command line only
    assert "05" not in error.message  # what may be stored: the expected codes at most
    assert "{http" not in error.message + error.detail
    assert error.retourcode is None  # controleniveau 1: no retour message


def test_a_missing_element_is_reported_where_it_was_expected():
    xml = mutate("WMO305", ("<wmo305:Geslacht>1</wmo305:Geslacht>", ""))
    [error] = schema.validate_xsd(parse_xml(xml), XSD_DIR)
    assert error.path == "/Bericht/Client/Naam"  # found instead of the missing Geslacht
    assert error.message == "Dit element wordt hier niet verwacht. Verwacht: Geslacht."


def test_paths_do_not_depend_on_namespace_prefixes():
    # The same message with a default namespace instead of the wmo323 prefix.
    xml = example("WMO323").decode()
    xml = xml.replace("xmlns:wmo323=", "xmlns=").replace("wmo323:", "")
    xml = xml.replace("<iwmo:Bedrag>24000</iwmo:Bedrag>", "<iwmo:Bedrag>-1</iwmo:Bedrag>", 1)
    [error] = schema.validate_xsd(parse_xml(xml.encode()), XSD_DIR)
    assert error.path == (
        "/Bericht/Declaratie/Clienten/Client[1]/Prestaties/Prestatie[2]/IngediendBedrag/Bedrag"
    )


def test_a_foreign_document_is_no_iwmo_message():
    [error] = schema.validate_xsd(parse_xml(b"<Bericht/>"), XSD_DIR)
    assert error.code == "XSD"


@pytest.mark.parametrize(
    ("type_name", "value", "valid"),
    [
        ("LDT_RetourCode", "0200", True),
        ("LDT_RetourCode", "9346", True),
        ("LDT_RetourCode", "1234", False),
        ("LDT_IdentificatieBericht", "R-0001", True),
        ("LDT_IdentificatieBericht", "1234567890123", False),
        ("LDT_Versie", "1.0.0", True),
        ("LDT_Versie", "1.0", False),
    ],
)
def test_values_are_checked_against_basisschema_types(type_name, value, valid):
    assert schema.is_valid_value(XSD_DIR, type_name, value) is valid


def test_the_library_does_not_import_django():
    code = "import sys, bwmo.iwmo; print('django' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
