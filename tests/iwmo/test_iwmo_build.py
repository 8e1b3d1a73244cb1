"""WMO301 and WMO319 built from dataclasses: XSD-valid, rule-valid, and read back unchanged."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bwmo.iwmo import IwmoBuildError, build_wmo301, build_wmo319, parse_message, validate_message
from bwmo.iwmo.model import (
    Achternaam,
    Adres,
    Antwoord,
    Client,
    Communicatie,
    Contact,
    Geboortedatum,
    Huis,
    Naam,
    Omvang,
    Periode,
    Product,
    Relatie,
    Telefoon,
    ToegewezenProduct,
)

from .conftest import TODAY, XSD_DIR, example

GEMEENTE, AANBIEDER = "0106", "87654321"  # Assen; an invented provider

CLIENT = Client(
    bsn="999900031",
    geboortedatum=Geboortedatum(date(1988, 3, 14)),
    geslacht="2",
    naam=Naam(Achternaam("Hoekstra"), voornamen="Anne Marije", voorletters="AM", naamgebruik="1"),
    contactgegevens=(
        Contact(
            soort="01",
            adres=Adres(Huis(12, huisletter="b"), "9401AB", "Brink", "Assen", "NL"),
            telefoon=(Telefoon("0592123456"),),
        ),
        Contact(
            soort="04",
            adres=Adres(Huis(3), "9402CD", "Kloosterstraat", "Assen", "NL"),
            organisatie="Het Anker",
            periode=Periode(date(2025, 5, 1), date(2025, 12, 31)),
        ),
    ),
    communicatie=Communicatie("1", "Fries"),
    relaties=(
        Relatie(
            nummer="R1",
            soort="03",
            naam=Naam(Achternaam("Hoekstra"), voorletters="J", naamgebruik="1"),
            contact=Contact(soort="02", telefoon=(Telefoon("0612345678"), Telefoon("0592654321"))),
            volgorde=1,
        ),
    ),
)

BW = ToegewezenProduct(
    toewijzing_nummer=2025001,
    toewijzingsdatum=date(2025, 6, 2),
    toewijzingstijd=time(10, 15),
    ingangsdatum=date(2025, 6, 1),
    einddatum=date(2026, 5, 31),
    product=Product("15", "BW24"),  # Beschermd wonen, 24-uurs
    omvang=Omvang(7, "14", "2"),  # 7 etmaal per week
    referentie_aanbieder="VOT-2025-17",
)
GEEINDIGD = ToegewezenProduct(
    toewijzing_nummer=2024113,
    toewijzingsdatum=date(2025, 6, 2),
    toewijzingstijd=time(10, 15),
    ingangsdatum=date(2024, 9, 1),
    einddatum=date(2025, 5, 31),
    product=Product("18", "BWAMB"),
    omvang=Omvang(6, "04", "2"),
    reden_wijziging="05",
)


def _build_301(client=CLIENT, producten=(BW, GEEINDIGD), dagtekening=date(2025, 6, 2)) -> bytes:
    return build_wmo301(
        afzender=GEMEENTE,
        ontvanger=AANBIEDER,
        identificatie="TW2025-0042",
        dagtekening=dagtekening,
        client=client,
        toegewezen_producten=producten,
        xsd_dir=XSD_DIR,
    )


def test_a_built_301_is_valid_against_xsd_and_rules():
    result = validate_message(_build_301(), XSD_DIR, today=TODAY)
    assert result.errors == []
    assert result.message_type == "WMO301"


def test_a_built_301_reads_back_as_built():
    bericht = parse_message(_build_301())
    assert bericht.client == CLIENT
    assert bericht.toegewezen_producten == (BW, GEEINDIGD)
    h = bericht.header
    assert (h.berichtcode, h.berichtversie, h.berichtsubversie) == ("414", 3, 2)
    assert (h.afzender, h.ontvanger, h.identificatie) == (GEMEENTE, AANBIEDER, "TW2025-0042")
    assert h.xsd_versie.bericht == "1.0.0"


def test_the_standards_301_example_survives_parse_and_build():
    original = parse_message(example("WMO301"))
    rebuilt = parse_message(
        build_wmo301(
            afzender=original.header.afzender,
            ontvanger=original.header.ontvanger,
            identificatie=original.header.identificatie,
            dagtekening=original.header.dagtekening,
            client=original.client,
            toegewezen_producten=original.toegewezen_producten,
            xsd_dir=XSD_DIR,
        )
    )
    assert rebuilt == original


def test_files_follow_op192_utf8_without_bom_and_crlf():
    xml = _build_301()
    assert xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\r\n')
    assert b"\n" not in xml.replace(b"\r\n", b"")
    client = replace(CLIENT, commentaar="Zorgt voor\nhaar kat")
    assert parse_message(_build_301(client=client)).client.commentaar == "Zorgt voor\nhaar kat"


def test_an_invalid_301_is_never_returned():
    with pytest.raises(IwmoBuildError) as raised:
        _build_301(client=replace(CLIENT, bsn="12345"))
    assert [e.path for e in raised.value.errors] == ["/Bericht/Client/Bsn"]


def test_the_301_needs_a_naamgebruik():
    naam = Naam(Achternaam("Hoekstra"), voorletters="A")
    with pytest.raises(IwmoBuildError) as raised:
        _build_301(client=replace(CLIENT, naam=naam))
    assert raised.value.errors[0].path == "/Bericht/Client/Naam"


@pytest.mark.parametrize(
    "antwoord",
    [Antwoord("VOT-2025-17", "1", "3"), Antwoord("VOW-2025-02", "2")],
    ids=["afgewezen", "in-onderzoek"],
)
def test_a_built_319_is_valid_and_reads_back(antwoord):
    xml = build_wmo319(
        afzender=GEMEENTE,
        ontvanger=AANBIEDER,
        identificatie="AW2025-7",
        dagtekening=date(2025, 6, 3),
        antwoord=antwoord,
        xsd_dir=XSD_DIR,
    )
    result = validate_message(xml, XSD_DIR, today=TODAY)
    assert result.errors == []
    assert result.bericht.antwoord == antwoord
    assert result.bericht.header.berichtcode == "482"


def test_a_319_with_an_unknown_reason_is_refused():
    with pytest.raises(IwmoBuildError):
        build_wmo319(
            afzender=GEMEENTE,
            ontvanger=AANBIEDER,
            identificatie="AW2025-8",
            dagtekening=date(2025, 6, 3),
            antwoord=Antwoord("VOT-1", "1", "12"),
            xsd_dir=XSD_DIR,
        )


# --- any allocation the dataclasses allow, within the XSD's types -----------------------------

_codes = st.sampled_from
_tekst = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyz ABCDEFGHIJ0123456789-", min_size=1, max_size=40
)
_dagen = st.dates(min_value=date(2021, 1, 1), max_value=date(2030, 12, 31))


@st.composite
def toegewezen_producten(draw: st.DrawFn) -> ToegewezenProduct:
    ingang = draw(_dagen)
    return ToegewezenProduct(
        toewijzing_nummer=draw(st.integers(0, 999_999_999)),
        toewijzingsdatum=draw(_dagen),
        toewijzingstijd=draw(st.times()).replace(microsecond=0),
        ingangsdatum=ingang,
        einddatum=draw(st.none() | st.dates(min_value=ingang, max_value=date(2031, 12, 31))),
        product=draw(
            st.none()
            | st.builds(
                Product,
                _codes([f"{n:02d}" for n in range(1, 19)]),
                st.none() | st.text("ABCDEFGHJK0123456789", min_size=1, max_size=5),
            )
        ),
        reden_wijziging=draw(st.none() | _codes(["02", "05", "09", "12", "14"])),
        omvang=draw(
            st.none()
            | st.builds(
                Omvang,
                st.integers(0, 99_999_999),
                _codes(["01", "04", "14", "16", "82", "83", "84"]),
                _codes(["1", "2", "4", "6"]),
            )
        ),
        budget=draw(st.none() | st.integers(0, 99_999_999)),
        referentie_aanbieder=draw(st.none() | _tekst.map(lambda t: t[:36]).filter(str.strip)),
        commentaar=draw(st.none() | _tekst.filter(str.strip)),
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(toegewezen_producten(), min_size=1, max_size=4))
def test_any_allocation_builds_to_a_valid_301_and_reads_back(producten):
    xml = _build_301(producten=producten)  # raises IwmoBuildError if the XSD rejects it
    assert parse_message(xml).toegewezen_producten == tuple(producten)
