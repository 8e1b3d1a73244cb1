"""Retour messages 306/308/316/318: the heenbericht plus RetourCodes per berichtklasse (IV028).

The standard's directory has no XSD for them. What can be checked is checked: stripped of
what the retour adds, a retour message is the original, XSD-valid heenbericht again; and
everything it adds is valid for the basisschema type it is declared with.
"""

from __future__ import annotations

from datetime import date

import pytest
from lxml import etree

from bwmo.iwmo import IwmoBuildError, IwmoError, build_retour, parse_message, validate_message
from bwmo.iwmo._xml import BASIS_NS, element_path, local, message_ns
from bwmo.iwmo.schema import is_valid_value, validate_xsd

from .conftest import TODAY, XSD_DIR, edit, example

HEEN_RETOUR = {"WMO305": "WMO306", "WMO307": "WMO308", "WMO315": "WMO316", "WMO317": "WMO318"}
RETOUR_HEADER = ("IdentificatieRetour", "DagtekeningRetour", "XsltVersie", "XsdVersieRetour")


def _retour(heen: str, errors: list[IwmoError], **kwargs: object) -> etree._Element:
    xml = build_retour(
        example(heen),
        identificatie="RET-0001",
        dagtekening=date(2025, 8, 1),
        errors=errors,
        xsd_dir=XSD_DIR,
        **kwargs,
    )
    assert xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\r\n')
    return etree.fromstring(xml)


def _codes(root: etree._Element) -> dict[str, list[str]]:
    """RetourCodes by the path of the berichtklasse that carries them."""
    return {
        element_path(el.getparent()): [c.text for c in el]
        for el in root.iter(f"{{{root.nsmap[root.prefix]}}}RetourCodes")
    }


def _strip(root: etree._Element, heen: str) -> etree._Element:
    """Undo what the retour adds: namespace, BerichtCode, retour header fields, RetourCodes."""
    retour_ns, heen_ns = etree.QName(root).namespace, message_ns(heen)
    copy = etree.fromstring(etree.tostring(root))
    for el in list(copy.iter()):
        if local(el) in (*RETOUR_HEADER, "RetourCodes"):
            el.getparent().remove(el)
        elif etree.QName(el).namespace == retour_ns:
            el.tag = f"{{{heen_ns}}}{local(el)}"
    copy.find(f"{{{heen_ns}}}Header/{{{heen_ns}}}BerichtCode").text = {
        "WMO305": "418",
        "WMO307": "420",
        "WMO315": "444",
        "WMO317": "480",
    }[heen]
    etree.cleanup_namespaces(copy)
    return copy


@pytest.mark.parametrize(("heen", "retour"), HEEN_RETOUR.items())
def test_without_findings_only_the_header_goes_back(heen, retour):
    root = _retour(heen, [])
    ns = message_ns(retour)
    assert etree.QName(root).namespace == ns
    header = root.find(f"{{{ns}}}Header")
    assert [local(el) for el in root] == ["Header"]
    assert [local(el) for el in header] == [
        "BerichtCode",
        "BerichtVersie",
        "BerichtSubversie",
        "Afzender",
        "Ontvanger",
        "BerichtIdentificatie",
        "XsdVersie",
        "IdentificatieRetour",
        "DagtekeningRetour",
        "XsdVersieRetour",
    ]
    heen_header = parse_message(example(heen)).header
    # Afzender and Ontvanger are copied from the heenbericht unchanged (IV028).
    assert header.findtext(f"{{{ns}}}Afzender") == heen_header.afzender
    assert header.findtext(f"{{{ns}}}Ontvanger") == heen_header.ontvanger
    assert header.findtext(f"{{{ns}}}IdentificatieRetour") == "RET-0001"
    assert header.findtext(f"{{{ns}}}DagtekeningRetour") == "2025-08-01"
    assert (
        header.findtext(f"{{{ns}}}BerichtCode")
        == {
            "WMO306": "419",
            "WMO308": "421",
            "WMO316": "445",
            "WMO318": "481",
        }[retour]
    )


@pytest.mark.parametrize("heen", HEEN_RETOUR)
def test_an_in_message_rule_returns_only_the_header_with_0001(heen):
    xml = edit(heen, text={"/Bericht/Client/Bsn": "999900007"})
    errors = validate_message(xml, XSD_DIR, today=TODAY).errors
    assert [e.code for e in errors] == ["CS002"]
    root = etree.fromstring(
        build_retour(
            xml,
            identificatie="RET-2",
            dagtekening=date(2025, 8, 1),
            errors=errors,
            xsd_dir=XSD_DIR,
            xslt_versie="2.10.5",
        )
    )
    assert _codes(root) == {"/Bericht/Header": ["0001"]}
    assert [local(el) for el in root] == ["Header"]
    ns = etree.QName(root).namespace
    assert root.findtext(f"{{{ns}}}Header/{{{ns}}}XsltVersie") == "2.10.5"


def test_a_finding_in_the_header_returns_only_the_header_with_its_code():
    errors = validate_message(example("WMO305"), XSD_DIR, today=date(2025, 1, 1)).errors
    assert [e.code for e in errors] == ["TR135"]
    root = _retour("WMO305", errors)
    assert _codes(root) == {"/Bericht/Header": ["8848"]}


def test_a_finding_in_a_class_returns_the_whole_client_with_codes():
    errors = [
        IwmoError(
            "TR019", "/Bericht/Client/StartProducten/StartProduct[2]/ToewijzingNummer", "", "9019"
        ),
        IwmoError("TR326", "/Bericht/Client/StartProducten/StartProduct[2]", "", "9326"),
        IwmoError("TR326", "/Bericht/Client/StartProducten/StartProduct[2]", "", "9326"),
    ]
    root = _retour("WMO305", errors)
    assert _codes(root) == {
        "/Bericht/Header": ["0200"],
        "/Bericht/Client": ["0200"],
        "/Bericht/Client/StartProducten/StartProduct[1]": ["0200"],
        "/Bericht/Client/StartProducten/StartProduct[2]": ["9019", "9326"],
    }
    # RetourCodes close every berichtklasse (after its child classes, as in the XSDs).
    ns = etree.QName(root).namespace
    assert local(root.find(f"{{{ns}}}Client")[-1]) == "RetourCodes"


def test_a_317_retour_marks_each_of_its_classes():
    errors = [IwmoError("TR349", "/Bericht/Client/Verzoek", "", "9349")]
    root = _retour("WMO317", errors)
    assert _codes(root) == {
        "/Bericht/Header": ["0200"],
        "/Bericht/Client": ["0200"],
        "/Bericht/Client/Verzoek": ["9349"],
        "/Bericht/Client/Verzoek/OngewijzigdeProducten/OngewijzigdProduct": ["0200"],
        "/Bericht/Client/Verzoek/TeWijzigenProducten/TeWijzigenProduct": ["0200"],
        "/Bericht/Client/Verzoek/NieuweProducten/NieuwProduct": ["0200"],
    }


@pytest.mark.parametrize("heen", HEEN_RETOUR)
def test_a_retour_is_the_unchanged_heenbericht_plus_retour_data(heen):
    client_path = "/Bericht/Client/Bsn"
    root = _retour(heen, [IwmoError("TR304", client_path, "", "8187")], xslt_versie="2.10.5")
    original = _strip(root, heen)
    assert validate_xsd(original, XSD_DIR) == []
    assert parse_message(etree.tostring(original)) == parse_message(example(heen))
    # What the retour adds is valid for its basisschema type.
    ns = etree.QName(root).namespace
    header = root.find(f"{{{ns}}}Header")
    assert is_valid_value(
        XSD_DIR, "LDT_IdentificatieBericht", header.findtext(f"{{{ns}}}IdentificatieRetour")
    )
    for name in ("BasisschemaXsdVersie", "BerichtXsdVersie"):
        versie = header.findtext(f"{{{ns}}}XsdVersieRetour/{{{BASIS_NS}}}{name}")
        assert is_valid_value(XSD_DIR, "LDT_Versie", versie)
    for codes in _codes(root).values():
        assert all(is_valid_value(XSD_DIR, "LDT_RetourCode", c) for c in codes)


def test_an_xsd_invalid_heenbericht_gets_no_retour():
    with pytest.raises(ValueError, match="geen retourbericht"):
        _retour("WMO305", [IwmoError("XSD", "/Bericht/Client", "Missing child element")])


def test_a_retourcode_outside_the_code_list_is_refused():
    with pytest.raises(IwmoBuildError):
        _retour(
            "WMO305",
            [IwmoError("TR019", "/Bericht/Client/StartProducten/StartProduct[1]", "", "9999")],
        )


def test_only_received_messages_get_a_retour_from_bwmo():
    with pytest.raises(ValueError, match="WMO301"):
        build_retour(
            example("WMO301"),
            identificatie="RET-3",
            dagtekening=date(2025, 8, 1),
            errors=[],
            xsd_dir=XSD_DIR,
        )
