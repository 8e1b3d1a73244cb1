"""Read iWmo 3.2 messages into the dataclasses of :mod:`bwmo.iwmo.model`.

Parsing assumes an XSD-valid message (see :func:`bwmo.iwmo.validate.validate_message`);
anything it cannot read raises :class:`IwmoParseError`.
"""

from __future__ import annotations

import builtins
import datetime
from collections.abc import Callable
from datetime import date, time
from typing import TypeVar

from lxml import etree

from bwmo.iwmo._xml import BASIS_NS, message_ns, message_type_of, parse_xml
from bwmo.iwmo.model import (
    AangevraagdProduct,
    Achternaam,
    Adres,
    Antwoord,
    Antwoordbericht,
    Bedrag,
    Bericht,
    Client,
    ClientBasis,
    Communicatie,
    Contact,
    Declaratie,
    Declaratiebericht,
    DeclaratieClient,
    Geboortedatum,
    GeslotenPeriode,
    Header,
    Huis,
    Naam,
    NieuwProduct,
    Omvang,
    Periode,
    Prestatie,
    Product,
    Relatie,
    Startbericht,
    StartProduct,
    Stopbericht,
    StopProduct,
    Telefoon,
    TeWijzigenProduct,
    ToegewezenProduct,
    Toewijzingbericht,
    Verwijzer,
    Verzoek,
    VerzoekOmToewijzingbericht,
    VerzoekOmWijzigingbericht,
    XsdVersie,
)

T = TypeVar("T")


class IwmoParseError(ValueError):
    """The message could not be read (not iWmo 3.2, or not XSD-valid)."""


class _Reader:
    """Child access by local name within one namespace (message or basisschema)."""

    def __init__(self, ns: str) -> None:
        self.ns = ns

    def el(self, parent: etree._Element, name: str) -> etree._Element | None:
        return parent.find(f"{{{self.ns}}}{name}")

    def req(self, parent: etree._Element, name: str) -> etree._Element:
        found = self.el(parent, name)
        if found is None:
            raise IwmoParseError(f"{name} ontbreekt onder {etree.QName(parent).localname}")
        return found

    def all(self, parent: etree._Element, container: str, name: str) -> list[etree._Element]:
        box = self.el(parent, container)
        return [] if box is None else box.findall(f"{{{self.ns}}}{name}")

    def text(self, parent: etree._Element, name: str) -> str | None:
        found = self.el(parent, name)
        return None if found is None else (found.text or "")

    def str(self, parent: etree._Element, name: str) -> str:
        return self.req(parent, name).text or ""

    # The readers below are named after the types they return, so from here on the class body
    # names the builtins by their module.
    def int(self, parent: etree._Element, name: builtins.str) -> builtins.int | None:
        value = self.text(parent, name)
        return None if value is None else int(value.strip())

    def date(self, parent: etree._Element, name: builtins.str) -> datetime.date | None:
        value = self.text(parent, name)
        return None if value is None else date.fromisoformat(value.strip())

    def rdate(self, parent: etree._Element, name: builtins.str) -> datetime.date:
        return date.fromisoformat(self.str(parent, name).strip())


_B = _Reader(BASIS_NS)


def _opt(el: etree._Element | None, read: Callable[[etree._Element], T]) -> T | None:
    return None if el is None else read(el)


def _header(m: _Reader, root: etree._Element) -> Header:
    h = m.req(root, "Header")
    ident = m.req(h, "BerichtIdentificatie")
    xsd = m.req(h, "XsdVersie")
    return Header(
        berichtcode=m.str(h, "BerichtCode"),
        berichtversie=int(m.str(h, "BerichtVersie")),
        berichtsubversie=int(m.str(h, "BerichtSubversie")),
        afzender=m.str(h, "Afzender"),
        ontvanger=m.str(h, "Ontvanger"),
        identificatie=_B.str(ident, "Identificatie"),
        dagtekening=_B.rdate(ident, "Dagtekening"),
        xsd_versie=XsdVersie(
            basisschema=_B.str(xsd, "BasisschemaXsdVersie"),
            bericht=_B.str(xsd, "BerichtXsdVersie"),
        ),
    )


def _geboortedatum(el: etree._Element) -> Geboortedatum:
    return Geboortedatum(datum=_B.rdate(el, "Datum"), datum_gebruik=_B.text(el, "DatumGebruik"))


def _achternaam(el: etree._Element) -> Achternaam:
    return Achternaam(naam=_B.str(el, "Achternaam"), voorvoegsel=_B.text(el, "Voorvoegsel"))


def _naam(el: etree._Element) -> Naam:
    return Naam(
        geslachtsnaam=_achternaam(_B.req(el, "Geslachtsnaam")),
        partnernaam=_opt(_B.el(el, "Partnernaam"), _achternaam),
        voornamen=_B.text(el, "Voornamen"),
        voorletters=_B.text(el, "Voorletters"),
        naamgebruik=_B.text(el, "NaamGebruik"),
    )


def _product(el: etree._Element) -> Product:
    return Product(categorie=_B.str(el, "Categorie"), code=_B.text(el, "Code"))


def _omvang(el: etree._Element) -> Omvang:
    return Omvang(
        volume=int(_B.str(el, "Volume").strip()),
        eenheid=_B.str(el, "Eenheid"),
        frequentie=_B.str(el, "Frequentie"),
    )


def _gesloten(el: etree._Element) -> GeslotenPeriode:
    return GeslotenPeriode(_B.rdate(el, "Begindatum"), _B.rdate(el, "Einddatum"))


def _bedrag(el: etree._Element, amount: str = "Bedrag") -> Bedrag:
    return Bedrag(int(_B.str(el, amount).strip()), _B.str(el, "DebetCredit"))


def _adres(el: etree._Element) -> Adres:
    huis = _B.el(el, "Huis")
    return Adres(
        huis=None
        if huis is None
        else Huis(
            huisnummer=int(_B.str(huis, "Huisnummer").strip()),
            huisletter=_B.text(huis, "Huisletter"),
            huisnummer_toevoeging=_B.text(huis, "HuisnummerToevoeging"),
            aanduiding_woonadres=_B.text(huis, "AanduidingWoonadres"),
        ),
        postcode=_B.text(el, "Postcode"),
        straatnaam=_B.text(el, "Straatnaam"),
        plaatsnaam=_B.text(el, "Plaatsnaam"),
        landcode=_B.text(el, "LandCode"),
    )


def _contact(m: _Reader, el: etree._Element) -> Contact:
    telefoon = m.el(el, "Telefoon")
    phones: tuple[Telefoon, ...] = ()
    if telefoon is not None:
        phones = tuple(
            Telefoon(_B.str(t, "Telefoonnummer"), _B.str(t, "Landnummer"))
            for name in ("Telefoon01", "Telefoon02")
            if (t := _B.el(telefoon, name)) is not None
        )
    periode = m.el(el, "Periode")
    return Contact(
        soort=m.str(el, "Soort"),
        adres=_opt(m.el(el, "Adres"), _adres),
        organisatie=m.text(el, "Organisatie"),
        telefoon=phones,
        emailadres=m.text(el, "Emailadres"),
        periode=None
        if periode is None
        else Periode(_B.date(periode, "Begindatum"), _B.date(periode, "Einddatum")),
    )


def _client_basis(m: _Reader, el: etree._Element) -> ClientBasis:
    return ClientBasis(
        bsn=m.str(el, "Bsn"),
        geboortedatum=_geboortedatum(m.req(el, "Geboortedatum")),
        geslacht=m.str(el, "Geslacht"),
        naam=_naam(m.req(el, "Naam")),
        commentaar=m.text(el, "Commentaar"),
    )


def parse_wmo301(root: etree._Element) -> Toewijzingbericht:
    m = _Reader(message_ns("WMO301"))
    c = m.req(root, "Client")
    communicatie = m.el(c, "Communicatie")
    client = Client(
        bsn=m.str(c, "Bsn"),
        geboortedatum=_geboortedatum(m.req(c, "Geboortedatum")),
        geslacht=m.str(c, "Geslacht"),
        naam=_naam(m.req(c, "Naam")),
        communicatie=None
        if communicatie is None
        else Communicatie(_B.str(communicatie, "Vorm"), _B.text(communicatie, "Taal")),
        juridische_status=m.text(c, "JuridischeStatus"),
        wettelijke_vertegenwoordiging=m.text(c, "WettelijkeVertegenwoordiging"),
        commentaar=m.text(c, "Commentaar"),
        relaties=tuple(
            Relatie(
                nummer=m.str(r, "Nummer"),
                volgorde=m.int(r, "Volgorde"),
                soort=m.str(r, "Soort"),
                geboortedatum=_opt(m.el(r, "Geboortedatum"), _geboortedatum),
                geslacht=m.text(r, "Geslacht"),
                naam=_naam(m.req(r, "Naam")),
                contact=_contact(m, m.req(r, "Contact")),
            )
            for r in m.all(c, "Relaties", "Relatie")
        ),
        contactgegevens=tuple(_contact(m, e) for e in m.all(c, "Contactgegevens", "Contact")),
    )
    producten = tuple(
        ToegewezenProduct(
            toewijzing_nummer=int(m.str(p, "ToewijzingNummer").strip()),
            referentie_aanbieder=m.text(p, "ReferentieAanbieder"),
            product=_opt(m.el(p, "Product"), _product),
            toewijzingsdatum=m.rdate(p, "Toewijzingsdatum"),
            toewijzingstijd=time.fromisoformat(m.str(p, "Toewijzingstijd").strip()),
            ingangsdatum=m.rdate(p, "Ingangsdatum"),
            einddatum=m.date(p, "Einddatum"),
            reden_wijziging=m.text(p, "RedenWijziging"),
            omvang=_opt(m.el(p, "Omvang"), _omvang),
            budget=m.int(p, "Budget"),
            commentaar=m.text(p, "Commentaar"),
        )
        for p in m.all(c, "ToegewezenProducten", "ToegewezenProduct")
    )
    return Toewijzingbericht(_header(m, root), client, producten)


def parse_wmo305(root: etree._Element) -> Startbericht:
    m = _Reader(message_ns("WMO305"))
    c = m.req(root, "Client")
    producten = tuple(
        StartProduct(
            toewijzing_nummer=m.int(p, "ToewijzingNummer"),
            product=_opt(m.el(p, "Product"), _product),
            toewijzing_ingangsdatum=m.date(p, "ToewijzingIngangsdatum"),
            begindatum=m.rdate(p, "Begindatum"),
            status_aanlevering=m.str(p, "StatusAanlevering"),
        )
        for p in m.all(c, "StartProducten", "StartProduct")
    )
    return Startbericht(_header(m, root), _client_basis(m, c), producten)


def parse_wmo307(root: etree._Element) -> Stopbericht:
    m = _Reader(message_ns("WMO307"))
    c = m.req(root, "Client")
    producten = tuple(
        StopProduct(
            toewijzing_nummer=m.int(p, "ToewijzingNummer"),
            product=_opt(m.el(p, "Product"), _product),
            toewijzing_ingangsdatum=m.date(p, "ToewijzingIngangsdatum"),
            begindatum=m.rdate(p, "Begindatum"),
            reden_beeindiging=m.str(p, "RedenBeeindiging"),
            einddatum=m.rdate(p, "Einddatum"),
            status_aanlevering=m.str(p, "StatusAanlevering"),
        )
        for p in m.all(c, "StopProducten", "StopProduct")
    )
    return Stopbericht(_header(m, root), _client_basis(m, c), producten)


def parse_wmo315(root: etree._Element) -> VerzoekOmToewijzingbericht:
    m = _Reader(message_ns("WMO315"))
    c = m.req(root, "Client")
    producten = []
    for p in m.all(c, "AangevraagdeProducten", "AangevraagdProduct"):
        verwijzer = m.req(p, "Verwijzer")
        raamcontract = m.text(p, "Raamcontract")
        producten.append(
            AangevraagdProduct(
                referentie_aanbieder=m.str(p, "ReferentieAanbieder"),
                beschikking_nummer=m.int(p, "BeschikkingNummer"),
                product=_opt(m.el(p, "Product"), _product),
                beschikking_ingangsdatum=m.date(p, "BeschikkingIngangsdatum"),
                toewijzing_ingangsdatum=m.rdate(p, "ToewijzingIngangsdatum"),
                toewijzing_einddatum=m.date(p, "ToewijzingEinddatum"),
                omvang=_opt(m.el(p, "Omvang"), _omvang),
                budget=m.int(p, "Budget"),
                verwijzer=Verwijzer(
                    type=_B.str(verwijzer, "Type"),
                    naam=_B.text(verwijzer, "Naam"),
                    zorgverlener_code=_B.text(verwijzer, "ZorgverlenerCode"),
                ),
                raamcontract=None if raamcontract is None else raamcontract == "1",
                commentaar=m.text(p, "Commentaar"),
            )
        )
    return VerzoekOmToewijzingbericht(_header(m, root), _client_basis(m, c), tuple(producten))


def parse_wmo317(root: etree._Element) -> VerzoekOmWijzigingbericht:
    m = _Reader(message_ns("WMO317"))
    c = m.req(root, "Client")
    v = m.req(c, "Verzoek")
    verzoek = Verzoek(
        referentie_aanbieder=m.str(v, "ReferentieAanbieder"),
        reden_verzoek=m.str(v, "RedenVerzoek"),
        ongewijzigde_producten=tuple(
            int(m.str(p, "ToewijzingNummer").strip())
            for p in m.all(v, "OngewijzigdeProducten", "OngewijzigdProduct")
        ),
        te_wijzigen_producten=tuple(
            TeWijzigenProduct(
                toewijzing_nummer=int(m.str(p, "ToewijzingNummer").strip()),
                gewenste_ingangsdatum=m.rdate(p, "GewensteIngangsdatum"),
                einddatum=m.date(p, "Einddatum"),
                omvang=_opt(m.el(p, "Omvang"), _omvang),
                budget=m.int(p, "Budget"),
            )
            for p in m.all(v, "TeWijzigenProducten", "TeWijzigenProduct")
        ),
        nieuwe_producten=tuple(
            NieuwProduct(
                product=_opt(m.el(p, "Product"), _product),
                gewenste_ingangsdatum=m.rdate(p, "GewensteIngangsdatum"),
                einddatum=m.date(p, "Einddatum"),
                omvang=_opt(m.el(p, "Omvang"), _omvang),
                budget=m.int(p, "Budget"),
            )
            for p in m.all(v, "NieuweProducten", "NieuwProduct")
        ),
    )
    return VerzoekOmWijzigingbericht(_header(m, root), m.str(c, "Bsn"), verzoek)


def parse_wmo319(root: etree._Element) -> Antwoordbericht:
    m = _Reader(message_ns("WMO319"))
    a = m.req(root, "Antwoord")
    antwoord = Antwoord(
        referentie_aanbieder=m.str(a, "ReferentieAanbieder"),
        verzoek_antwoord=m.str(a, "VerzoekAntwoord"),
        reden_afwijzing_verzoek=m.text(a, "RedenAfwijzingVerzoek"),
    )
    return Antwoordbericht(_header(m, root), antwoord)


def parse_wmo323(root: etree._Element) -> Declaratiebericht:
    m = _Reader(message_ns("WMO323"))
    d = m.req(root, "Declaratie")
    clienten = []
    for c in m.all(d, "Clienten", "Client"):
        prestaties = []
        for p in m.all(c, "Prestaties", "Prestatie"):
            ref = m.req(p, "ProductReferentie")
            prestaties.append(
                Prestatie(
                    referentie_nummer=_B.str(ref, "ReferentieNummer"),
                    vorig_referentie_nummer=_B.text(ref, "VorigReferentieNummer"),
                    toewijzing_nummer=int(m.str(p, "ToewijzingNummer").strip()),
                    product_categorie=m.str(p, "ProductCategorie"),
                    product_code=m.str(p, "ProductCode"),
                    product_periode=_gesloten(m.req(p, "ProductPeriode")),
                    geleverd_volume=int(m.str(p, "GeleverdVolume").strip()),
                    eenheid=m.str(p, "Eenheid"),
                    product_tarief=m.int(p, "ProductTarief"),
                    ingediend_bedrag=_bedrag(m.req(p, "IngediendBedrag")),
                )
            )
        clienten.append(DeclaratieClient(bsn=m.str(c, "Bsn"), prestaties=tuple(prestaties)))
    declaratie = Declaratie(
        declaratie_nummer=m.str(d, "DeclaratieNummer"),
        declaratie_periode=_gesloten(m.req(d, "DeclaratiePeriode")),
        declaratie_dagtekening=m.rdate(d, "DeclaratieDagtekening"),
        totaal_ingediend_bedrag=_bedrag(m.req(d, "TotaalIngediendBedrag"), "TotaalBedrag"),
        clienten=tuple(clienten),
    )
    return Declaratiebericht(_header(m, root), declaratie)


PARSERS: dict[str, Callable[[etree._Element], Bericht]] = {
    "WMO301": parse_wmo301,
    "WMO305": parse_wmo305,
    "WMO307": parse_wmo307,
    "WMO315": parse_wmo315,
    "WMO317": parse_wmo317,
    "WMO319": parse_wmo319,
    "WMO323": parse_wmo323,
}


def parse_element(root: etree._Element) -> Bericht:
    message_type = message_type_of(root)
    reader = PARSERS.get(message_type or "")
    if reader is None:
        raise IwmoParseError(f"kan berichttype {message_type or 'onbekend'} niet lezen")
    try:
        return reader(root)
    except (ValueError, TypeError, AttributeError) as exc:
        if isinstance(exc, IwmoParseError):
            raise
        raise IwmoParseError(f"{message_type} is niet te lezen: {exc}") from exc


def parse_message(xml: bytes) -> Bericht:
    """Read a WMO301, 305, 307, 315, 317, 319 or 323 message into its dataclass."""
    try:
        root = parse_xml(xml)
    except ValueError as exc:
        raise IwmoParseError(str(exc)) from exc
    return parse_element(root)
