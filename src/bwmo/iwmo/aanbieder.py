"""Write the messages a provider sends: WMO305, WMO307, WMO315, WMO317 and WMO323.

bwmo receives these messages; it writes them only for demo data and tests, so that inbound
files are realistic. Every builder follows its XSD's element order, validates the result
against that XSD and raises :class:`~bwmo.iwmo.build.IwmoBuildError` rather than return a
message the schema rejects. The in-message rules (:mod:`bwmo.iwmo.rules`) are not applied:
tests need rule-breaking messages too; run :func:`bwmo.iwmo.validate.validate_message` on the
result to see them.

``afzender`` is the provider's AGB code (8 digits), ``ontvanger`` the municipality's CBS code
(4 digits). XsdVersie is taken from the XSD (IV034). Each builder takes the fields of the
dataclass :func:`bwmo.iwmo.parse.parse_message` returns for its message, so a parsed message
is rebuilt unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from lxml import etree

from bwmo.iwmo.build import (
    _B,
    _bedrag,
    _bericht,
    _checked,
    _geboortedatum,
    _naam,
    _omvang,
    _prestatie,
    _product,
    _Writer,
)
from bwmo.iwmo.model import (
    AangevraagdProduct,
    ClientBasis,
    Declaratie,
    StartProduct,
    StopProduct,
    Verzoek,
)

# LDT_JaNee
_JA, _NEE = "1", "2"


def _client_basis(w: _Writer, root: etree._Element, c: ClientBasis) -> etree._Element:
    """The client of the 305, 307 and 315. The name is a CDT_VerkorteNaam: a partnernaam or
    naamgebruik is written anyway and rejected by the XSD, as is a commentaar outside the
    315 - never dropped silently."""
    el = w.el(root, "Client")
    w.el(el, "Bsn", c.bsn)
    _geboortedatum(w, el, c.geboortedatum)
    w.el(el, "Geslacht", c.geslacht)
    _naam(w, el, c.naam)
    w.opt(el, "Commentaar", c.commentaar)
    return el


def _start_key(w: _Writer, el: etree._Element, p: StartProduct | StopProduct) -> None:
    """The elements a start and its stop share, in the XSDs' order (the key of OP072)."""
    w.opt(el, "ToewijzingNummer", p.toewijzing_nummer)
    _product(w, el, p.product)
    w.opt(el, "ToewijzingIngangsdatum", p.toewijzing_ingangsdatum)
    w.el(el, "Begindatum", p.begindatum)


# --- WMO305 ------------------------------------------------------------------------------


def build_wmo305(
    *,
    afzender: str,
    ontvanger: str,
    identificatie: str,
    dagtekening: date,
    client: ClientBasis,
    start_producten: Sequence[StartProduct],
    xsd_dir: str | Path,
) -> bytes:
    """A startbericht: the provider has started delivering these products."""
    root, w = _bericht(
        "WMO305",
        afzender=afzender,
        ontvanger=ontvanger,
        identificatie=identificatie,
        dagtekening=dagtekening,
        xsd_dir=xsd_dir,
    )
    el = _client_basis(w, root, client)
    producten = w.el(el, "StartProducten")
    for p in start_producten:
        sp = w.el(producten, "StartProduct")
        _start_key(w, sp, p)
        w.el(sp, "StatusAanlevering", p.status_aanlevering)
    return _checked(root, "WMO305", xsd_dir)


# --- WMO307 ------------------------------------------------------------------------------


def build_wmo307(
    *,
    afzender: str,
    ontvanger: str,
    identificatie: str,
    dagtekening: date,
    client: ClientBasis,
    stop_producten: Sequence[StopProduct],
    xsd_dir: str | Path,
) -> bytes:
    """A stopbericht: the provider has stopped (or paused, reden 20) delivering these products."""
    root, w = _bericht(
        "WMO307",
        afzender=afzender,
        ontvanger=ontvanger,
        identificatie=identificatie,
        dagtekening=dagtekening,
        xsd_dir=xsd_dir,
    )
    el = _client_basis(w, root, client)
    producten = w.el(el, "StopProducten")
    for p in stop_producten:
        sp = w.el(producten, "StopProduct")
        _start_key(w, sp, p)
        w.el(sp, "RedenBeeindiging", p.reden_beeindiging)
        w.el(sp, "Einddatum", p.einddatum)
        w.el(sp, "StatusAanlevering", p.status_aanlevering)
    return _checked(root, "WMO307", xsd_dir)


# --- WMO315 ------------------------------------------------------------------------------


def build_wmo315(
    *,
    afzender: str,
    ontvanger: str,
    identificatie: str,
    dagtekening: date,
    client: ClientBasis,
    aangevraagde_producten: Sequence[AangevraagdProduct],
    xsd_dir: str | Path,
) -> bytes:
    """A verzoek om toewijzing: the provider asks the municipality to allocate products."""
    root, w = _bericht(
        "WMO315",
        afzender=afzender,
        ontvanger=ontvanger,
        identificatie=identificatie,
        dagtekening=dagtekening,
        xsd_dir=xsd_dir,
    )
    el = _client_basis(w, root, client)
    producten = w.el(el, "AangevraagdeProducten")
    for p in aangevraagde_producten:
        ap = w.el(producten, "AangevraagdProduct")
        w.el(ap, "ReferentieAanbieder", p.referentie_aanbieder)
        w.opt(ap, "BeschikkingNummer", p.beschikking_nummer)
        _product(w, ap, p.product)
        w.opt(ap, "BeschikkingIngangsdatum", p.beschikking_ingangsdatum)
        w.el(ap, "ToewijzingIngangsdatum", p.toewijzing_ingangsdatum)
        w.opt(ap, "ToewijzingEinddatum", p.toewijzing_einddatum)
        _omvang(w, ap, p.omvang)
        w.opt(ap, "Budget", p.budget)
        verwijzer = w.el(ap, "Verwijzer")
        _B.el(verwijzer, "Type", p.verwijzer.type)
        _B.opt(verwijzer, "Naam", p.verwijzer.naam)
        _B.opt(verwijzer, "ZorgverlenerCode", p.verwijzer.zorgverlener_code)
        if p.raamcontract is not None:
            w.el(ap, "Raamcontract", _JA if p.raamcontract else _NEE)
        w.opt(ap, "Commentaar", p.commentaar)
    return _checked(root, "WMO315", xsd_dir)


# --- WMO317 ------------------------------------------------------------------------------


def build_wmo317(
    *,
    afzender: str,
    ontvanger: str,
    identificatie: str,
    dagtekening: date,
    bsn: str,
    verzoek: Verzoek,
    xsd_dir: str | Path,
) -> bytes:
    """A verzoek om wijziging: the provider lists every current allocation as unchanged or
    to be changed, plus the new products it asks for. Empty groups are left out."""
    root, w = _bericht(
        "WMO317",
        afzender=afzender,
        ontvanger=ontvanger,
        identificatie=identificatie,
        dagtekening=dagtekening,
        xsd_dir=xsd_dir,
    )
    client = w.el(root, "Client")
    w.el(client, "Bsn", bsn)
    el = w.el(client, "Verzoek")
    w.el(el, "ReferentieAanbieder", verzoek.referentie_aanbieder)
    w.el(el, "RedenVerzoek", verzoek.reden_verzoek)
    if verzoek.ongewijzigde_producten:
        box = w.el(el, "OngewijzigdeProducten")
        for nummer in verzoek.ongewijzigde_producten:
            w.el(w.el(box, "OngewijzigdProduct"), "ToewijzingNummer", nummer)
    if verzoek.te_wijzigen_producten:
        box = w.el(el, "TeWijzigenProducten")
        for t in verzoek.te_wijzigen_producten:
            tp = w.el(box, "TeWijzigenProduct")
            w.el(tp, "ToewijzingNummer", t.toewijzing_nummer)
            w.el(tp, "GewensteIngangsdatum", t.gewenste_ingangsdatum)
            w.opt(tp, "Einddatum", t.einddatum)
            _omvang(w, tp, t.omvang)
            w.opt(tp, "Budget", t.budget)
    if verzoek.nieuwe_producten:
        box = w.el(el, "NieuweProducten")
        for n in verzoek.nieuwe_producten:
            np_ = w.el(box, "NieuwProduct")
            _product(w, np_, n.product)
            w.el(np_, "GewensteIngangsdatum", n.gewenste_ingangsdatum)
            w.opt(np_, "Einddatum", n.einddatum)
            _omvang(w, np_, n.omvang)
            w.opt(np_, "Budget", n.budget)
    return _checked(root, "WMO317", xsd_dir)


# --- WMO323 ------------------------------------------------------------------------------


def build_wmo323(
    *,
    afzender: str,
    ontvanger: str,
    identificatie: str,
    dagtekening: date,
    declaratie: Declaratie,
    xsd_dir: str | Path,
) -> bytes:
    """A declaratie for one period. TotaalIngediendBedrag is written as given, not summed:
    tests need a wrong total too (TR358)."""
    root, w = _bericht(
        "WMO323",
        afzender=afzender,
        ontvanger=ontvanger,
        identificatie=identificatie,
        dagtekening=dagtekening,
        xsd_dir=xsd_dir,
    )
    d = declaratie
    el = w.el(root, "Declaratie")
    w.el(el, "DeclaratieNummer", d.declaratie_nummer)
    periode = w.el(el, "DeclaratiePeriode")
    _B.el(periode, "Begindatum", d.declaratie_periode.begindatum)
    _B.el(periode, "Einddatum", d.declaratie_periode.einddatum)
    w.el(el, "DeclaratieDagtekening", d.declaratie_dagtekening)
    _bedrag(w, el, "TotaalIngediendBedrag", d.totaal_ingediend_bedrag, "TotaalBedrag")
    clienten = w.el(el, "Clienten")
    for c in d.clienten:
        client = w.el(clienten, "Client")
        w.el(client, "Bsn", c.bsn)
        prestaties = w.el(client, "Prestaties")
        for p in c.prestaties:
            _prestatie(w, prestaties, p, None)
    return _checked(root, "WMO323", xsd_dir)
