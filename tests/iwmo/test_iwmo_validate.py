"""validate_message: XSD first, then the rules; the standard's examples all pass."""

from __future__ import annotations

from datetime import date

import pytest

from bwmo.iwmo import validate_message
from bwmo.iwmo.model import Declaratiebericht

from .conftest import TODAY, XSD_DIR, example, mutate

EXAMPLES = ("WMO301", "WMO305", "WMO307", "WMO315", "WMO317", "WMO319", "WMO323")


@pytest.mark.parametrize("message_type", EXAMPLES)
def test_every_example_of_the_standard_validates(message_type):
    result = validate_message(example(message_type), XSD_DIR, today=TODAY)
    assert result.errors == []
    assert result.valid
    assert result.message_type == message_type
    assert result.bericht is not None


def test_strict_mode_enforces_tr380_which_the_317_example_breaks():
    # The standard's XSLT applies TR380 to NieuwProduct/GewensteIngangsdatum; the example's
    # new product starts on the Dagtekening itself. See rules.STRICT_ONLY.
    result = validate_message(example("WMO317"), XSD_DIR, today=TODAY, strict=True)
    assert [(e.code, e.path) for e in result.errors] == [
        ("TR380", "/Bericht/Client/Verzoek/NieuweProducten/NieuwProduct/GewensteIngangsdatum")
    ]


def test_the_parsed_message_comes_with_the_result():
    result = validate_message(example("WMO323"), XSD_DIR, today=TODAY)
    assert isinstance(result.bericht, Declaratiebericht)
    assert result.bericht.declaratie.declaratie_nummer == "DN001"


def test_an_xsd_invalid_message_reports_only_xsd_errors():
    # Broken twice: an XSD error (unknown Eenheid) and a rule (11-proef). Rules do not run.
    xml = mutate(
        "WMO323",
        ("<wmo323:Eenheid>04</wmo323:Eenheid>", "<wmo323:Eenheid>99</wmo323:Eenheid>"),
        ("<wmo323:Bsn>999900018</wmo323:Bsn>", "<wmo323:Bsn>999900019</wmo323:Bsn>"),
    )
    result = validate_message(xml, XSD_DIR, today=TODAY)
    assert not result.valid
    assert {e.code for e in result.errors} == {"XSD"}
    assert result.bericht is None


def test_malformed_xml():
    result = validate_message(b"<Bericht>", XSD_DIR, today=TODAY)
    assert (result.valid, result.message_type) == (False, None)
    assert [e.code for e in result.errors] == ["XML"]


def test_a_message_without_xsd_in_the_directory_is_not_valid():
    xml = b'<x:Bericht xmlns:x="http://www.istandaarden.nl/iwmo/3_2/wmo306/schema"/>'
    result = validate_message(xml, XSD_DIR, today=TODAY)
    assert result.message_type == "WMO306"
    assert not result.valid


@pytest.mark.parametrize("message_type", EXAMPLES)
def test_dagtekening_may_not_lie_after_the_system_date(message_type):
    result = validate_message(example(message_type), XSD_DIR, today=date(2023, 1, 1))
    assert ("TR135", "/Bericht/Header/BerichtIdentificatie/Dagtekening") in {
        (e.code, e.path) for e in result.errors
    }
    tr135 = next(e for e in result.errors if e.code == "TR135")
    assert tr135.retourcode == "8848"
