"""The standard's example messages read into dataclasses."""

from __future__ import annotations

from datetime import date, time

import pytest

from bwmo.iwmo import IwmoParseError, parse_message
from bwmo.iwmo.model import (
    AangevraagdProduct,
    Achternaam,
    Antwoordbericht,
    Bedrag,
    Declaratiebericht,
    GeslotenPeriode,
    Omvang,
    Product,
    Startbericht,
    Stopbericht,
    TeWijzigenProduct,
    Toewijzingbericht,
    Verwijzer,
    VerzoekOmToewijzingbericht,
    VerzoekOmWijzigingbericht,
    XsdVersie,
)

from .conftest import example, mutate


def test_wmo305_start():
    b = parse_message(example("WMO305"))
    assert isinstance(b, Startbericht)
    assert b.header.message_type == "WMO305"
    assert (b.header.afzender, b.header.ontvanger) == ("65656055", "0363")
    assert b.header.dagtekening == date(2025, 4, 5)
    assert b.header.xsd_versie == XsdVersie("1.0.0", "1.0.0")
    assert b.client.bsn == "999900006"
    assert b.client.naam.geslachtsnaam == Achternaam("Wit", "de")
    first, second = b.start_producten
    assert first.toewijzing_nummer == 300201
    assert first.product == Product("01", "01A11")
    assert first.toewijzing_ingangsdatum == date(2025, 4, 1)
    assert first.begindatum == date(2025, 4, 3)
    assert first.status_aanlevering == "1"
    assert second.begindatum == date(2025, 4, 4)


def test_wmo307_stop():
    b = parse_message(example("WMO307"))
    assert isinstance(b, Stopbericht)
    assert b.header.berichtcode == "420"
    assert [p.toewijzing_nummer for p in b.stop_producten] == [300201, 300202]
    stop = b.stop_producten[1]
    assert stop.begindatum == date(2025, 4, 15)
    assert stop.einddatum == date(2025, 7, 18)
    assert stop.reden_beeindiging == "31"


def test_wmo315_verzoek_om_toewijzing():
    b = parse_message(example("WMO315"))
    assert isinstance(b, VerzoekOmToewijzingbericht)
    assert b.client.commentaar == "Commentaar client"
    assert b.client.geboortedatum.datum == date(1972, 7, 16)
    assert b.aangevraagde_producten[0] == AangevraagdProduct(
        referentie_aanbieder="42420001",
        beschikking_nummer=1234,
        product=Product("01", "ABCDE"),
        beschikking_ingangsdatum=date(2023, 6, 1),
        toewijzing_ingangsdatum=date(2023, 6, 1),
        toewijzing_einddatum=date(2023, 6, 30),
        omvang=Omvang(4, "14", "4"),
        verwijzer=Verwijzer(type="04", naam="Verwijzer Naam"),
        raamcontract=True,
        commentaar="Commentaar Aangevraagd Product",
    )
    assert b.aangevraagde_producten[1].referentie_aanbieder == "42420002"


def test_wmo317_verzoek_om_wijziging():
    b = parse_message(example("WMO317"))
    assert isinstance(b, VerzoekOmWijzigingbericht)
    assert b.bsn == "999900006"
    v = b.verzoek
    assert (v.referentie_aanbieder, v.reden_verzoek) == ("9003", "1")
    assert v.ongewijzigde_producten == (10071,)
    assert v.te_wijzigen_producten == (
        TeWijzigenProduct(10072, date(2023, 4, 2), einddatum=date(2023, 12, 31)),
    )
    [nieuw] = v.nieuwe_producten
    assert nieuw.product == Product("01", "01A12")
    assert nieuw.omvang == Omvang(20, "14", "4")


def test_wmo323_declaratie():
    b = parse_message(example("WMO323"))
    assert isinstance(b, Declaratiebericht)
    d = b.declaratie
    assert d.declaratie_nummer == "DN001"
    assert d.declaratie_periode == GeslotenPeriode(date(2023, 4, 1), date(2023, 4, 30))
    assert d.totaal_ingediend_bedrag == Bedrag(58000, "D")
    assert [c.bsn for c in d.clienten] == ["999900006", "999900018"]
    prestatie = d.clienten[0].prestaties[1]
    assert prestatie.referentie_nummer == "RN002"
    assert prestatie.toewijzing_nummer == 200730
    assert (prestatie.product_categorie, prestatie.product_code) == ("01", "01A04")
    assert (prestatie.geleverd_volume, prestatie.eenheid) == (16, "04")
    assert prestatie.product_tarief == 1500
    assert prestatie.ingediend_bedrag.waarde == 24000
    assert sum(p.ingediend_bedrag.waarde for c in d.clienten for p in c.prestaties) == 58000


def test_wmo301_toewijzing():
    b = parse_message(example("WMO301"))
    assert isinstance(b, Toewijzingbericht)
    c = b.client
    assert c.naam.partnernaam == Achternaam("Jansen", "van")
    assert c.naam.naamgebruik == "4"
    assert [r.nummer for r in c.relaties] == ["1", "2"]
    assert c.relaties[0].contact.telefoon[1].telefoonnummer == "0201234567"
    assert c.contactgegevens[0].adres.huis.huisnummer == 100
    [tp] = b.toegewezen_producten
    assert tp.toewijzing_nummer == 101
    assert tp.toewijzingstijd == time(12, 34, 56)
    assert (tp.ingangsdatum, tp.einddatum) == (date(2023, 1, 1), date(2023, 12, 31))
    assert tp.omvang == Omvang(10, "01", "1")


def test_wmo319_antwoord():
    b = parse_message(example("WMO319"))
    assert isinstance(b, Antwoordbericht)
    assert b.antwoord.verzoek_antwoord == "1"
    assert b.antwoord.reden_afwijzing_verzoek == "7"


def test_credit_and_vorig_referentie_nummer():
    xml = mutate(
        "WMO323",
        (
            "<iwmo:ReferentieNummer>RN001</iwmo:ReferentieNummer>",
            "<iwmo:ReferentieNummer>RN009</iwmo:ReferentieNummer>"
            "<iwmo:VorigReferentieNummer>RN000</iwmo:VorigReferentieNummer>",
        ),
        (
            "<iwmo:DebetCredit>D</iwmo:DebetCredit>\n\t\t\t\t\t\t</wmo323:IngediendBedrag>",
            "<iwmo:DebetCredit>C</iwmo:DebetCredit></wmo323:IngediendBedrag>",
        ),
    )
    p = parse_message(xml).declaratie.clienten[0].prestaties[0]
    assert p.vorig_referentie_nummer == "RN000"
    assert p.is_credit
    assert p.ingediend_bedrag.waarde == -5000


@pytest.mark.parametrize(
    "xml",
    [
        b"not xml",
        b"<Bericht/>",
        b'<x:Bericht xmlns:x="http://www.istandaarden.nl/iwmo/3_2/wmo306/schema"/>',
        b'<x:Bericht xmlns:x="http://www.istandaarden.nl/iwmo/3_2/wmo305/schema"/>',
    ],
)
def test_unreadable_messages_raise_a_parse_error(xml):
    with pytest.raises(IwmoParseError):
        parse_message(xml)
