"""Write the messages a municipality sends: WMO301, WMO319, the retour messages and WMO325.

WMO301 and WMO319 are validated against their XSD before they are returned; a builder never
hands out a message its own schema rejects (:class:`IwmoBuildError`).

The retour messages (WMO306/308/316/318) and the declaratie-antwoord (WMO325) have no XSD
in the standard's directory. They are built to the structure the standard describes:

* a retour message is the heenbericht, unchanged, in the retour namespace with its own
  BerichtCode; the Header gains IdentificatieRetour, DagtekeningRetour, XsltVersie
  (optional), XsdVersieRetour and RetourCodes, and every berichtklasse of a returned client
  ends with RetourCodes (IV028, OP065);
* a WMO325 carries the Header with DeclaratieIdentificatie and XsdVersieDeclaratie, and a
  DeclaratieAntwoord with only the rejected Prestaties (IV087, TR342).

What the available XSDs can check, is checked: the copied content is the XSD-valid
heenbericht, and every value bwmo adds is validated against the basisschema type it is
declared with (LDT_RetourCode, LDT_IdentificatieBericht, LDT_Versie …).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, time
from pathlib import Path

from lxml import etree

from bwmo.iwmo import schema
from bwmo.iwmo._xml import (
    BASIS_NS,
    DECLARATIE,
    HEADER,
    declaratie_client_path,
    element_path,
    local,
    message_ns,
    message_type_of,
    parse_xml,
    prestatie_path,
)
from bwmo.iwmo.model import (
    BERICHTCODES,
    BERICHTSUBVERSIE,
    BERICHTVERSIE,
    RETOUR_VOOR,
    RETOURCODE_GOED,
    RETOURCODE_NIET_BEOORDEELD,
    RETOURCODE_TECHNISCH,
    RETOURCODE_VOLLEDIG_TOEGEWEZEN,
    Achternaam,
    Adres,
    Antwoord,
    Bedrag,
    Client,
    Contact,
    Declaratiebericht,
    Geboortedatum,
    IwmoError,
    Naam,
    Omvang,
    Prestatie,
    Product,
    ToegewezenProduct,
    XsdVersie,
)


class IwmoBuildError(ValueError):
    """The message would not be valid; ``errors`` says where and why."""

    def __init__(self, errors: Sequence[IwmoError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(f"{e.path}: {e.message}" for e in self.errors))


Value = str | int | date | time


def _text(value: Value) -> str:
    if isinstance(value, time):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class _Writer:
    """Element creation in one namespace, skipping optional values that are ``None``."""

    def __init__(self, ns: str) -> None:
        self.ns = ns

    def el(self, parent: etree._Element, name: str, value: Value | None = None) -> etree._Element:
        child = etree.SubElement(parent, f"{{{self.ns}}}{name}")
        if value is not None:
            child.text = _text(value)
        return child

    def opt(self, parent: etree._Element, name: str, value: Value | None) -> None:
        if value is not None:
            self.el(parent, name, value)


_B = _Writer(BASIS_NS)


def _root(message_type: str) -> tuple[etree._Element, _Writer]:
    ns = message_ns(message_type)
    root = etree.Element(f"{{{ns}}}Bericht", nsmap={"iwmo": BASIS_NS, message_type.lower(): ns})
    return root, _Writer(ns)


def _xsd_versie(w: _Writer, parent: etree._Element, name: str, versie: XsdVersie) -> None:
    el = w.el(parent, name)
    _B.el(el, "BasisschemaXsdVersie", versie.basisschema)
    _B.el(el, "BerichtXsdVersie", versie.bericht)


def _identificatie(w: _Writer, parent: etree._Element, name: str, ident: str, dag: date) -> None:
    el = w.el(parent, name)
    _B.el(el, "Identificatie", ident)
    _B.el(el, "Dagtekening", dag)


def _header(
    w: _Writer,
    root: etree._Element,
    message_type: str,
    *,
    afzender: str,
    ontvanger: str,
    identificatie: str,
    dagtekening: date,
    xsd_versie: XsdVersie,
) -> etree._Element:
    h = w.el(root, "Header")
    w.el(h, "BerichtCode", BERICHTCODES[message_type])
    w.el(h, "BerichtVersie", BERICHTVERSIE)
    w.el(h, "BerichtSubversie", BERICHTSUBVERSIE)
    w.el(h, "Afzender", afzender)
    w.el(h, "Ontvanger", ontvanger)
    _identificatie(w, h, "BerichtIdentificatie", identificatie, dagtekening)
    _xsd_versie(w, h, "XsdVersie", xsd_versie)
    return h


def _bericht(
    message_type: str,
    *,
    afzender: str,
    ontvanger: str,
    identificatie: str,
    dagtekening: date,
    xsd_dir: str | Path,
) -> tuple[etree._Element, _Writer]:
    """Root and Header of a message; XsdVersie from the message's XSD (IV034)."""
    root, w = _root(message_type)
    _header(
        w,
        root,
        message_type,
        afzender=afzender,
        ontvanger=ontvanger,
        identificatie=identificatie,
        dagtekening=dagtekening,
        xsd_versie=schema.xsd_versie(xsd_dir, message_type),
    )
    return root, w


def _serialise(root: etree._Element) -> bytes:
    # OP192: UTF-8 without BOM, CR/LF line ends. Parsers read CR/LF back as LF, so this
    # never changes a value.
    body = etree.tostring(root, encoding="UTF-8", pretty_print=True)
    xml = b'<?xml version="1.0" encoding="UTF-8"?>\n' + body
    return xml.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _checked(root: etree._Element, message_type: str, xsd_dir: str | Path) -> bytes:
    xml = _serialise(root)
    errors = schema.validate_xsd(parse_xml(xml), xsd_dir, message_type)
    if errors:
        raise IwmoBuildError(errors)
    return xml


# --- WMO301 ------------------------------------------------------------------------------


def _geboortedatum(w: _Writer, parent: etree._Element, g: Geboortedatum) -> None:
    el = w.el(parent, "Geboortedatum")
    _B.el(el, "Datum", g.datum)
    _B.opt(el, "DatumGebruik", g.datum_gebruik)


def _achternaam(parent: etree._Element, name: str, a: Achternaam) -> None:
    el = _B.el(parent, name)
    _B.el(el, "Achternaam", a.naam)
    _B.opt(el, "Voorvoegsel", a.voorvoegsel)


def _naam(w: _Writer, parent: etree._Element, naam: Naam) -> None:
    el = w.el(parent, "Naam")
    _achternaam(el, "Geslachtsnaam", naam.geslachtsnaam)
    if naam.partnernaam is not None:
        _achternaam(el, "Partnernaam", naam.partnernaam)
    _B.opt(el, "Voornamen", naam.voornamen)
    _B.opt(el, "Voorletters", naam.voorletters)
    _B.opt(el, "NaamGebruik", naam.naamgebruik)


def _adres(w: _Writer, parent: etree._Element, adres: Adres) -> None:
    el = w.el(parent, "Adres")
    if adres.huis is not None:
        huis = _B.el(el, "Huis")
        _B.el(huis, "Huisnummer", adres.huis.huisnummer)
        _B.opt(huis, "Huisletter", adres.huis.huisletter)
        _B.opt(huis, "HuisnummerToevoeging", adres.huis.huisnummer_toevoeging)
        _B.opt(huis, "AanduidingWoonadres", adres.huis.aanduiding_woonadres)
    _B.opt(el, "Postcode", adres.postcode)
    _B.opt(el, "Straatnaam", adres.straatnaam)
    _B.opt(el, "Plaatsnaam", adres.plaatsnaam)
    _B.opt(el, "LandCode", adres.landcode)


def _contact(w: _Writer, parent: etree._Element, contact: Contact) -> None:
    el = w.el(parent, "Contact")
    w.el(el, "Soort", contact.soort)
    if contact.adres is not None:
        _adres(w, el, contact.adres)
    w.opt(el, "Organisatie", contact.organisatie)
    if contact.telefoon:
        telefoon = w.el(el, "Telefoon")
        for name, t in zip(("Telefoon01", "Telefoon02"), contact.telefoon, strict=False):
            nummer = _B.el(telefoon, name)
            _B.el(nummer, "Telefoonnummer", t.telefoonnummer)
            _B.el(nummer, "Landnummer", t.landnummer)
    w.opt(el, "Emailadres", contact.emailadres)
    if contact.periode is not None:
        periode = w.el(el, "Periode")
        _B.opt(periode, "Begindatum", contact.periode.begindatum)
        _B.opt(periode, "Einddatum", contact.periode.einddatum)


def _product(w: _Writer, parent: etree._Element, product: Product | None) -> None:
    if product is not None:
        el = w.el(parent, "Product")
        _B.el(el, "Categorie", product.categorie)
        _B.opt(el, "Code", product.code)


def _omvang(w: _Writer, parent: etree._Element, omvang: Omvang | None) -> None:
    if omvang is not None:
        el = w.el(parent, "Omvang")
        _B.el(el, "Volume", omvang.volume)
        _B.el(el, "Eenheid", omvang.eenheid)
        _B.el(el, "Frequentie", omvang.frequentie)


def _client_301(w: _Writer, root: etree._Element, c: Client) -> etree._Element:
    el = w.el(root, "Client")
    w.el(el, "Bsn", c.bsn)
    _geboortedatum(w, el, c.geboortedatum)
    w.el(el, "Geslacht", c.geslacht)
    _naam(w, el, c.naam)
    if c.communicatie is not None:
        communicatie = w.el(el, "Communicatie")
        _B.el(communicatie, "Vorm", c.communicatie.vorm)
        _B.opt(communicatie, "Taal", c.communicatie.taal)
    w.opt(el, "JuridischeStatus", c.juridische_status)
    w.opt(el, "WettelijkeVertegenwoordiging", c.wettelijke_vertegenwoordiging)
    w.opt(el, "Commentaar", c.commentaar)
    if c.relaties:
        relaties = w.el(el, "Relaties")
        for r in c.relaties:
            relatie = w.el(relaties, "Relatie")
            w.el(relatie, "Nummer", r.nummer)
            w.opt(relatie, "Volgorde", r.volgorde)
            w.el(relatie, "Soort", r.soort)
            if r.geboortedatum is not None:
                _geboortedatum(w, relatie, r.geboortedatum)
            w.opt(relatie, "Geslacht", r.geslacht)
            _naam(w, relatie, r.naam)
            _contact(w, relatie, r.contact)
    contactgegevens = w.el(el, "Contactgegevens")
    for contact in c.contactgegevens:
        _contact(w, contactgegevens, contact)
    return el


def build_wmo301(
    *,
    afzender: str,
    ontvanger: str,
    identificatie: str,
    dagtekening: date,
    client: Client,
    toegewezen_producten: Sequence[ToegewezenProduct],
    xsd_dir: str | Path,
) -> bytes:
    """A toewijzingbericht for one client at one provider (OP087: all current allocations
    for that provider plus those changed since the previous 301).

    ``afzender`` is the municipality's CBS code (4 digits), ``ontvanger`` the provider's AGB
    code (8 digits). XsdVersie is taken from the XSD (IV034).
    """
    root, w = _bericht(
        "WMO301",
        afzender=afzender,
        ontvanger=ontvanger,
        identificatie=identificatie,
        dagtekening=dagtekening,
        xsd_dir=xsd_dir,
    )
    el = _client_301(w, root, client)
    producten = w.el(el, "ToegewezenProducten")
    for p in toegewezen_producten:
        tp = w.el(producten, "ToegewezenProduct")
        w.el(tp, "ToewijzingNummer", p.toewijzing_nummer)
        w.opt(tp, "ReferentieAanbieder", p.referentie_aanbieder)
        _product(w, tp, p.product)
        w.el(tp, "Toewijzingsdatum", p.toewijzingsdatum)
        w.el(tp, "Toewijzingstijd", p.toewijzingstijd)
        w.el(tp, "Ingangsdatum", p.ingangsdatum)
        w.opt(tp, "Einddatum", p.einddatum)
        w.opt(tp, "RedenWijziging", p.reden_wijziging)
        _omvang(w, tp, p.omvang)
        w.opt(tp, "Budget", p.budget)
        w.opt(tp, "Commentaar", p.commentaar)
    return _checked(root, "WMO301", xsd_dir)


# --- WMO319 ------------------------------------------------------------------------------


def build_wmo319(
    *,
    afzender: str,
    ontvanger: str,
    identificatie: str,
    dagtekening: date,
    antwoord: Antwoord,
    xsd_dir: str | Path,
) -> bytes:
    """The answer to a 315 or 317: 1 = afgewezen (with reason), 2 = in onderzoek."""
    root, w = _bericht(
        "WMO319",
        afzender=afzender,
        ontvanger=ontvanger,
        identificatie=identificatie,
        dagtekening=dagtekening,
        xsd_dir=xsd_dir,
    )
    el = w.el(root, "Antwoord")
    w.el(el, "ReferentieAanbieder", antwoord.referentie_aanbieder)
    w.el(el, "VerzoekAntwoord", antwoord.verzoek_antwoord)
    w.opt(el, "RedenAfwijzingVerzoek", antwoord.reden_afwijzing_verzoek)
    return _checked(root, "WMO319", xsd_dir)


# --- retour codes per berichtklasse ----------------------------------------------------------

# The berichtklassen that carry RetourCodes in each retour message.
BERICHTKLASSEN: dict[str, frozenset[str]] = {
    "WMO305": frozenset({"Client", "StartProduct"}),
    "WMO307": frozenset({"Client", "StopProduct"}),
    "WMO315": frozenset({"Client", "AangevraagdProduct"}),
    "WMO317": frozenset(
        {"Client", "Verzoek", "OngewijzigdProduct", "TeWijzigenProduct", "NieuwProduct"}
    ),
    "WMO323": frozenset({"Declaratie", "Client", "Prestatie"}),
}


def klasse_path(path: str, klassen: Iterable[str]) -> str:
    """The berichtklasse an element path belongs to: its nearest enclosing class."""
    klassen = frozenset(klassen)
    steps = path.split("/")
    for end in range(len(steps), 0, -1):
        if steps[end - 1].split("[")[0] in klassen:
            return "/".join(steps[:end])
    return HEADER


def _unique(codes: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(codes))


def _check_not_xsd(errors: Sequence[IwmoError]) -> None:
    for e in errors:
        if e.code in ("XSD", "XML") or e.retourcode is None:
            # Controleniveau 1 (IV032): the sender gets an error report, not a retour message.
            raise ValueError(f"geen retourbericht mogelijk voor {e.code} op {e.path}: {e.message}")


def _check_values(xsd_dir: str | Path, values: Iterable[tuple[str, str]]) -> None:
    for type_name, value in values:
        if not schema.is_valid_value(xsd_dir, type_name, value):
            raise IwmoBuildError(
                [IwmoError("XSD", HEADER, f"De waarde is geen {type_name}.", detail=repr(value))]
            )


def _codes_by_klasse(errors: Sequence[IwmoError], klassen: frozenset[str]) -> dict[str, list[str]]:
    by_klasse: dict[str, list[str]] = {}
    for e in errors:
        by_klasse.setdefault(klasse_path(e.path, klassen), []).append(e.retourcode or "")
    return {k: _unique(v) for k, v in by_klasse.items()}


def _header_codes(errors: Sequence[IwmoError], klassen: frozenset[str]) -> list[str]:
    """The Header's RetourCodes (IV028, IV087): 0001 when an in-message rule is broken
    (controleniveau 2), else the codes of findings in the Header itself; otherwise 0200 and
    the berichtklassen below carry the findings."""
    if any(e.retourcode == RETOURCODE_TECHNISCH for e in errors):
        return [RETOURCODE_TECHNISCH]
    header_errors = [e for e in errors if klasse_path(e.path, klassen) == HEADER]
    if header_errors:
        return _unique(e.retourcode or "" for e in header_errors)
    return [RETOURCODE_GOED]


def _retour_codes(w: _Writer, parent: etree._Element, codes: Sequence[str]) -> None:
    el = w.el(parent, "RetourCodes")
    for code in codes:
        w.el(el, "RetourCode", code)


def build_retour(
    heenbericht: bytes,
    *,
    identificatie: str,
    dagtekening: date,
    errors: Sequence[IwmoError],
    xsd_dir: str | Path,
    xslt_versie: str | None = None,
    xsd_versie_retour: XsdVersie | None = None,
) -> bytes:
    """The retour message (306, 308, 316 or 318) for a received 305, 307, 315 or 317.

    ``errors`` are the findings on the heenbericht (from :func:`validate_message` and the
    cross-checks); each carries its retourcode. Following IV028:

    * no findings: only the Header, without RetourCodes;
    * an in-message rule broken (retourcode 0001): only the Header, with 0001;
    * a finding in the Header: only the Header, with that finding's code;
    * otherwise the whole client is returned unchanged, every berichtklasse ending with its
      findings' codes or 0200.

    An XSD-invalid heenbericht gets no retour message (IV032): that raises ``ValueError``.
    ``xsd_versie_retour`` defaults to the heenbericht XSD's versions, as the retour XSDs
    are not in the directory.
    """
    _check_not_xsd(errors)
    original = parse_xml(heenbericht)
    heen_type = message_type_of(original)
    if heen_type not in RETOUR_VOOR:
        raise ValueError(f"geen retourbericht gedefinieerd voor {heen_type or 'onbekend bericht'}")
    retour_type = RETOUR_VOOR[heen_type]
    klassen = BERICHTKLASSEN[heen_type]

    header_codes = _header_codes(errors, klassen)
    body_codes: dict[str, list[str]] | None = None
    if header_codes == [RETOURCODE_GOED]:
        if errors:
            body_codes = _codes_by_klasse(errors, klassen)
        else:
            header_codes = []  # fully approved: the Header without RetourCodes

    versie_retour = xsd_versie_retour or schema.xsd_versie(xsd_dir, heen_type)
    _check_values(
        xsd_dir,
        [("LDT_IdentificatieBericht", identificatie), ("LDT_Versie", versie_retour.bericht)]
        + [("LDT_Versie", versie_retour.basisschema)]
        + ([("LDT_Versie", xslt_versie)] if xslt_versie is not None else [])
        + [("LDT_RetourCode", c) for c in header_codes]
        + [("LDT_RetourCode", c) for cs in (body_codes or {}).values() for c in cs],
    )

    heen_ns = message_ns(heen_type)
    root, w = _root(retour_type)

    def copy(el: etree._Element, into: etree._Element) -> etree._Element:
        qname = etree.QName(el)
        ns = w.ns if qname.namespace == heen_ns else qname.namespace
        new = etree.SubElement(into, f"{{{ns}}}{qname.localname}")
        new.text = el.text if len(el) == 0 else None
        for child in el:
            if isinstance(child.tag, str):
                copy(child, new)
        if body_codes is not None and local(el) in klassen:
            _retour_codes(w, new, body_codes.get(element_path(el), [RETOURCODE_GOED]))
        return new

    for part in original:
        if not isinstance(part.tag, str):
            continue
        if local(part) != "Header":
            if body_codes is not None:
                copy(part, root)
            continue
        header = copy(part, root)
        berichtcode = header.find(f"{{{w.ns}}}BerichtCode")
        if berichtcode is None:  # the XSD requires it: only an XSD-invalid heenbericht lacks it
            raise ValueError("heenbericht zonder Header/BerichtCode krijgt geen retourbericht")
        berichtcode.text = BERICHTCODES[retour_type]
        w.el(header, "IdentificatieRetour", identificatie)
        w.el(header, "DagtekeningRetour", dagtekening)
        w.opt(header, "XsltVersie", xslt_versie)
        _xsd_versie(w, header, "XsdVersieRetour", versie_retour)
        if header_codes:
            _retour_codes(w, header, header_codes)
    return _serialise(root)


# --- WMO325 ------------------------------------------------------------------------------


def _bedrag(w: _Writer, parent: etree._Element, name: str, bedrag: Bedrag, amount: str) -> None:
    el = w.el(parent, name)
    _B.el(el, amount, bedrag.bedrag)
    _B.el(el, "DebetCredit", bedrag.debet_credit)


def _prestatie(
    w: _Writer, parent: etree._Element, p: Prestatie, codes: Sequence[str] | None
) -> None:
    """A Prestatie as the 323 has it; with ``codes``, ending in RetourCodes as in the 325."""
    el = w.el(parent, "Prestatie")
    ref = w.el(el, "ProductReferentie")
    _B.el(ref, "ReferentieNummer", p.referentie_nummer)
    _B.opt(ref, "VorigReferentieNummer", p.vorig_referentie_nummer)
    w.el(el, "ToewijzingNummer", p.toewijzing_nummer)
    w.el(el, "ProductCategorie", p.product_categorie)
    w.el(el, "ProductCode", p.product_code)
    periode = w.el(el, "ProductPeriode")
    _B.el(periode, "Begindatum", p.product_periode.begindatum)
    _B.el(periode, "Einddatum", p.product_periode.einddatum)
    w.el(el, "GeleverdVolume", p.geleverd_volume)
    w.el(el, "Eenheid", p.eenheid)
    w.opt(el, "ProductTarief", p.product_tarief)
    _bedrag(w, el, "IngediendBedrag", p.ingediend_bedrag, "Bedrag")
    if codes is not None:
        _retour_codes(w, el, codes)


def build_wmo325(
    declaratie: Declaratiebericht,
    *,
    identificatie: str,
    dagtekening: date,
    errors: Sequence[IwmoError],
    xsd_dir: str | Path,
    xslt_versie: str | None = None,
    xsd_versie: XsdVersie | None = None,
) -> bytes:
    """The declaratie-antwoord for a received 323 (IV087, IV088, TR342).

    ``errors`` are the findings on the 323, with paths into it. Only rejected Prestaties are
    returned: those with findings, and all Prestaties of a client with a finding (0233, not
    assessed). TotaalToegekendBedrag is TotaalIngediendBedrag minus the rejected amounts, or
    0 when the Declaratie itself is rejected. ``xsd_versie`` defaults to the basisschema's
    version with BerichtXsdVersie 1.0.0, as the WMO325 XSD is not in the directory.
    """
    _check_not_xsd(errors)
    heen = declaratie.header
    d = declaratie.declaratie
    klassen = BERICHTKLASSEN["WMO323"]
    header_codes = _header_codes(errors, klassen)
    codes = _codes_by_klasse(errors, klassen)

    # Which clients and Prestaties go back, and with which codes.
    afgewezen: list[tuple[str, list[str], list[tuple[Prestatie, list[str]]]]] = []
    if header_codes == [RETOURCODE_GOED] and DECLARATIE not in codes:
        nc = len(d.clienten)
        for ci, client in enumerate(d.clienten):
            client_codes = codes.get(declaratie_client_path(ci, nc))
            np_ = len(client.prestaties)
            prestaties = [
                (p, codes.get(prestatie_path(ci, nc, pi, np_)))
                for pi, p in enumerate(client.prestaties)
            ]
            if client_codes:
                afgewezen.append(
                    (
                        client.bsn,
                        client_codes,
                        [(p, [RETOURCODE_NIET_BEOORDEELD]) for p, _ in prestaties],
                    )
                )
            elif any(c for _, c in prestaties):
                afgewezen.append(
                    (client.bsn, [RETOURCODE_GOED], [(p, c) for p, c in prestaties if c])
                )

    versie = xsd_versie or XsdVersie(schema.basisschema_versie(xsd_dir), "1.0.0")
    _check_values(
        xsd_dir,
        [("LDT_IdentificatieBericht", identificatie), ("LDT_Versie", versie.bericht)]
        + [("LDT_Versie", versie.basisschema)]
        + ([("LDT_Versie", xslt_versie)] if xslt_versie is not None else [])
        + [("LDT_RetourCode", c) for cs in codes.values() for c in cs],
    )

    root, w = _root("WMO325")
    h = _header(
        w,
        root,
        "WMO325",
        afzender=heen.ontvanger,
        ontvanger=heen.afzender,
        identificatie=identificatie,
        dagtekening=dagtekening,
        xsd_versie=versie,
    )
    _identificatie(w, h, "DeclaratieIdentificatie", heen.identificatie, heen.dagtekening)
    w.opt(h, "XsltVersie", xslt_versie)
    _xsd_versie(w, h, "XsdVersieDeclaratie", heen.xsd_versie)
    _retour_codes(w, h, header_codes)
    if header_codes != [RETOURCODE_GOED]:
        return _serialise(root)

    antwoord = w.el(root, "DeclaratieAntwoord")
    w.el(antwoord, "DeclaratieNummer", d.declaratie_nummer)
    _bedrag(w, antwoord, "TotaalIngediendBedrag", d.totaal_ingediend_bedrag, "TotaalBedrag")
    if DECLARATIE in codes:
        toegekend = Bedrag.van_waarde(0)
        antwoord_codes = codes[DECLARATIE]
    else:
        afgewezen_waarde = sum(p.ingediend_bedrag.waarde for _, _, ps in afgewezen for p, _ in ps)
        toegekend = Bedrag.van_waarde(d.totaal_ingediend_bedrag.waarde - afgewezen_waarde)
        antwoord_codes = [RETOURCODE_GOED if afgewezen else RETOURCODE_VOLLEDIG_TOEGEWEZEN]
    _bedrag(w, antwoord, "TotaalToegekendBedrag", toegekend, "TotaalBedrag")
    if afgewezen:
        clienten = w.el(antwoord, "Clienten")
        for bsn, client_codes, prestaties in afgewezen:
            client = w.el(clienten, "Client")
            w.el(client, "Bsn", bsn)
            box = w.el(client, "Prestaties")
            for p, prestatie_codes in prestaties:
                _prestatie(w, box, p, prestatie_codes)
            _retour_codes(w, client, client_codes)
    _retour_codes(w, antwoord, antwoord_codes)
    return _serialise(root)
