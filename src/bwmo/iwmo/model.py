"""Typed, immutable pictures of iWmo 3.2 messages.

Names follow the standard's berichtklassen and berichtelementen (``ToegewezenProduct``,
``StartProduct``, ``Prestatie`` …) so a reader can hold a dataclass next to the XSD. Codes
stay strings exactly as the code lists spell them (``"01"`` is not ``"1"``); amounts are
eurocents; dates carry no time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

# COD002 (Vektis berichtcode) per message type. The heenbericht XSDs pin the same values;
# tests/iwmo check both sources agree with this table.
BERICHTCODES: dict[str, str] = {
    "WMO301": "414",
    "WMO302": "415",
    "WMO305": "418",
    "WMO306": "419",
    "WMO307": "420",
    "WMO308": "421",
    "WMO315": "444",
    "WMO316": "445",
    "WMO317": "480",
    "WMO318": "481",
    "WMO319": "482",
    "WMO320": "483",
    "WMO323": "484",
    "WMO325": "485",
}
BERICHTVERSIE = 3
BERICHTSUBVERSIE = 2

# Retour message for each message a municipality receives (IV028).
RETOUR_VOOR: dict[str, str] = {
    "WMO305": "WMO306",
    "WMO307": "WMO308",
    "WMO315": "WMO316",
    "WMO317": "WMO318",
}

RETOURCODE_GOED = "0200"  # Geen opmerking over deze berichtklasse
RETOURCODE_NIET_BEOORDEELD = "0233"
RETOURCODE_TECHNISCH = "0001"  # controleniveau 2: afgekeurd om technische redenen
RETOURCODE_VOLLEDIG_TOEGEWEZEN = "8001"

EENHEID_MINUUT = "01"
EENHEID_UUR = "04"
EENHEID_EURO = "83"
FREQUENTIE_PER_DAG = "1"
FREQUENTIE_PER_WEEK = "2"
FREQUENTIE_PER_MAAND = "4"
FREQUENTIE_TOTAAL = "6"
REDEN_WIJZIGING_VERVALLEN = "01"
REDEN_WIJZIGING_VERWIJDERD = "13"
REDEN_BEEINDIGING_TIJDELIJK = "20"
STATUS_EERSTE_AANLEVERING = "1"
STATUS_VERWIJDEREN = "3"
DEBET = "D"
CREDIT = "C"


@dataclass(frozen=True)
class IwmoError:
    """One finding: the standard's rule code, where in the message, and what was expected.

    ``code`` is the rule (``CS002``, ``TR346`` …) or ``XSD``/``XML`` for schema and syntax
    errors (``ENCODING``, ``DOCTYPE``, ``SIZE``, ``DEPTH`` for files refused before parsing).
    ``retourcode`` is the WJ001 code a retour message carries for it (``0001`` for every
    in-message rule, controleniveau 2); ``None`` where no retour message is sent.

    ``message`` holds only what may be stored and shown to anyone: the rule's text or the
    expected form (a pattern, the allowed codes, a maximum length), never a value from the
    message. ``detail`` holds what was found (a date, a BSN, the parser's own message): for
    whoever has the file anyway (``bwmo iwmo validate``), never stored.
    """

    code: str
    path: str
    message: str
    retourcode: str | None = None
    detail: str = ""

    @property
    def full(self) -> str:
        """Message and detail: for the command line, where the user has the file."""
        return f"{self.message} {self.detail}".strip()


@dataclass(frozen=True)
class XsdVersie:
    basisschema: str
    bericht: str


@dataclass(frozen=True)
class Header:
    berichtcode: str
    berichtversie: int
    berichtsubversie: int
    afzender: str
    ontvanger: str
    identificatie: str
    dagtekening: date
    xsd_versie: XsdVersie

    @property
    def message_type(self) -> str | None:
        return next((t for t, c in BERICHTCODES.items() if c == self.berichtcode), None)


@dataclass(frozen=True)
class Periode:
    """CDT_OpenPeriode: begin and/or end."""

    begindatum: date | None = None
    einddatum: date | None = None


@dataclass(frozen=True)
class GeslotenPeriode:
    """CDT_GeslotenPeriode: both ends, inclusive."""

    begindatum: date
    einddatum: date

    def __contains__(self, day: date) -> bool:
        return self.begindatum <= day <= self.einddatum


@dataclass(frozen=True)
class Geboortedatum:
    datum: date
    datum_gebruik: str | None = None  # COD170: 1 dag, 2 dag+maand, 3 alles onbekend


@dataclass(frozen=True)
class Achternaam:
    naam: str
    voorvoegsel: str | None = None


@dataclass(frozen=True)
class Naam:
    """CDT_VolledigeNaam (301) or, without partnernaam and naamgebruik, CDT_VerkorteNaam."""

    geslachtsnaam: Achternaam
    voornamen: str | None = None
    voorletters: str | None = None
    partnernaam: Achternaam | None = None
    naamgebruik: str | None = None  # COD700; required in the 301


@dataclass(frozen=True)
class Communicatie:
    vorm: str  # COD747: 1 tolk taal, 2 doventolk, 3 doofblindentolk
    taal: str | None = None


@dataclass(frozen=True)
class Huis:
    huisnummer: int
    huisletter: str | None = None
    huisnummer_toevoeging: str | None = None
    aanduiding_woonadres: str | None = None


@dataclass(frozen=True)
class Adres:
    huis: Huis | None = None
    postcode: str | None = None
    straatnaam: str | None = None
    plaatsnaam: str | None = None
    landcode: str | None = None


@dataclass(frozen=True)
class Telefoon:
    telefoonnummer: str
    landnummer: str = "0031"


@dataclass(frozen=True)
class Contact:
    soort: str  # COD757: 01 BRP, 02 correspondentie, 03 verblijf, 04 tijdelijk verblijf
    adres: Adres | None = None
    organisatie: str | None = None
    telefoon: tuple[Telefoon, ...] = ()  # Telefoon01 and optionally Telefoon02
    emailadres: str | None = None
    periode: Periode | None = None


@dataclass(frozen=True)
class Relatie:
    nummer: str
    soort: str  # COD472
    naam: Naam
    contact: Contact
    volgorde: int | None = None
    geboortedatum: Geboortedatum | None = None
    geslacht: str | None = None


@dataclass(frozen=True)
class Client:
    """The client as the 301 describes him or her."""

    bsn: str
    geboortedatum: Geboortedatum
    geslacht: str  # COD046
    naam: Naam
    contactgegevens: tuple[Contact, ...]
    communicatie: Communicatie | None = None
    juridische_status: str | None = None
    wettelijke_vertegenwoordiging: str | None = None
    commentaar: str | None = None
    relaties: tuple[Relatie, ...] = ()


@dataclass(frozen=True)
class ClientBasis:
    """The shorter client of the 305, 307 and 315 (CDT_VerkorteNaam, no contact details)."""

    bsn: str
    geboortedatum: Geboortedatum
    geslacht: str
    naam: Naam
    commentaar: str | None = None  # 315 only


@dataclass(frozen=True)
class Product:
    categorie: str  # WMO020, e.g. 15 Beschermd wonen
    code: str | None = None  # from the region's product list


@dataclass(frozen=True)
class Omvang:
    volume: int
    eenheid: str  # WJ756
    frequentie: str  # WMO757


@dataclass(frozen=True)
class ToegewezenProduct:
    toewijzing_nummer: int
    toewijzingsdatum: date
    toewijzingstijd: time
    ingangsdatum: date
    product: Product | None = None
    einddatum: date | None = None
    reden_wijziging: str | None = None  # WMO002
    omvang: Omvang | None = None
    budget: int | None = None
    referentie_aanbieder: str | None = None
    commentaar: str | None = None

    @property
    def verwijderd(self) -> bool:
        """Withdrawn (13) or voided (01) with einddatum = ingangsdatum: not a current allocation."""
        return (
            self.reden_wijziging in (REDEN_WIJZIGING_VERWIJDERD, REDEN_WIJZIGING_VERVALLEN)
            and self.einddatum == self.ingangsdatum
        )


@dataclass(frozen=True)
class Toewijzingbericht:
    """WMO301: all allocations for one client at one provider."""

    header: Header
    client: Client
    toegewezen_producten: tuple[ToegewezenProduct, ...]


@dataclass(frozen=True)
class StartProduct:
    begindatum: date
    status_aanlevering: str  # COD467
    toewijzing_nummer: int | None = None
    product: Product | None = None
    toewijzing_ingangsdatum: date | None = None


@dataclass(frozen=True)
class Startbericht:
    """WMO305: care started."""

    header: Header
    client: ClientBasis
    start_producten: tuple[StartProduct, ...]


@dataclass(frozen=True)
class StopProduct:
    begindatum: date
    reden_beeindiging: str  # WMO588; 20 = tijdelijk beëindigd
    einddatum: date
    status_aanlevering: str
    toewijzing_nummer: int | None = None
    product: Product | None = None
    toewijzing_ingangsdatum: date | None = None


@dataclass(frozen=True)
class Stopbericht:
    """WMO307: care stopped."""

    header: Header
    client: ClientBasis
    stop_producten: tuple[StopProduct, ...]


@dataclass(frozen=True)
class Verwijzer:
    type: str  # COD327
    naam: str | None = None
    zorgverlener_code: str | None = None


@dataclass(frozen=True)
class AangevraagdProduct:
    referentie_aanbieder: str
    toewijzing_ingangsdatum: date
    verwijzer: Verwijzer
    beschikking_nummer: int | None = None
    product: Product | None = None
    beschikking_ingangsdatum: date | None = None
    toewijzing_einddatum: date | None = None
    omvang: Omvang | None = None
    budget: int | None = None
    raamcontract: bool | None = None
    commentaar: str | None = None


@dataclass(frozen=True)
class VerzoekOmToewijzingbericht:
    """WMO315: the provider asks for an allocation."""

    header: Header
    client: ClientBasis
    aangevraagde_producten: tuple[AangevraagdProduct, ...]


@dataclass(frozen=True)
class TeWijzigenProduct:
    toewijzing_nummer: int
    gewenste_ingangsdatum: date
    einddatum: date | None = None
    omvang: Omvang | None = None
    budget: int | None = None


@dataclass(frozen=True)
class NieuwProduct:
    gewenste_ingangsdatum: date
    product: Product | None = None
    einddatum: date | None = None
    omvang: Omvang | None = None
    budget: int | None = None


@dataclass(frozen=True)
class Verzoek:
    referentie_aanbieder: str
    reden_verzoek: str  # WJ758
    ongewijzigde_producten: tuple[int, ...] = ()  # ToewijzingNummer of each OngewijzigdProduct
    te_wijzigen_producten: tuple[TeWijzigenProduct, ...] = ()
    nieuwe_producten: tuple[NieuwProduct, ...] = ()


@dataclass(frozen=True)
class VerzoekOmWijzigingbericht:
    """WMO317: the provider asks to change the allocations; lists all current ones."""

    header: Header
    bsn: str
    verzoek: Verzoek


@dataclass(frozen=True)
class Antwoord:
    referentie_aanbieder: str
    verzoek_antwoord: str  # WJ760: 1 afgewezen, 2 in onderzoek
    reden_afwijzing_verzoek: str | None = None  # WJ759


@dataclass(frozen=True)
class Antwoordbericht:
    """WMO319: the municipality's answer to a 315 or 317."""

    header: Header
    antwoord: Antwoord


@dataclass(frozen=True)
class Bedrag:
    """CDT_BedragMetDC / CDT_TotaalBedragMetDC: an unsigned amount with its debet/credit sign."""

    bedrag: int
    debet_credit: str = DEBET

    @property
    def waarde(self) -> int:
        return -self.bedrag if self.debet_credit == CREDIT else self.bedrag

    @classmethod
    def van_waarde(cls, waarde: int) -> Bedrag:
        # CS325: zero is always debet.
        return cls(abs(waarde), CREDIT if waarde < 0 else DEBET)


@dataclass(frozen=True)
class Prestatie:
    referentie_nummer: str
    toewijzing_nummer: int
    product_categorie: str
    product_code: str
    product_periode: GeslotenPeriode
    geleverd_volume: int
    eenheid: str
    ingediend_bedrag: Bedrag
    product_tarief: int | None = None
    vorig_referentie_nummer: str | None = None

    @property
    def is_credit(self) -> bool:
        return self.ingediend_bedrag.debet_credit == CREDIT


@dataclass(frozen=True)
class DeclaratieClient:
    bsn: str
    prestaties: tuple[Prestatie, ...]


@dataclass(frozen=True)
class Declaratie:
    declaratie_nummer: str
    declaratie_periode: GeslotenPeriode
    declaratie_dagtekening: date
    totaal_ingediend_bedrag: Bedrag
    clienten: tuple[DeclaratieClient, ...]


@dataclass(frozen=True)
class Declaratiebericht:
    """WMO323: a provider's declaration for one calendar month."""

    header: Header
    declaratie: Declaratie


Bericht = (
    Toewijzingbericht
    | Startbericht
    | Stopbericht
    | VerzoekOmToewijzingbericht
    | VerzoekOmWijzigingbericht
    | Antwoordbericht
    | Declaratiebericht
)
