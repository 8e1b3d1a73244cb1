"""The second validation layer: the standard's rules that one message can be checked against.

Covered here (controleniveau 2, "bericht inhoud", plus the two external-source rules whose
input travels with the message itself):

* every conditie (CD) and constraint (CS) in ``regels/condities-constraints`` for the
  messages bwmo receives or sends;
* every technische regel of ``regels/technische-regels/xslt``;
* TR135 (Dagtekening not after the system date, given as ``today``) and TR346 (IngediendBedrag
  = GeleverdVolume × ProductTarief, with the tariff from the Prestatie itself);
* TR319 (ProductPeriode within the DeclaratiePeriode): filed as berichtoverstijgend, but
  checkable within the 323 itself, as the standard's own XSLT does.

The restricties (RS…) are all expressed in the XSDs and are enforced by the XSD layer; so are
CS015, CS025 and CS319, which are checked here as well so a dataclass can be checked before
it is ever serialised. Which element each technische regel applies to follows the
standard's validation XSLT (iWmo 3.2, XSLT 2.10.5), since the rule texts do not name it.

Rules are functions over the dataclasses; each finding carries the rule code, the path of
the element and the expectation. Rules that need other messages or system state live in
:mod:`bwmo.iwmo.crosscheck`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date

from stdnum.nl import bsn as stdnum_bsn

from bwmo.iwmo._xml import (
    ANTWOORD,
    CLIENT,
    DAGTEKENING,
    DECLARATIE,
    HEADER,
    VERZOEK,
    declaratie_client_path,
    item_path,
    prestatie_path,
)
from bwmo.iwmo.catalogue import Regel, catalogue
from bwmo.iwmo.model import (
    CREDIT,
    DEBET,
    EENHEID_EURO,
    EENHEID_MINUUT,
    FREQUENTIE_PER_WEEK,
    REDEN_WIJZIGING_VERVALLEN,
    REDEN_WIJZIGING_VERWIJDERD,
    AangevraagdProduct,
    Antwoordbericht,
    Bedrag,
    Bericht,
    Contact,
    Declaratiebericht,
    Geboortedatum,
    Header,
    IwmoError,
    Naam,
    Omvang,
    Prestatie,
    Product,
    Startbericht,
    Stopbericht,
    ToegewezenProduct,
    Toewijzingbericht,
    VerzoekOmToewijzingbericht,
    VerzoekOmWijzigingbericht,
)
from bwmo.rules.dates import add_months

# The rule texts as the standard states them (condities-constraints, technische-regels).
REGELS: dict[str, Regel] = catalogue(
    (
        Regel("CD005", "Als Postcode gevuld is, dan LandCode verplicht vullen, anders leeg laten."),
        Regel(
            "CD007",
            "Als Communicatie / Vorm de waarde 1 (tolk taal) heeft, dan Taal "
            "verplicht vullen, anders leeglaten.",
        ),
        Regel(
            "CD009",
            "Alleen als Soort adres de waarde 04 (tijdelijk adres) heeft, is vullen "
            "van Periode toegestaan.",
        ),
        Regel(
            "CD025",
            "Als Adres / LandCode de waarde NL (Nederland) heeft, dan Huis verplicht vullen.",
        ),
        Regel(
            "CD034",
            "Als Soort adres de waarde 1 (BRP-adres) of 3 (verblijfadres) heeft, "
            "dan Postcode verplicht vullen.",
        ),
        Regel("CD041", "Indien Code in Product gevuld is, Omvang verplicht vullen."),
        Regel(
            "CD043",
            "Indien BeschikkingNummer gevuld is, BeschikkingIngangsdatum verplicht "
            "vullen, anders leeg laten.",
        ),
        Regel(
            "CD060",
            "VorigReferentieNummer verplicht vullen indien DebetCredit bij het "
            "ingediende bedrag de waarde C (credit) heeft, anders leeg laten.",
        ),
        Regel(
            "CD066",
            "Als type verwijzer gelijk is aan 02, 03, 04 of 05 en ZorgverlenerCode "
            "is gevuld, dan is Naamverwijzer leeg.",
        ),
        Regel(
            "CD067",
            "Als type verwijzer gelijk is aan 02, 03, 04 of 05 en ZorgverlenerCode "
            "is leeg, dan is Naamverwijzer gevuld.",
        ),
        Regel(
            "CD068",
            "Als type verwijzer ongelijk is aan 02, 03, 04 of 05, dan is ZorgverlenerCode leeg.",
        ),
        Regel("CD075", "Einddatum verplicht vullen indien Budget gevuld is."),
        Regel("CD076", "Einddatum verplicht vullen indien Frequentie waarde 2 (per week)."),
        Regel("CD077", "Indien Budget gevuld is, dan Omvang leeg laten."),
        Regel("CD078", "Indien Omvang gevuld is, dan Budget leeg laten."),
        Regel("CD079", "Indien Budget leeg is, dan Product verplicht vullen."),
        Regel(
            "CD080",
            "Indien Code in Product leeg is en Einddatum van het ToegewezenProduct "
            "groter dan 31-12-2020 of leeg is, dan Omvang leeg laten.",
        ),
        Regel(
            "CD085",
            "Als VerzoekAntwoord de waarde 1 (Verzoek afgewezen) heeft, dan "
            "RedenAfwijzingVerzoek vullen.",
        ),
        Regel(
            "CD086",
            "Als VerzoekAntwoord de waarde 2 (Aanvraag in onderzoek) heeft, dan "
            "RedenAfwijzingVerzoek leeg laten.",
        ),
        Regel(
            "CD087",
            "Als Eenheid ongelijk is aan 83 (euro's) dan ProductTarief verplicht "
            "vullen, anders leeg laten.",
        ),
        Regel(
            "CD095",
            "Indien Code in AangevraagdProduct leeg is en ToewijzingEinddatum groter "
            "dan 31-12-2020 of leeg is, dan Omvang leeg laten.",
        ),
        Regel(
            "CD096",
            "Indien Code in NieuwProduct leeg is en Einddatum groter dan 31-12-2020 "
            "of leeg is, dan Omvang leeg laten.",
        ),
        Regel("CS002", "De waarde moet voldoen aan de 11-proef."),
        Regel(
            "CS003",
            "Indien van toepassing vullen met een waarde die groter is dan, of "
            "gelijk is aan de Begindatum (of Ingangsdatum) van de aangeduide periode.",
        ),
        Regel("CS015", "BerichtSubversie vullen met 2."),
        Regel("CS025", "BerichtVersie vullen met 3."),
        Regel(
            "CS050",
            "Als Partnernaam gevuld is, dan NaamGebruik vullen met waarde 1, 2, 3 "
            "of 4. Anders waarde 1 of 6 vullen.",
        ),
        Regel(
            "CS058",
            "StatusAanlevering 1 (eerste aanlevering) of 3 (verwijderen aanlevering) vullen.",
        ),
        Regel(
            "CS089",
            "Als LandCode de waarde NL (Nederland) heeft, dan moet het formaat "
            "overeenkomen met dat van een Nederlandse postcode.",
        ),
        Regel("CS100", "Vullen met een datum die groter dan of gelijk is aan 01-01-2021."),
        Regel(
            "CS139",
            "Voor Geboortedatum geldt dat DatumGebruik en Datum met elkaar in "
            "overeenstemming moeten zijn.",
        ),
        Regel("CS318", "NaamGebruik 6 (Niet-natuurlijk persoon) niet vullen."),
        Regel("CS319", "DeclaratieNummer aaneengesloten vullen met cijfers en/of letters."),
        Regel(
            "CS325",
            "Indien (Totaal)Bedrag de waarde 0 heeft, dan DebetCredit vullen met D (Debet).",
        ),
        Regel(
            "CS335",
            "RedenWijziging 13 (verwijderd) mag alleen gebruikt worden indien de "
            "ingangsdatum gelijk is aan de einddatum.",
        ),
        Regel("CS336", "RedenWijziging 01 (Administratieve correctie (vervallen)) niet gebruiken."),
        Regel(
            "CS337",
            "Einddatum in de ProductPeriode vullen met een datum die valt in "
            "dezelfde kalendermaand en jaar als de Begindatum van de ProductPeriode.",
        ),
        Regel(
            "CS338",
            "Indien eenheid de waarde 14, 16, 83 of 84 heeft en Einddatum groter "
            "dan 31-12-2020 of leeg is, dan Frequentie vullen met de waarde 2, 4 of 6.",
        ),
        Regel(
            "CS339",
            "Indien Eenheid de waarde 83 (euro's) heeft, moet IngediendBedrag "
            "gelijk zijn aan GeleverdVolume.",
        ),
        Regel("CS340", "De DeclaratiePeriode is exact gelijk aan 1 hele kalendermaand."),
        Regel(
            "CS343",
            "Indien eenheid de waarde 14, 16, 83 of 84 heeft en "
            "ToewijzingEinddatum is groter dan 31-12-2020 of leeg, dan Frequentie vullen "
            "met waarde 2, 4 of 6.",
        ),
        Regel(
            "TR002",
            "Geboortedatum mag niet meer dan 120 jaar voor de Dagtekening liggen, "
            "tenzij Geboortedatum onbekend is.",
        ),
        Regel(
            "TR006",
            "De berichtklasse Contact moet een berichtelement Telefoon, en/of de "
            "combinatie Huis en Postcode bevatten.",
        ),
        Regel("TR018", "Einddatum moet groter dan of gelijk zijn aan Begindatum."),
        Regel(
            "TR061",
            "Bij een Client moet minimaal één Adres voorkomen waarvan Soort de "
            "waarde '01' (BRP-adres), '02' (Correspondentie-adres) of '03' (Verblijfadres) "
            "heeft.",
        ),
        Regel("TR101", "Binnen een bericht zijn dubbele regels niet toegestaan."),
        Regel(
            "TR134",
            "Vullen met een bestaande datum die niet groter is dan de Dagtekening van het bericht.",
        ),
        Regel("TR135", "Vullen met een bestaande datum die niet in de toekomst ligt.", "8848"),
        Regel(
            "TR137",
            "Vullen met een waarde die groter is dan, of gelijk is aan de "
            "Begindatum van de aangeduide periode én die niet groter is dan de Dagtekening "
            "van het bericht.",
        ),
        Regel(
            "TR302",
            "Een Product mag alleen vaker in een toewijzingsbericht voorkomen "
            "indien de zorgperiodes elkaar niet overlappen.",
        ),
        Regel("TR315", "VorigReferentieNummer van de Prestatie moet uniek zijn in het bericht."),
        Regel("TR316", "Debetregels mogen niet in hetzelfde bericht gecrediteerd worden."),
        Regel(
            "TR319",
            "Een declaratiebericht bevat alleen prestaties waarvan de "
            "ProductPeriode valt binnen de huidige, of een voorgaande declaratieperiode.",
            "9319",
        ),
        Regel("TR335", "Einddatum mag niet meer dan 5 jaar voor DeclaratieDagtekening liggen."),
        Regel(
            "TR346",
            "Indien Eenheid ongelijk is aan waarde 83 (Euro's), moet "
            "IngediendBedrag gelijk zijn aan GeleverdVolume vermenigvuldigd met "
            "ProductTarief.",
            "9346",
        ),
        Regel(
            "TR352",
            "Bij een verzoek om wijziging komt minstens 1 OngewijzigdProduct of "
            "TeWijzigenProduct voor.",
        ),
        Regel(
            "TR353",
            "Bij een verzoek om wijziging komt minstens 1 TeWijzigenProduct of NieuwProduct voor.",
        ),
        Regel(
            "TR358",
            "De waarde van TotaalBedrag in TotaalIngediendBedrag moet gelijk zijn "
            "aan de SOM van de waarden van Bedrag in IngediendBedrag in alle onderliggende "
            "Prestaties, rekening houdend met indicatie debet/credit.",
        ),
        Regel("TR380", "Vullen met een datum die groter is dan de dagtekening van het bericht."),
        Regel(
            "TR383", "ReferentieAanbieder is uniek voor elk AangevraagdProduct binnen het bericht."
        ),
        Regel(
            "TR386",
            "Een Product mag alleen vaker in een verzoek om toewijzing voorkomen "
            "indien de zorgperiodes elkaar niet overlappen.",
        ),
        Regel(
            "TR410",
            "Een Product mag alleen vaker in de berichtklassen NieuwProduct "
            "voorkomen als de zorgperiodes elkaar niet overlappen.",
        ),
        Regel(
            "TR416",
            "Prestatie met DebetCredit in IngediendBedrag waarde Debet mag alleen "
            "ingezonden worden voor dezelfde ProductPeriode, ProductCategorie en ProductCode "
            "met gelijk ToewijzingNummer als er niet al een Prestatie met waarde Debet is.",
        ),
    )
)

# TR380 as the standard's XSLT applies it (NieuwProduct/GewensteIngangsdatum after the
# Dagtekening) rejects the standard's own WMO317 example, whose new product starts on the
# Dagtekening. It is therefore only enforced when asked for (``strict=True``).
STRICT_ONLY = frozenset({"TR380"})

_CUTOFF_2020 = date(2020, 12, 31)  # CD080, CD095, CD096, CS338, CS343
_MIN_DECLARATIE = date(2021, 1, 1)  # CS100
_VERWIJZER_MET_CODE = ("02", "03", "04", "05")
_EENHEID_FREQUENTIE_VERPLICHT = ("14", "16", "83", "84")
_FREQUENTIE_NA_2020 = ("2", "4", "6")
_HULPMIDDELEN = ("11", "12", "13", "14")  # may overlap (TR302, TR386, TR410)
_POSTCODE_NL = re.compile(r"[1-9][0-9]{3}[A-Za-z]{2}")
_ALFANUMERIEK = re.compile(r"[A-Za-z0-9]+")


def error(code: str, path: str, detail: str = "") -> IwmoError:
    """A finding for a rule of :data:`REGELS`: its text (what is expected) as the message,
    what was found as the detail (never stored: it may be a birth date or a BSN)."""
    regel = REGELS[code]
    return IwmoError(
        code=code, path=path, message=regel.tekst, retourcode=regel.retourcode, detail=detail
    )


def check_message(bericht: Bericht, *, today: date, strict: bool = False) -> list[IwmoError]:
    """All in-message rule findings for a parsed (XSD-valid) message.

    ``today`` is the receiver's system date (TR135). ``strict`` also enforces the rules of
    :data:`STRICT_ONLY`.
    """
    errors = list(_header(bericht.header, today))
    match bericht:
        case Toewijzingbericht():
            errors += _wmo301(bericht)
        case Startbericht():
            errors += _wmo305(bericht)
        case Stopbericht():
            errors += _wmo307(bericht)
        case VerzoekOmToewijzingbericht():
            errors += _wmo315(bericht)
        case VerzoekOmWijzigingbericht():
            errors += _wmo317(bericht)
        case Antwoordbericht():
            errors += _wmo319(bericht)
        case Declaratiebericht():
            errors += _wmo323(bericht)
    if not strict:
        errors = [e for e in errors if e.code not in STRICT_ONLY]
    return errors


# --- shared pieces -----------------------------------------------------------------------


def _header(header: Header, today: date) -> Iterator[IwmoError]:
    if header.berichtversie != 3:
        yield error("CS025", f"{HEADER}/BerichtVersie", f"Gevonden: {header.berichtversie}.")
    if header.berichtsubversie != 2:
        yield error("CS015", f"{HEADER}/BerichtSubversie", f"Gevonden: {header.berichtsubversie}.")
    if header.dagtekening > today:
        yield error(
            "TR135",
            DAGTEKENING,
            f"Dagtekening {header.dagtekening} ligt na de systeemdatum {today}.",
        )


def _bsn(value: str, path: str) -> Iterator[IwmoError]:
    if not stdnum_bsn.is_valid(value):
        yield error("CS002", path, f"Bsn {value} voldoet daar niet aan.")


def _geboortedatum(g: Geboortedatum, path: str, dagtekening: date) -> Iterator[IwmoError]:
    datum = g.datum
    expected = {
        "1": datum.day == 1,
        "2": (datum.month, datum.day) == (1, 1),
        "3": datum == date(1900, 1, 1),
    }
    if g.datum_gebruik is not None and not expected.get(g.datum_gebruik, True):
        yield error(
            "CS139",
            f"{path}/DatumGebruik",
            f"DatumGebruik {g.datum_gebruik} past niet bij Datum {datum} (IV009).",
        )
    onbekend = g.datum_gebruik == "3" and datum == date(1900, 1, 1)
    if not onbekend and (datum.year + 120, datum.month, datum.day) < (
        dagtekening.year,
        dagtekening.month,
        dagtekening.day,
    ):
        yield error("TR002", f"{path}/Datum", f"Geboortedatum {datum}, Dagtekening {dagtekening}.")
    yield from _not_after_dagtekening(datum, f"{path}/Datum", dagtekening)


def _not_after_dagtekening(value: date, path: str, dagtekening: date) -> Iterator[IwmoError]:
    if value > dagtekening:
        yield error("TR134", path, f"{value} ligt na Dagtekening {dagtekening}.")


def _not_before(
    end: date | None, begin: date, path: str, code: str = "CS003"
) -> Iterator[IwmoError]:
    if end is not None and end < begin:
        yield error(code, path, f"Einddatum {end} ligt voor begindatum {begin}.")


def _naamgebruik(naam: Naam, path: str, *, client: bool) -> Iterator[IwmoError]:
    gebruik = naam.naamgebruik
    # Required by the 301 XSD; on a dataclass an absent NaamGebruik breaks the constraint
    # ("vullen met ...") as CS089 is broken by an absent Postcode.
    allowed = ("1", "2", "3", "4") if naam.partnernaam is not None else ("1", "6")
    if gebruik not in allowed:
        partner = "met" if naam.partnernaam is not None else "zonder"
        yield error("CS050", f"{path}/NaamGebruik", f"NaamGebruik {gebruik} {partner} Partnernaam.")
    if client and gebruik == "6":
        yield error("CS318", f"{path}/NaamGebruik")


def _duplicates(items: Iterable[tuple[object, str]]) -> Iterator[IwmoError]:
    """TR101: the logical key of a berichtklasse (with its parents') must be unique."""
    seen: dict[object, str] = {}
    for key, path in items:
        if key in seen:
            yield error("TR101", path, f"Zelfde sleutel als {seen[key]}.")
        else:
            seen[key] = path


def _product_key(product: Product | None) -> tuple[str | None, str | None]:
    return (product.categorie, product.code) if product else (None, None)


def same_product(a: Product | None, b: Product | None) -> bool:
    """'Hetzelfde product' for the stacking rules, as the standard's XSLT decides it.

    Same code and category; or, where a code is missing, the same category; a product
    without category and code collides with everything. Hulpmiddelen (11-14) may overlap.
    """
    a_cat, a_code = _product_key(a)
    b_cat, b_code = _product_key(b)
    if a_cat in _HULPMIDDELEN or b_cat in _HULPMIDDELEN:
        return False
    if (a_cat is None and a_code is None) or (b_cat is None and b_code is None):
        return True
    same_cat = a_cat is not None and a_cat == b_cat
    if a_code is not None and b_code is not None:
        return same_cat and a_code == b_code
    return same_cat


def periods_overlap(a: tuple[date, date | None], b: tuple[date, date | None]) -> bool:
    """Closed periods; a missing end runs on indefinitely."""
    (a_start, a_end), (b_start, b_end) = a, b
    return (a_end is None or a_end >= b_start) and (b_end is None or b_end >= a_start)


def _stacking(
    code: str, items: Sequence[tuple[Product | None, date, date | None, str]]
) -> Iterator[IwmoError]:
    for i, (product, start, end, path) in enumerate(items):
        for other, o_start, o_end, o_path in items[:i]:
            if same_product(product, other) and periods_overlap((start, end), (o_start, o_end)):
                yield error(code, path, f"Overlapt met {o_path}.")


def _omvang_budget(
    path: str,
    *,
    product: Product | None,
    omvang: Omvang | None,
    budget: int | None,
    einddatum: date | None,
    einddatum_naam: str = "Einddatum",
    code_leeg_regel: str | None,
    frequentie_regel: str,
    product_verplicht: bool = True,
) -> Iterator[IwmoError]:
    """The conditions that tie Product, Omvang, Budget and Einddatum together.

    Shared by ToegewezenProduct (301), AangevraagdProduct (315) and NieuwProduct /
    TeWijzigenProduct (317); only the rule codes for the 2020 cut-off differ per message.
    """
    if budget is None and product is None and product_verplicht:
        yield error("CD079", f"{path}/Product")
    if budget is not None and einddatum is None:
        yield error("CD075", f"{path}/{einddatum_naam}")
    if omvang is not None and omvang.frequentie == FREQUENTIE_PER_WEEK and einddatum is None:
        yield error("CD076", f"{path}/{einddatum_naam}")
    if product is not None and product.code is not None and omvang is None:
        yield error("CD041", f"{path}/Omvang")
    if budget is not None and omvang is not None:
        yield error("CD077", f"{path}/Omvang")
        yield error("CD078", f"{path}/Budget")
    na_2020 = einddatum is None or einddatum > _CUTOFF_2020
    if (
        code_leeg_regel is not None
        and omvang is not None
        and (product is None or product.code is None)
        and na_2020
    ):
        yield error(code_leeg_regel, f"{path}/Omvang")
    if (
        omvang is not None
        and omvang.eenheid in _EENHEID_FREQUENTIE_VERPLICHT
        and na_2020
        and omvang.frequentie not in _FREQUENTIE_NA_2020
    ):
        yield error(
            frequentie_regel,
            f"{path}/Omvang/Frequentie",
            f"Eenheid {omvang.eenheid} met Frequentie {omvang.frequentie}.",
        )


# --- WMO301 toewijzing -------------------------------------------------------------------


def _contact(contact: Contact, path: str) -> Iterator[IwmoError]:
    adres = contact.adres
    postcode = adres.postcode if adres else None
    landcode = adres.landcode if adres else None
    if landcode == "NL" and (adres is None or adres.huis is None):
        yield error("CD025", f"{path}/Adres/Huis")
    if contact.soort in ("01", "03") and postcode is None:
        yield error("CD034", f"{path}/Adres/Postcode", f"Soort adres {contact.soort}.")
    # A constraint whose condition holds applies also when its own element is absent: an
    # absent Postcode has no Dutch format (the standard's validation reports CS089 then).
    if landcode == "NL" and (postcode is None or not _POSTCODE_NL.fullmatch(postcode)):
        yield error(
            "CS089", f"{path}/Adres/Postcode", "Ontbreekt." if postcode is None else postcode
        )
    if (postcode is None) != (landcode is None):
        yield error("CD005", f"{path}/Adres/LandCode")
    if contact.periode is not None:
        if contact.soort != "04":
            yield error("CD009", f"{path}/Periode", f"Soort adres {contact.soort}.")
        if contact.periode.begindatum is not None:
            yield from _not_before(
                contact.periode.einddatum, contact.periode.begindatum, f"{path}/Periode/Einddatum"
            )
    heeft_huis_en_postcode = adres is not None and adres.huis is not None and postcode is not None
    if not contact.telefoon and not heeft_huis_en_postcode:
        yield error("TR006", path)


def _wmo301(b: Toewijzingbericht) -> Iterator[IwmoError]:
    c, dag = b.client, b.header.dagtekening
    yield from _bsn(c.bsn, f"{CLIENT}/Bsn")
    yield from _geboortedatum(c.geboortedatum, f"{CLIENT}/Geboortedatum", dag)
    yield from _naamgebruik(c.naam, f"{CLIENT}/Naam", client=True)
    if c.communicatie is not None and (c.communicatie.taal is not None) != (
        c.communicatie.vorm == "1"
    ):
        yield error("CD007", f"{CLIENT}/Communicatie/Taal", f"Vorm {c.communicatie.vorm}.")

    relaties = [
        (r, item_path("Relaties", "Relatie", i, len(c.relaties))) for i, r in enumerate(c.relaties)
    ]
    yield from _duplicates((r.nummer, path) for r, path in relaties)
    for relatie, path in relaties:
        if relatie.geboortedatum is not None:
            yield from _geboortedatum(relatie.geboortedatum, f"{path}/Geboortedatum", dag)
        yield from _naamgebruik(relatie.naam, f"{path}/Naam", client=False)
        yield from _contact(relatie.contact, f"{path}/Contact")

    contacts = [
        (k, item_path("Contactgegevens", "Contact", i, len(c.contactgegevens)))
        for i, k in enumerate(c.contactgegevens)
    ]
    yield from _duplicates((k.soort, path) for k, path in contacts)
    for contact, path in contacts:
        yield from _contact(contact, path)
    if not any(k.soort in ("01", "02", "03") for k in c.contactgegevens):
        yield error("TR061", f"{CLIENT}/Contactgegevens")

    producten = [
        (p, item_path("ToegewezenProducten", "ToegewezenProduct", i, len(b.toegewezen_producten)))
        for i, p in enumerate(b.toegewezen_producten)
    ]
    yield from _duplicates((p.toewijzing_nummer, path) for p, path in producten)
    for p, path in producten:
        yield from _toegewezen_product(p, path, dag)
    yield from _stacking(
        "TR302",
        [
            (p.product, p.ingangsdatum, p.einddatum, path)
            for p, path in producten
            if not p.verwijderd
        ],
    )


def _toegewezen_product(p: ToegewezenProduct, path: str, dag: date) -> Iterator[IwmoError]:
    yield from _not_after_dagtekening(p.toewijzingsdatum, f"{path}/Toewijzingsdatum", dag)
    yield from _not_before(p.einddatum, p.ingangsdatum, f"{path}/Einddatum")
    if p.reden_wijziging == REDEN_WIJZIGING_VERWIJDERD and p.einddatum != p.ingangsdatum:
        yield error(
            "CS335",
            f"{path}/RedenWijziging",
            f"Ingangsdatum {p.ingangsdatum}, Einddatum {p.einddatum}.",
        )
    if p.reden_wijziging == REDEN_WIJZIGING_VERVALLEN:
        yield error("CS336", f"{path}/RedenWijziging")
    yield from _omvang_budget(
        path,
        product=p.product,
        omvang=p.omvang,
        budget=p.budget,
        einddatum=p.einddatum,
        code_leeg_regel="CD080",
        frequentie_regel="CS338",
    )


# --- WMO305 start, WMO307 stop ------------------------------------------------------------


def _client_basis_rules(
    b: Startbericht | Stopbericht | VerzoekOmToewijzingbericht,
) -> Iterator[IwmoError]:
    yield from _bsn(b.client.bsn, f"{CLIENT}/Bsn")
    yield from _geboortedatum(
        b.client.geboortedatum, f"{CLIENT}/Geboortedatum", b.header.dagtekening
    )


def _status(status: str, path: str) -> Iterator[IwmoError]:
    if status not in ("1", "3"):
        yield error("CS058", f"{path}/StatusAanlevering", f"Gevonden: {status}.")


def _wmo305(b: Startbericht) -> Iterator[IwmoError]:
    yield from _client_basis_rules(b)
    n = len(b.start_producten)
    paths = [item_path("StartProducten", "StartProduct", i, n) for i in range(n)]
    for p, path in zip(b.start_producten, paths, strict=True):
        yield from _status(p.status_aanlevering, path)
        yield from _not_after_dagtekening(p.begindatum, f"{path}/Begindatum", b.header.dagtekening)
    yield from _duplicates(
        ((p.begindatum, _product_key(p.product), p.toewijzing_nummer), path)
        for p, path in zip(b.start_producten, paths, strict=True)
    )


def _wmo307(b: Stopbericht) -> Iterator[IwmoError]:
    yield from _client_basis_rules(b)
    n = len(b.stop_producten)
    paths = [item_path("StopProducten", "StopProduct", i, n) for i in range(n)]
    for p, path in zip(b.stop_producten, paths, strict=True):
        yield from _status(p.status_aanlevering, path)
        yield from _not_before(p.einddatum, p.begindatum, f"{path}/Einddatum", code="TR018")
        yield from _not_after_dagtekening(p.einddatum, f"{path}/Einddatum", b.header.dagtekening)
    yield from _duplicates(
        (
            (
                p.begindatum,
                p.einddatum,
                _product_key(p.product),
                p.reden_beeindiging,
                p.toewijzing_nummer,
            ),
            path,
        )
        for p, path in zip(b.stop_producten, paths, strict=True)
    )


# --- WMO315 verzoek om toewijzing --------------------------------------------------------


def _aangevraagd_product(p: AangevraagdProduct, path: str) -> Iterator[IwmoError]:
    yield from _omvang_budget(
        path,
        product=p.product,
        omvang=p.omvang,
        budget=p.budget,
        einddatum=p.toewijzing_einddatum,
        einddatum_naam="ToewijzingEinddatum",
        code_leeg_regel="CD095",
        frequentie_regel="CS343",
    )
    yield from _not_before(
        p.toewijzing_einddatum, p.toewijzing_ingangsdatum, f"{path}/ToewijzingEinddatum"
    )
    if (p.beschikking_nummer is None) != (p.beschikking_ingangsdatum is None):
        yield error("CD043", f"{path}/BeschikkingIngangsdatum")
    v = p.verwijzer
    if v.type in _VERWIJZER_MET_CODE:
        if v.zorgverlener_code is not None and v.naam is not None:
            yield error("CD066", f"{path}/Verwijzer/Naam", f"Type verwijzer {v.type}.")
        if v.zorgverlener_code is None and v.naam is None:
            yield error("CD067", f"{path}/Verwijzer/Naam", f"Type verwijzer {v.type}.")
    elif v.zorgverlener_code is not None:
        yield error("CD068", f"{path}/Verwijzer/ZorgverlenerCode", f"Type verwijzer {v.type}.")


def _wmo315(b: VerzoekOmToewijzingbericht) -> Iterator[IwmoError]:
    yield from _client_basis_rules(b)
    n = len(b.aangevraagde_producten)
    producten = [
        (p, item_path("AangevraagdeProducten", "AangevraagdProduct", i, n))
        for i, p in enumerate(b.aangevraagde_producten)
    ]
    for p, path in producten:
        yield from _aangevraagd_product(p, path)
    seen: dict[str, str] = {}
    for p, path in producten:
        if p.referentie_aanbieder in seen:
            yield error(
                "TR383", f"{path}/ReferentieAanbieder", f"Ook in {seen[p.referentie_aanbieder]}."
            )
        seen.setdefault(p.referentie_aanbieder, path)
    yield from _duplicates((p.referentie_aanbieder, path) for p, path in producten)
    yield from _stacking(
        "TR386",
        [
            (p.product, p.toewijzing_ingangsdatum, p.toewijzing_einddatum, path)
            for p, path in producten
        ],
    )


# --- WMO317 verzoek om wijziging ----------------------------------------------------------


def _wmo317(b: VerzoekOmWijzigingbericht) -> Iterator[IwmoError]:
    v, dag = b.verzoek, b.header.dagtekening
    yield from _bsn(b.bsn, f"{CLIENT}/Bsn")
    if not v.ongewijzigde_producten and not v.te_wijzigen_producten:
        yield error("TR352", VERZOEK)
    if not v.te_wijzigen_producten and not v.nieuwe_producten:
        yield error("TR353", VERZOEK)

    n = len(v.ongewijzigde_producten)
    yield from _duplicates(
        (nummer, item_path("OngewijzigdeProducten", "OngewijzigdProduct", i, n, base=VERZOEK))
        for i, nummer in enumerate(v.ongewijzigde_producten)
    )
    n = len(v.te_wijzigen_producten)
    te_wijzigen = [
        (p, item_path("TeWijzigenProducten", "TeWijzigenProduct", i, n, base=VERZOEK))
        for i, p in enumerate(v.te_wijzigen_producten)
    ]
    yield from _duplicates((p.toewijzing_nummer, path) for p, path in te_wijzigen)
    for p, path in te_wijzigen:
        # The product is the allocation's and not in the message: CD079/CD041/CD096 do not apply.
        yield from _omvang_budget(
            path,
            product=None,
            omvang=p.omvang,
            budget=p.budget,
            einddatum=p.einddatum,
            code_leeg_regel=None,
            frequentie_regel="CS338",
            product_verplicht=False,
        )
        yield from _not_before(p.einddatum, p.gewenste_ingangsdatum, f"{path}/Einddatum")

    n = len(v.nieuwe_producten)
    nieuw = [
        (p, item_path("NieuweProducten", "NieuwProduct", i, n, base=VERZOEK))
        for i, p in enumerate(v.nieuwe_producten)
    ]
    yield from _duplicates(
        ((p.gewenste_ingangsdatum, _product_key(p.product)), path) for p, path in nieuw
    )
    for p, path in nieuw:
        yield from _omvang_budget(
            path,
            product=p.product,
            omvang=p.omvang,
            budget=p.budget,
            einddatum=p.einddatum,
            code_leeg_regel="CD096",
            frequentie_regel="CS338",
        )
        yield from _not_before(p.einddatum, p.gewenste_ingangsdatum, f"{path}/Einddatum")
        if p.gewenste_ingangsdatum <= dag:
            yield error(
                "TR380",
                f"{path}/GewensteIngangsdatum",
                f"GewensteIngangsdatum {p.gewenste_ingangsdatum}, Dagtekening {dag}.",
            )
    yield from _stacking(
        "TR410", [(p.product, p.gewenste_ingangsdatum, p.einddatum, path) for p, path in nieuw]
    )


# --- WMO319 antwoord ----------------------------------------------------------------------


def _wmo319(b: Antwoordbericht) -> Iterator[IwmoError]:
    a = b.antwoord
    if a.verzoek_antwoord == "1" and a.reden_afwijzing_verzoek is None:
        yield error("CD085", f"{ANTWOORD}/RedenAfwijzingVerzoek")
    if a.verzoek_antwoord == "2" and a.reden_afwijzing_verzoek is not None:
        yield error("CD086", f"{ANTWOORD}/RedenAfwijzingVerzoek")


# --- WMO323 declaratie -------------------------------------------------------------------


def is_one_calendar_month(begindatum: date, einddatum: date) -> bool:
    """CS340: from the first day of a month up to and including its last day."""
    return begindatum.day == 1 and einddatum == last_day_of_month(begindatum)


def last_day_of_month(day: date) -> date:
    return date.fromordinal(add_months(day.replace(day=1), 1).toordinal() - 1)


def _zero_is_debet(bedrag: Bedrag, path: str) -> Iterator[IwmoError]:
    if bedrag.bedrag == 0 and bedrag.debet_credit == CREDIT:
        yield error("CS325", f"{path}/DebetCredit")


def amount_matches_tariff(eenheid: str, volume: int, tarief: int, bedrag: int) -> bool:
    """TR346 on the Prestatie's own ProductTarief.

    Minutes are declared against an hourly contract tariff (IV081): the amount is the hourly
    tariff × volume / 60, rounded to whole cents, while ProductTarief carries the per-minute
    tariff rounded to whole cents. So for minutes any hourly tariff that rounds to the stated
    ProductTarief may explain the amount.
    """
    if volume * tarief == bedrag:
        return True
    if eenheid != EENHEID_MINUUT:
        return False
    return any(
        (uurtarief * volume + 30) // 60 == bedrag
        for uurtarief in range(max(0, 60 * tarief - 30), 60 * tarief + 30)
        if (uurtarief + 30) // 60 == tarief
    )


def _wmo323(b: Declaratiebericht) -> Iterator[IwmoError]:
    d, dag = b.declaratie, b.header.dagtekening
    periode = d.declaratie_periode
    if not _ALFANUMERIEK.fullmatch(d.declaratie_nummer):
        yield error(
            "CS319", f"{DECLARATIE}/DeclaratieNummer", f"Gevonden: {d.declaratie_nummer!r}."
        )
    p_path = f"{DECLARATIE}/DeclaratiePeriode"
    if periode.begindatum < _MIN_DECLARATIE:
        yield error("CS100", f"{p_path}/Begindatum", f"Gevonden: {periode.begindatum}.")
    if not is_one_calendar_month(periode.begindatum, periode.einddatum):
        wrong = "Begindatum" if periode.begindatum.day != 1 else "Einddatum"
        yield error(
            "CS340", f"{p_path}/{wrong}", f"Periode {periode.begindatum} t/m {periode.einddatum}."
        )
    yield from _not_after_dagtekening(periode.begindatum, f"{p_path}/Begindatum", dag)
    yield from _period_end(periode.begindatum, periode.einddatum, f"{p_path}/Einddatum", dag)
    totaal_path = f"{DECLARATIE}/TotaalIngediendBedrag"
    yield from _zero_is_debet(d.totaal_ingediend_bedrag, totaal_path)
    som = sum(p.ingediend_bedrag.waarde for c in d.clienten for p in c.prestaties)
    if d.totaal_ingediend_bedrag.waarde != som:
        yield error(
            "TR358",
            f"{totaal_path}/TotaalBedrag",
            f"Totaal {d.totaal_ingediend_bedrag.waarde}, som van de prestaties {som}.",
        )

    nc = len(d.clienten)
    client_paths = [declaratie_client_path(i, nc) for i in range(nc)]
    yield from _duplicates((c.bsn, path) for c, path in zip(d.clienten, client_paths, strict=True))
    prestaties = []
    for ci, client in enumerate(d.clienten):
        yield from _bsn(client.bsn, f"{client_paths[ci]}/Bsn")
        np_ = len(client.prestaties)
        paths = [prestatie_path(ci, nc, pi, np_) for pi in range(np_)]
        yield from _duplicates(
            ((p.referentie_nummer, p.vorig_referentie_nummer), path)
            for p, path in zip(client.prestaties, paths, strict=True)
        )
        prestaties += [(ci, p, path) for p, path in zip(client.prestaties, paths, strict=True)]

    for _, p, path in prestaties:
        yield from _prestatie(b, p, path)

    referenties = {p.referentie_nummer for _, p, _ in prestaties}
    vorige: set[str] = set()
    debet_keys: dict[tuple[object, ...], str] = {}
    for ci, p, path in prestaties:
        vorig = p.vorig_referentie_nummer
        if vorig is not None:
            vorig_path = f"{path}/ProductReferentie/VorigReferentieNummer"
            if vorig in vorige:
                yield error("TR315", vorig_path, f"{vorig} komt vaker voor.")
            vorige.add(vorig)
            if vorig in referenties:
                yield error("TR316", vorig_path, f"{vorig} is in dit bericht gedeclareerd.")
        if p.ingediend_bedrag.debet_credit == DEBET:
            # Per client, as the XSLT compares sibling Prestaties.
            key = (ci, p.product_periode, p.product_categorie, p.product_code, p.toewijzing_nummer)
            if key in debet_keys:
                yield error("TR416", path, f"Zelfde debetprestatie als {debet_keys[key]}.")
            debet_keys.setdefault(key, path)


def _period_end(begin: date, end: date, path: str, dag: date) -> Iterator[IwmoError]:
    if end < begin or end > dag:
        yield error("TR137", path, f"Einddatum {end}, Begindatum {begin}, Dagtekening {dag}.")


def _prestatie(b: Declaratiebericht, p: Prestatie, path: str) -> Iterator[IwmoError]:
    d, dag = b.declaratie, b.header.dagtekening
    pp, pp_path = p.product_periode, f"{path}/ProductPeriode"
    if p.is_credit != (p.vorig_referentie_nummer is not None):
        yield error(
            "CD060",
            f"{path}/ProductReferentie/VorigReferentieNummer",
            f"DebetCredit {p.ingediend_bedrag.debet_credit}.",
        )
    if pp.begindatum < _MIN_DECLARATIE:
        yield error("CS100", f"{pp_path}/Begindatum", f"Gevonden: {pp.begindatum}.")
    if (pp.einddatum.year, pp.einddatum.month) != (pp.begindatum.year, pp.begindatum.month):
        yield error("CS337", f"{pp_path}/Einddatum", f"Periode {pp.begindatum} t/m {pp.einddatum}.")
    yield from _not_after_dagtekening(pp.begindatum, f"{pp_path}/Begindatum", dag)
    yield from _period_end(pp.begindatum, pp.einddatum, f"{pp_path}/Einddatum", dag)
    einde_declaratieperiode = d.declaratie_periode.einddatum
    if pp.begindatum > einde_declaratieperiode or pp.einddatum > einde_declaratieperiode:
        yield error("TR319", pp_path, f"DeclaratiePeriode eindigt {einde_declaratieperiode}.")
    if pp.einddatum < add_months(d.declaratie_dagtekening, -60):
        yield error(
            "TR335",
            f"{pp_path}/Einddatum",
            f"Einddatum {pp.einddatum}, DeclaratieDagtekening {d.declaratie_dagtekening}.",
        )
    if (p.product_tarief is None) == (p.eenheid != EENHEID_EURO):
        yield error("CD087", f"{path}/ProductTarief", f"Eenheid {p.eenheid}.")
    bedrag = p.ingediend_bedrag.bedrag
    if p.eenheid == EENHEID_EURO and bedrag != p.geleverd_volume:
        yield error(
            "CS339",
            f"{path}/IngediendBedrag/Bedrag",
            f"Bedrag {bedrag}, GeleverdVolume {p.geleverd_volume}.",
        )
    if (
        p.eenheid != EENHEID_EURO
        and p.product_tarief is not None
        and not amount_matches_tariff(p.eenheid, p.geleverd_volume, p.product_tarief, bedrag)
    ):
        yield error(
            "TR346",
            f"{path}/IngediendBedrag/Bedrag",
            f"Verwacht {p.geleverd_volume} × {p.product_tarief} = "
            f"{p.geleverd_volume * p.product_tarief}, gevonden {bedrag}.",
        )
    yield from _zero_is_debet(p.ingediend_bedrag, f"{path}/IngediendBedrag")
