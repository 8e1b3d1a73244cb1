"""The declaratie-antwoord (WMO325), built to IV087/TR342 without an XSD of its own."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from bwmo.iwmo import IwmoError, build_wmo325, parse_message, validate_message
from bwmo.iwmo._xml import BASIS_NS, element_path, local, message_ns
from bwmo.iwmo.model import Bedrag, Declaratiebericht
from bwmo.iwmo.schema import is_valid_value, validate_xsd

from .conftest import TODAY, XSD_DIR, edit, example, mutate

NS = message_ns("WMO325")
D = "/Bericht/Declaratie"


def P(client: int, prestatie: int) -> str:
    return f"{D}/Clienten/Client[{client}]/Prestaties/Prestatie[{prestatie}]"


def _declaratie(xml: bytes | None = None) -> Declaratiebericht:
    bericht = parse_message(xml or example("WMO323"))
    assert isinstance(bericht, Declaratiebericht)
    return bericht


def _antwoord(errors: list[IwmoError], bericht: Declaratiebericht | None = None) -> etree._Element:
    xml = build_wmo325(
        bericht or _declaratie(),
        identificatie="DA-2023-05",
        dagtekening=date(2023, 5, 12),
        errors=errors,
        xsd_dir=XSD_DIR,
    )
    return etree.fromstring(xml)


def _q(*names: str) -> str:
    return "/".join(f"{{{NS}}}{n}" for n in names)


def _totaal(root: etree._Element, name: str) -> int:
    el = root.find(_q("DeclaratieAntwoord", name))
    bedrag = Bedrag(
        int(el.findtext(f"{{{BASIS_NS}}}TotaalBedrag")), el.findtext(f"{{{BASIS_NS}}}DebetCredit")
    )
    return bedrag.waarde


def _codes(root: etree._Element) -> dict[str, list[str]]:
    return {
        element_path(el.getparent()): [c.text for c in el] for el in root.iter(_q("RetourCodes"))
    }


def _returned(root: etree._Element) -> list[tuple[str, str]]:
    return [
        (
            client.findtext(_q("Bsn")),
            p.findtext(f"{_q('ProductReferentie')}/{{{BASIS_NS}}}ReferentieNummer"),
        )
        for client in root.iterfind(_q("DeclaratieAntwoord", "Clienten", "Client"))
        for p in client.iterfind(_q("Prestaties", "Prestatie"))
    ]


def _tr342_holds(root: etree._Element) -> bool:
    """SOM(returned IngediendBedrag) = TotaalIngediendBedrag - TotaalToegekendBedrag."""
    som = 0
    for p in root.iter(_q("Prestatie")):
        bedrag = p.find(_q("IngediendBedrag"))
        som += Bedrag(
            int(bedrag.findtext(f"{{{BASIS_NS}}}Bedrag")),
            bedrag.findtext(f"{{{BASIS_NS}}}DebetCredit"),
        ).waarde
    return som == _totaal(root, "TotaalIngediendBedrag") - _totaal(root, "TotaalToegekendBedrag")


def test_a_fully_approved_declaration():
    root = _antwoord([])
    assert [local(el) for el in root] == ["Header", "DeclaratieAntwoord"]
    assert _codes(root) == {"/Bericht/Header": ["0200"], "/Bericht/DeclaratieAntwoord": ["8001"]}
    assert _totaal(root, "TotaalIngediendBedrag") == _totaal(root, "TotaalToegekendBedrag") == 58000
    assert _returned(root) == []


def test_the_header_answers_the_declaration():
    h = _antwoord([]).find(_q("Header"))
    assert [local(el) for el in h] == [
        "BerichtCode",
        "BerichtVersie",
        "BerichtSubversie",
        "Afzender",
        "Ontvanger",
        "BerichtIdentificatie",
        "XsdVersie",
        "DeclaratieIdentificatie",
        "XsdVersieDeclaratie",
        "RetourCodes",
    ]
    assert h.findtext(_q("BerichtCode")) == "485"
    assert (h.findtext(_q("Afzender")), h.findtext(_q("Ontvanger"))) == ("0384", "65656055")
    ident = h.find(_q("DeclaratieIdentificatie"))
    assert ident.findtext(f"{{{BASIS_NS}}}Identificatie") == "765432198"
    assert ident.findtext(f"{{{BASIS_NS}}}Dagtekening") == "2023-05-06"


def test_only_rejected_prestaties_go_back():
    errors = [
        IwmoError("TR340", f"{P(1, 2)}/ProductCode", "", "9340"),
        IwmoError("TR339", f"{P(1, 2)}/ProductCategorie", "", "9339"),
        IwmoError("TR307", f"{P(2, 1)}/ProductPeriode/Begindatum", "", "9307"),
    ]
    root = _antwoord(errors)
    assert _returned(root) == [("999900006", "RN002"), ("999900018", "RN003")]
    assert _codes(root) == {
        "/Bericht/Header": ["0200"],
        "/Bericht/DeclaratieAntwoord/Clienten/Client[1]/Prestaties/Prestatie": ["9340", "9339"],
        "/Bericht/DeclaratieAntwoord/Clienten/Client[1]": ["0200"],
        "/Bericht/DeclaratieAntwoord/Clienten/Client[2]/Prestaties/Prestatie": ["9307"],
        "/Bericht/DeclaratieAntwoord/Clienten/Client[2]": ["0200"],
        "/Bericht/DeclaratieAntwoord": ["0200"],
    }
    assert _totaal(root, "TotaalToegekendBedrag") == 58000 - 24000 - 5000
    assert _tr342_holds(root)


def test_a_rejected_client_takes_all_its_prestaties_unassessed():
    root = _antwoord([IwmoError("TR304", f"{D}/Clienten/Client[2]/Bsn", "", "8187")])
    assert _returned(root) == [("999900018", "RN003"), ("999900018", "RN004")]
    codes = _codes(root)
    assert codes["/Bericht/DeclaratieAntwoord/Clienten/Client"] == ["8187"]
    assert codes["/Bericht/DeclaratieAntwoord/Clienten/Client/Prestaties/Prestatie[1]"] == ["0233"]
    assert _totaal(root, "TotaalToegekendBedrag") == 58000 - 29000
    assert _tr342_holds(root)


def test_a_rejected_declaratie_grants_nothing():
    root = _antwoord([IwmoError("TR333", f"{D}/DeclaratieNummer", "", "9333")])
    assert _codes(root) == {"/Bericht/Header": ["0200"], "/Bericht/DeclaratieAntwoord": ["9333"]}
    assert _totaal(root, "TotaalToegekendBedrag") == 0
    assert (
        root.find(_q("DeclaratieAntwoord", "TotaalToegekendBedrag")).findtext(
            f"{{{BASIS_NS}}}DebetCredit"
        )
        == "D"
    )
    assert _returned(root) == []


def test_a_technical_rejection_returns_only_the_header_with_0001():
    xml = edit("WMO323", text={f"{D}/TotaalIngediendBedrag/TotaalBedrag": "58001"})
    result = validate_message(xml, XSD_DIR, today=TODAY)
    root = _antwoord(result.errors, result.bericht)
    assert [local(el) for el in root] == ["Header"]
    assert _codes(root) == {"/Bericht/Header": ["0001"]}


def test_a_header_finding_returns_only_the_header_with_its_code():
    result = validate_message(example("WMO323"), XSD_DIR, today=date(2023, 5, 1))
    root = _antwoord(result.errors, result.bericht)
    assert _codes(root) == {"/Bericht/Header": ["8848"]}


def test_rejecting_a_credit_raises_the_granted_total():
    xml = edit(
        mutate(
            "WMO323",
            (
                "<iwmo:ReferentieNummer>RN003</iwmo:ReferentieNummer>",
                "<iwmo:ReferentieNummer>RN003</iwmo:ReferentieNummer><iwmo:VorigReferentieNummer>RN900</iwmo:VorigReferentieNummer>",
            ),
        ),
        text={
            f"{P(2, 1)}/IngediendBedrag/DebetCredit": "C",
            f"{D}/TotaalIngediendBedrag/TotaalBedrag": "48000",
        },
    )
    bericht = _declaratie(xml)
    root = _antwoord(
        [IwmoError("TR323", f"{P(2, 1)}/ProductReferentie/VorigReferentieNummer", "", "8017")],
        bericht,
    )
    assert _totaal(root, "TotaalToegekendBedrag") == 53000
    returned = root.find(_q("DeclaratieAntwoord", "Clienten", "Client", "Prestaties", "Prestatie"))
    assert (
        returned.findtext(f"{_q('ProductReferentie')}/{{{BASIS_NS}}}VorigReferentieNummer")
        == "RN900"
    )
    assert _tr342_holds(root)


def test_a_negative_granted_total_is_credit():
    xml = edit(
        mutate(
            "WMO323",
            (
                "<iwmo:ReferentieNummer>RN003</iwmo:ReferentieNummer>",
                "<iwmo:ReferentieNummer>RN003</iwmo:ReferentieNummer><iwmo:VorigReferentieNummer>RN900</iwmo:VorigReferentieNummer>",
            ),
        ),
        text={
            f"{P(2, 1)}/IngediendBedrag/DebetCredit": "C",
            f"{D}/TotaalIngediendBedrag/TotaalBedrag": "48000",
        },
    )
    errors = [
        IwmoError("TR338", f"{p}/ToewijzingNummer", "", "9338") for p in (P(1, 1), P(1, 2), P(2, 2))
    ]
    root = _antwoord(errors, _declaratie(xml))
    toegekend = root.find(_q("DeclaratieAntwoord", "TotaalToegekendBedrag"))
    assert toegekend.findtext(f"{{{BASIS_NS}}}TotaalBedrag") == "5000"
    assert toegekend.findtext(f"{{{BASIS_NS}}}DebetCredit") == "C"
    assert _tr342_holds(root)


def test_returned_prestaties_are_what_the_323_xsd_allows():
    """The 325 Prestatie is the 323 Prestatie plus RetourCodes: put the returned ones back in
    the declaration and the WMO323 XSD accepts it."""
    errors = [
        IwmoError("TR340", f"{P(c, p)}/ProductCode", "", "9340") for c in (1, 2) for p in (1, 2)
    ]
    root = _antwoord(errors)
    declaratie = etree.fromstring(example("WMO323"))
    ns323 = message_ns("WMO323")
    clienten = declaratie.find(f"{{{ns323}}}Declaratie/{{{ns323}}}Clienten")
    for client in list(clienten):
        clienten.remove(client)
    for client in root.iterfind(_q("DeclaratieAntwoord", "Clienten", "Client")):
        for el in list(client.iter(_q("RetourCodes"))):
            el.getparent().remove(el)
        for el in client.iter():
            if etree.QName(el).namespace == NS:
                el.tag = f"{{{ns323}}}{local(el)}"
        clienten.append(client)
    assert validate_xsd(declaratie, XSD_DIR) == []
    assert parse_message(etree.tostring(declaratie)) == _declaratie()


def test_what_the_325_adds_is_valid_for_its_basisschema_types():
    root = _antwoord([IwmoError("TR307", f"{P(2, 1)}/ProductPeriode/Begindatum", "", "9307")])
    for codes in _codes(root).values():
        assert all(is_valid_value(XSD_DIR, "LDT_RetourCode", c) for c in codes)
    for name in ("TotaalIngediendBedrag", "TotaalToegekendBedrag"):
        total = root.find(_q("DeclaratieAntwoord", name)).findtext(f"{{{BASIS_NS}}}TotaalBedrag")
        assert is_valid_value(XSD_DIR, "LDT_TotaalBedrag", total)
    ident = root.find(_q("Header", "BerichtIdentificatie")).findtext(f"{{{BASIS_NS}}}Identificatie")
    assert is_valid_value(XSD_DIR, "LDT_IdentificatieBericht", ident)


def test_an_xsd_invalid_declaration_gets_no_answer():
    with pytest.raises(ValueError, match="geen retourbericht"):
        _antwoord([IwmoError("XSD", D, "Missing child element")])


@settings(max_examples=40, deadline=None)
@given(
    afgewezen=st.sets(st.sampled_from([(1, 1), (1, 2), (2, 1), (2, 2)])),
    credits=st.sets(st.sampled_from([(1, 1), (1, 2), (2, 1), (2, 2)])),
)
def test_tr342_the_returned_amounts_explain_the_difference(afgewezen, credits):
    bericht = _declaratie()
    clienten = []
    for ci, client in enumerate(bericht.declaratie.clienten, start=1):
        prestaties = tuple(
            replace(
                p,
                ingediend_bedrag=Bedrag(p.ingediend_bedrag.bedrag, "C"),
                vorig_referentie_nummer="RN9",
            )
            if (ci, pi) in credits
            else p
            for pi, p in enumerate(client.prestaties, start=1)
        )
        clienten.append(replace(client, prestaties=prestaties))
    totaal = sum(p.ingediend_bedrag.waarde for c in clienten for p in c.prestaties)
    declaratie = replace(
        bericht.declaratie,
        clienten=tuple(clienten),
        totaal_ingediend_bedrag=Bedrag.van_waarde(totaal),
    )
    errors = [
        IwmoError("TR338", f"{P(c, p)}/ToewijzingNummer", "", "9338") for c, p in sorted(afgewezen)
    ]
    root = _antwoord(errors, replace(bericht, declaratie=declaratie))
    assert _tr342_holds(root)
    assert len(_returned(root)) == len(afgewezen)
    toegekend = root.find(_q("DeclaratieAntwoord", "TotaalToegekendBedrag"))
    if toegekend.findtext(f"{{{BASIS_NS}}}TotaalBedrag") == "0":
        assert toegekend.findtext(f"{{{BASIS_NS}}}DebetCredit") == "D"  # CS325
