"""WMO305/307/315/317/323 written as a provider writes them: the standard's examples survive
parse and build, hand-made messages are valid, and invalid values are refused."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from lxml import etree

from bwmo.iwmo import (
    IwmoBuildError,
    build_wmo305,
    build_wmo307,
    build_wmo315,
    build_wmo317,
    build_wmo323,
    parse_message,
    validate_message,
)
from bwmo.iwmo.model import (
    CREDIT,
    AangevraagdProduct,
    Achternaam,
    Bedrag,
    Bericht,
    ClientBasis,
    Declaratie,
    Declaratiebericht,
    DeclaratieClient,
    Geboortedatum,
    GeslotenPeriode,
    Naam,
    NieuwProduct,
    Omvang,
    Prestatie,
    Product,
    Startbericht,
    StartProduct,
    Stopbericht,
    StopProduct,
    TeWijzigenProduct,
    Verwijzer,
    Verzoek,
    VerzoekOmToewijzingbericht,
    VerzoekOmWijzigingbericht,
)

from .conftest import TODAY, XSD_DIR, example

PROVIDER_MESSAGES = ("WMO305", "WMO307", "WMO315", "WMO317", "WMO323")


def rebuild(bericht: Bericht, **header: object) -> bytes:
    """The message built again from its dataclass; ``header`` overrides Header fields."""
    h = bericht.header
    kwargs = {
        "afzender": h.afzender,
        "ontvanger": h.ontvanger,
        "identificatie": h.identificatie,
        "dagtekening": h.dagtekening,
        "xsd_dir": XSD_DIR,
        **header,
    }
    match bericht:
        case Startbericht():
            return build_wmo305(
                client=bericht.client, start_producten=bericht.start_producten, **kwargs
            )
        case Stopbericht():
            return build_wmo307(
                client=bericht.client, stop_producten=bericht.stop_producten, **kwargs
            )
        case VerzoekOmToewijzingbericht():
            return build_wmo315(
                client=bericht.client,
                aangevraagde_producten=bericht.aangevraagde_producten,
                **kwargs,
            )
        case VerzoekOmWijzigingbericht():
            return build_wmo317(bsn=bericht.bsn, verzoek=bericht.verzoek, **kwargs)
        case Declaratiebericht():
            return build_wmo323(declaratie=bericht.declaratie, **kwargs)
    raise AssertionError(f"geen aanbiedersbericht: {bericht!r}")


def _canonical(xml: bytes) -> bytes:
    """The XML without insignificant whitespace, in canonical form."""
    parser = etree.XMLParser(remove_blank_text=True)
    return etree.tostring(etree.fromstring(xml, parser), method="c14n")


# --- 1. the standard's examples ------------------------------------------------------------


@pytest.mark.parametrize("message_type", PROVIDER_MESSAGES)
def test_the_standards_example_survives_parse_and_build(message_type):
    original = example(message_type)
    parsed = parse_message(original)
    rebuilt = rebuild(parsed)
    assert parse_message(rebuilt) == parsed
    for strict in (False, True):  # strict: the 317 example breaks TR380, the rebuilt one too
        before = validate_message(original, XSD_DIR, today=TODAY, strict=strict)
        after = validate_message(rebuilt, XSD_DIR, today=TODAY, strict=strict)
        assert after.errors == before.errors
        assert after.message_type == message_type
    assert validate_message(rebuilt, XSD_DIR, today=TODAY).errors == []


@pytest.mark.parametrize("message_type", PROVIDER_MESSAGES)
def test_the_rebuilt_example_is_the_example_element_for_element(message_type):
    """Same elements, same order, same namespaces and prefixes: only layout differs."""
    original = example(message_type)
    assert _canonical(rebuild(parse_message(original))) == _canonical(original)


# --- 2. hand-made messages ---------------------------------------------------------------

AANBIEDER, GEMEENTE = "87654321", "0106"  # an invented provider; Assen
CLIENT = ClientBasis(
    bsn="999900031",
    geboortedatum=Geboortedatum(date(1988, 3, 14)),
    geslacht="2",
    naam=Naam(Achternaam("Hoekstra"), voornamen="Anne Marije", voorletters="AM"),
)
BEGELEIDING = Product("07", "07A01")  # invented product code


def _header(identificatie: str, dagtekening: date) -> dict[str, object]:
    return {
        "afzender": AANBIEDER,
        "ontvanger": GEMEENTE,
        "identificatie": identificatie,
        "dagtekening": dagtekening,
        "xsd_dir": XSD_DIR,
    }


def _wmo305(**header: object) -> bytes:
    return build_wmo305(
        **{**_header("ST2025-0007", date(2025, 6, 3)), **header},
        client=CLIENT,
        start_producten=(
            StartProduct(
                begindatum=date(2025, 6, 2),
                status_aanlevering="1",
                toewijzing_nummer=2025001,
                product=BEGELEIDING,
                toewijzing_ingangsdatum=date(2025, 6, 1),
            ),
            StartProduct(begindatum=date(2025, 6, 3), status_aanlevering="1"),
        ),
    )


def _wmo307(**header: object) -> bytes:
    return build_wmo307(
        **{**_header("SP2025-0003", date(2025, 7, 21)), **header},
        client=CLIENT,
        stop_producten=(
            StopProduct(
                begindatum=date(2025, 6, 2),
                reden_beeindiging="19",
                einddatum=date(2025, 7, 18),
                status_aanlevering="1",
                toewijzing_nummer=2025001,
                product=BEGELEIDING,
                toewijzing_ingangsdatum=date(2025, 6, 1),
            ),
        ),
    )


def _wmo315(**header: object) -> bytes:
    return build_wmo315(
        **{**_header("VT2025-0012", date(2025, 5, 20)), **header},
        client=replace(CLIENT, commentaar="Graag op korte termijn"),
        aangevraagde_producten=(
            AangevraagdProduct(
                referentie_aanbieder="VOT-2025-17",
                toewijzing_ingangsdatum=date(2025, 6, 1),
                toewijzing_einddatum=date(2025, 11, 30),
                verwijzer=Verwijzer("02", zorgverlener_code="01012345"),
                product=BEGELEIDING,
                omvang=Omvang(4, "04", "2"),  # 4 uur per week
                raamcontract=False,
            ),
            AangevraagdProduct(
                referentie_aanbieder="VOT-2025-18",
                toewijzing_ingangsdatum=date(2025, 6, 1),
                toewijzing_einddatum=date(2025, 12, 31),
                verwijzer=Verwijzer("01", naam="Wmo-consulent"),
                beschikking_nummer=8812,
                beschikking_ingangsdatum=date(2025, 5, 1),
                product=Product("08"),
                budget=150000,
                commentaar="Budget voor vervoer",
            ),
        ),
    )


def _wmo317(**header: object) -> bytes:
    return build_wmo317(
        **{**_header("VW2025-0002", date(2025, 7, 15)), **header},
        bsn="999900031",
        verzoek=Verzoek(
            referentie_aanbieder="VOW-2025-02",
            reden_verzoek="1",
            ongewijzigde_producten=(2025002,),
            te_wijzigen_producten=(
                TeWijzigenProduct(
                    2025001, date(2025, 8, 1), date(2025, 11, 30), Omvang(6, "04", "2")
                ),
            ),
            nieuwe_producten=(
                NieuwProduct(
                    date(2025, 8, 1),
                    product=Product("07", "07A02"),
                    einddatum=date(2025, 11, 30),
                    omvang=Omvang(2, "04", "2"),
                ),
            ),
        ),
    )


def _prestatie(referentie: str, maand: int, uren: int, **kwargs: object) -> Prestatie:
    tarief = 6250  # € 62,50 per uur
    return Prestatie(
        referentie_nummer=referentie,
        toewijzing_nummer=2025001,
        product_categorie="07",
        product_code="07A01",
        product_periode=GeslotenPeriode(date(2025, maand, 1), date(2025, maand, 30)),
        geleverd_volume=uren,
        eenheid="04",
        product_tarief=tarief,
        ingediend_bedrag=Bedrag(uren * tarief),
        **kwargs,
    )


DECLARATIE = Declaratie(
    declaratie_nummer="D2025060001",
    declaratie_periode=GeslotenPeriode(date(2025, 6, 1), date(2025, 6, 30)),
    declaratie_dagtekening=date(2025, 7, 5),
    totaal_ingediend_bedrag=Bedrag(100000 - 25000 + 30000),
    clienten=(
        DeclaratieClient(
            "999900031",
            (
                _prestatie("R2025-0601", 6, 16),
                # April corrected: 4 hours credited (TR319 allows an earlier period)
                replace(
                    _prestatie("R2025-0602", 4, 4, vorig_referentie_nummer="R2025-0401"),
                    ingediend_bedrag=Bedrag(25000, CREDIT),
                ),
            ),
        ),
        DeclaratieClient(
            "999900043",
            (
                Prestatie(
                    referentie_nummer="R2025-0603",
                    toewijzing_nummer=2025077,
                    product_categorie="08",
                    product_code="08B01",
                    product_periode=GeslotenPeriode(date(2025, 6, 1), date(2025, 6, 30)),
                    geleverd_volume=30000,
                    eenheid="83",  # euro: no ProductTarief, Bedrag = volume
                    ingediend_bedrag=Bedrag(30000),
                ),
            ),
        ),
    ),
)


def _wmo323(**header: object) -> bytes:
    return build_wmo323(
        **{**_header("DC2025-0006", date(2025, 7, 5)), **header}, declaratie=DECLARATIE
    )


BUILDERS = {
    "WMO305": _wmo305,
    "WMO307": _wmo307,
    "WMO315": _wmo315,
    "WMO317": _wmo317,
    "WMO323": _wmo323,
}


@pytest.mark.parametrize("message_type", PROVIDER_MESSAGES)
def test_a_hand_made_message_is_valid(message_type):
    xml = BUILDERS[message_type]()
    result = validate_message(xml, XSD_DIR, today=TODAY, strict=True)
    assert result.errors == []
    assert result.message_type == message_type
    h = result.bericht.header
    assert (h.afzender, h.ontvanger) == (AANBIEDER, GEMEENTE)
    assert h.xsd_versie.bericht == "1.0.0"
    # and it survives a second round
    assert parse_message(rebuild(result.bericht)) == result.bericht


def test_hand_made_messages_read_back_as_built():
    assert parse_message(_wmo323()).declaratie == DECLARATIE
    start = parse_message(_wmo305())
    assert start.client == CLIENT
    assert start.start_producten[1] == StartProduct(date(2025, 6, 3), "1")
    verzoek = parse_message(_wmo315())
    assert [p.raamcontract for p in verzoek.aangevraagde_producten] == [False, None]
    assert verzoek.client.commentaar == "Graag op korte termijn"


def test_files_follow_op192_utf8_without_bom_and_crlf():
    xml = _wmo305()
    assert xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\r\n')
    assert b"\n" not in xml.replace(b"\r\n", b"")


def test_the_builder_checks_no_rules():
    """Tests need rule-breaking messages: a wrong total is written as given (TR358)."""
    declaratie = replace(DECLARATIE, totaal_ingediend_bedrag=Bedrag(1))
    xml = build_wmo323(**_header("DC2025-0007", date(2025, 7, 5)), declaratie=declaratie)
    errors = validate_message(xml, XSD_DIR, today=TODAY).errors
    assert [(e.code, e.path) for e in errors] == [
        ("TR358", "/Bericht/Declaratie/TotaalIngediendBedrag/TotaalBedrag")
    ]


# --- 3. invalid values are refused ---------------------------------------------------------


@pytest.mark.parametrize("message_type", PROVIDER_MESSAGES)
def test_an_agb_code_of_five_digits_is_refused(message_type):
    with pytest.raises(IwmoBuildError) as raised:
        BUILDERS[message_type](afzender="12345")
    assert [e.path for e in raised.value.errors] == ["/Bericht/Header/Afzender"]
    assert "/Bericht/Header/Afzender" in str(raised.value)


@pytest.mark.parametrize("message_type", PROVIDER_MESSAGES)
def test_a_cbs_code_of_an_agb_code_is_refused(message_type):
    with pytest.raises(IwmoBuildError) as raised:
        BUILDERS[message_type](ontvanger=AANBIEDER)  # afzender and ontvanger swapped
    assert [e.path for e in raised.value.errors] == ["/Bericht/Header/Ontvanger"]


def test_a_commentaar_on_the_client_only_in_the_315():
    with pytest.raises(IwmoBuildError) as raised:
        build_wmo305(
            **_header("ST2025-0008", date(2025, 6, 3)),
            client=replace(CLIENT, commentaar="Niet in de 305"),
            start_producten=(StartProduct(date(2025, 6, 2), "1"),),
        )
    assert [e.path for e in raised.value.errors] == ["/Bericht/Client/Commentaar"]


def test_the_short_name_has_no_naamgebruik():
    naam = replace(CLIENT.naam, naamgebruik="1")
    with pytest.raises(IwmoBuildError) as raised:
        build_wmo307(
            **_header("SP2025-0004", date(2025, 7, 21)),
            client=replace(CLIENT, naam=naam),
            stop_producten=(StopProduct(date(2025, 6, 2), "19", date(2025, 7, 18), "1"),),
        )
    assert [e.path for e in raised.value.errors] == ["/Bericht/Client/Naam/NaamGebruik"]


def test_a_declaratienummer_with_a_dash_is_refused():
    declaratie = replace(DECLARATIE, declaratie_nummer="D2025-06")
    with pytest.raises(IwmoBuildError) as raised:
        build_wmo323(**_header("DC2025-0008", date(2025, 7, 5)), declaratie=declaratie)
    assert [e.path for e in raised.value.errors] == ["/Bericht/Declaratie/DeclaratieNummer"]


def test_a_bsn_in_a_declaration_is_checked_with_its_path():
    second = replace(DECLARATIE.clienten[1], bsn="99990004")  # eight digits
    declaratie = replace(DECLARATIE, clienten=(DECLARATIE.clienten[0], second))
    with pytest.raises(IwmoBuildError) as raised:
        build_wmo323(**_header("DC2025-0009", date(2025, 7, 5)), declaratie=declaratie)
    assert [e.path for e in raised.value.errors] == ["/Bericht/Declaratie/Clienten/Client[2]/Bsn"]


def test_a_request_without_products_is_refused():
    with pytest.raises(IwmoBuildError) as raised:
        build_wmo315(
            **_header("VT2025-0013", date(2025, 5, 20)), client=CLIENT, aangevraagde_producten=()
        )
    assert [e.path for e in raised.value.errors] == ["/Bericht/Client/AangevraagdeProducten"]
