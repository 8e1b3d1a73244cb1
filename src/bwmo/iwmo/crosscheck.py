"""Rules that need more than the message: earlier messages, allocations, tariffs, CBS codes.

These are the standard's berichtoverstijgende technische regels (controleniveau 3) and
its external-source rules (controleniveau 4). Each function takes the state it needs as
plain arguments, so the app feeds them from its database and the rules stay pure. Every
finding carries the rule's own retourcode (WJ001), which goes into the retour message or
the declaratie-antwoord next to the berichtklasse at its path.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from bwmo.iwmo._xml import (
    ANTWOORD,
    CLIENT,
    DECLARATIE,
    HEADER,
    VERZOEK,
    item_path,
    prestatie_path,
)
from bwmo.iwmo.catalogue import Regel, catalogue
from bwmo.iwmo.model import (
    EENHEID_EURO,
    EENHEID_MINUUT,
    EENHEID_UUR,
    FREQUENTIE_PER_DAG,
    FREQUENTIE_PER_MAAND,
    FREQUENTIE_PER_WEEK,
    FREQUENTIE_TOTAAL,
    REDEN_BEEINDIGING_TIJDELIJK,
    REDEN_WIJZIGING_VERWIJDERD,
    STATUS_EERSTE_AANLEVERING,
    STATUS_VERWIJDEREN,
    Antwoord,
    Antwoordbericht,
    Bericht,
    Declaratiebericht,
    GeslotenPeriode,
    Header,
    IwmoError,
    Prestatie,
    Product,
    Startbericht,
    StartProduct,
    Stopbericht,
    StopProduct,
    ToegewezenProduct,
    Toewijzingbericht,
    VerzoekOmToewijzingbericht,
    VerzoekOmWijzigingbericht,
)
from bwmo.iwmo.rules import last_day_of_month, periods_overlap, same_product

# The rule texts as the standard states them (technische-regels/berichtoverstijgend and
# externe-bron), each with its own retourcode (WJ001).
_REGELS: dict[str, Regel] = catalogue(
    (
        Regel(
            "TR019",
            "De start of stop moet gerelateerd zijn aan een toewijzing op basis "
            "van het ToewijzingNummer.",
            "9019",
        ),
        Regel(
            "TR056",
            "Identificatie moet per berichtsoort uniek zijn voor de verzendende partij.",
            "9056",
        ),
        Regel(
            "TR063",
            "Bij StatusAanlevering 3 moet een eerdere aanlevering met dezelfde "
            "logische sleutel verstuurd zijn.",
            "9063",
        ),
        Regel(
            "TR071",
            "StatusAanlevering mag niet 3 zijn als voor de start al een stop is verstuurd.",
            "9071",
        ),
        Regel(
            "TR074",
            "Bij StatusAanlevering 1 moet de sleutel uniek zijn over alle reeds "
            "ontvangen berichten.",
            "9074",
        ),
        Regel("TR304", "Bsn moet overeenkomen met Bsn van een Client.", "8187"),
        Regel(
            "TR307",
            "Begindatum in ProductPeriode moet groter dan of gelijk zijn aan "
            "Ingangsdatum in ToegewezenProduct.",
            "9307",
        ),
        Regel(
            "TR308",
            "Einddatum in ProductPeriode moet kleiner dan of gelijk zijn aan "
            "Einddatum in ToegewezenProduct, indien die gevuld is.",
            "9308",
        ),
        Regel(
            "TR314",
            "ReferentieNummer van de Prestatie moet uniek zijn voor de aanbieder, "
            "binnen één bericht en berichtoverstijgend.",
            "8021",
        ),
        Regel(
            "TR321",
            "GeleverdVolume in de Prestatie moet passen binnen de Omvang "
            "van het ToegewezenProduct.",
            "9321",
        ),
        Regel(
            "TR322",
            "De som van GeleverdVolume op een ToegewezenProduct moet passen binnen "
            "de toegewezen Omvang.",
            "9322",
        ),
        Regel(
            "TR323",
            "Een credit Prestatie moet gerelateerd zijn aan een eerder verzonden "
            "(goedgekeurde) debet Prestatie op basis van sleutelvelden.",
            "8017",
        ),
        Regel(
            "TR326",
            "Een Startbericht mag pas verstuurd worden als er géén actueel "
            "Startbericht bij het ToegewezenProduct is.",
            "9326",
        ),
        Regel(
            "TR332", "Ieder ToegewezenProduct binnen één gemeente heeft een uniek nummer.", "9332"
        ),
        Regel("TR333", "DeclaratieNummer moet uniek zijn voor de aanbieder.", "9333"),
        Regel(
            "TR338",
            "De Prestatie is gerelateerd aan een ToegewezenProduct op basis "
            "van het ToewijzingNummer.",
            "9338",
        ),
        Regel(
            "TR339",
            "ProductCategorie in Prestatie moet gelijk zijn aan ProductCategorie "
            "in het ToegewezenProduct.",
            "9339",
        ),
        Regel(
            "TR340",
            "ProductCode in Prestatie moet gelijk zijn aan ProductCode in het ToegewezenProduct.",
            "9340",
        ),
        Regel(
            "TR341",
            "Eenheid in Prestatie moet passen bij Eenheid in het ToegewezenProduct.",
            "9341",
        ),
        Regel(
            "TR346",
            "IngediendBedrag moet gelijk zijn aan GeleverdVolume vermenigvuldigd "
            "met het (contractuele, onafgeronde) ProductTarief.",
            "9346",
        ),
        Regel("TR347", "ReferentieAanbieder is uniek voor de aanbieder.", "9347"),
        Regel(
            "TR349",
            "Het verzoek om wijziging bevat alle actuele ToegewezenProducten van de client.",
            "9349",
        ),
        Regel(
            "TR350",
            "Ieder OngewijzigdProduct is gerelateerd aan een actueel toegewezen "
            "product op basis van het ToewijzingNummer.",
            "9350",
        ),
        Regel(
            "TR351",
            "Ieder TeWijzigenProduct is gerelateerd aan een actueel "
            "ToegewezenProduct op basis van ToewijzingNummer.",
            "9351",
        ),
        Regel(
            "TR355",
            "ReferentieAanbieder in het antwoordbericht komt voor in een eerder "
            "verzoek om toewijzing of verzoek om wijziging.",
            "9355",
        ),
        Regel(
            "TR357",
            "Als GewensteIngangsdatum kleiner dan of gelijk is aan de dagtekening, "
            "dan is die gelijk aan de ingangsdatum van het originele ToegewezenProduct.",
            "9357",
        ),
        Regel(
            "TR359",
            "Er mag niet al een toewijzingsbericht gestuurd zijn met dezelfde ReferentieAanbieder.",
            "9359",
        ),
        Regel(
            "TR360",
            "Een antwoord 2 (Aanvraag in onderzoek) mag alleen als er nog geen "
            "antwoordbericht is met deze ReferentieAanbieder.",
            "9360",
        ),
        Regel(
            "TR361",
            "Een Product mag alleen vaker in verzoek om wijziging voorkomen als de "
            "zorgperiodes elkaar niet overlappen.",
            "9361",
        ),
        Regel(
            "TR365",
            "Als er al een antwoordbericht is met dezelfde ReferentieAanbieder dan "
            "moet VerzoekAntwoord daar de waarde 2 (Aanvraag in onderzoek) hebben.",
            "9365",
        ),
        Regel(
            "TR369",
            "De som van GeleverdVolume op een ToegewezenProduct moet passen binnen "
            "het toegewezen Budget.",
            "9369",
        ),
        Regel(
            "TR373",
            "Bij wijziging van Budget of totaal over de toewijzingsperiode is "
            "GewensteIngangsdatum gelijk aan die van de actuele toewijzing.",
            "9373",
        ),
        Regel(
            "TR374",
            "Een verzoek mag alleen als er geen onderhanden verzoek is voor deze "
            "client van dezelfde aanbieder.",
            "9374",
        ),
        Regel(
            "TR375",
            "Omvang leeg laten als Product in de toewijzing leeg is en de "
            "Einddatum na 31-12-2020 ligt of leeg is.",
            "9375",
        ),
        Regel(
            "TR378",
            "Vullen met een bestaande gemeentecode uit het overzicht van CBS dat "
            "actueel is op Ingangsdatum of ToewijzingIngangsdatum.",
            "S300",
        ),
        Regel(
            "TR379",
            "ReferentieAanbieder alleen vullen met die uit de gehonoreerde VOT of VOW.",
            "9379",
        ),
        Regel(
            "TR381",
            "ProductCode vullen met een code die volgens de productcodelijst past "
            "bij de ProductCategorie.",
            "S329",
        ),
        Regel(
            "TR382",
            "De sleutelelementen uit het startbericht moeten ongewijzigd in het stopbericht staan.",
            "9069",
        ),
        Regel(
            "TR384", "Niet declareren op een toewijzing met RedenWijziging 13 (Verwijderd).", "9384"
        ),
        Regel(
            "TR385",
            "Een toewijzing met goedgekeurde prestaties mag niet verwijderd worden "
            "(RedenWijziging 13).",
            "9385",
        ),
        Regel(
            "TR387",
            "Begindatum van de ProductPeriode is de eerste dag van de maand, tenzij "
            "de Ingangsdatum van de toewijzing later in die maand ligt.",
            "9387",
        ),
        Regel(
            "TR388",
            "Einddatum van de ProductPeriode is de laatste dag van de maand, tenzij "
            "de Einddatum van de toewijzing eerder in die maand ligt.",
            "9388",
        ),
        Regel(
            "TR389",
            "Een debetprestatie voor dezelfde ProductPeriode, ProductCategorie, "
            "ProductCode en ToewijzingNummer mag alleen als de eerdere is gecrediteerd.",
            "9389",
        ),
        Regel(
            "TR390",
            "Credit mag alleen als er voor dezelfde ProductReferentie nog geen creditprestatie is.",
            "9390",
        ),
        Regel(
            "TR411",
            "Omvang verplicht vullen als Code in Product bij de toewijzing gevuld is.",
            "9411",
        ),
        Regel(
            "TR412",
            "Omvang leeg laten als Code in Product bij de toewijzing leeg is en de "
            "einddatum na 31-12-2020 ligt of leeg is.",
            "9412",
        ),
        Regel(
            "TR413",
            "Na een tijdelijke stop (20) met dezelfde sleutel moet RedenBeeindiging "
            "anders zijn dan 20.",
            "9413",
        ),
        Regel(
            "TR414",
            "Einddatum moet >= de Einddatum van het actuele StopProduct met dezelfde sleutel zijn.",
            "9414",
        ),
        Regel(
            "TR415",
            "Er mag geen definitief StopProduct (reden <> 20) met dezelfde sleutel zijn.",
            "9415",
        ),
        Regel(
            "TR418",
            "ProductTarief in Prestatie dient overeen te komen met het contractuele "
            "tarief van ProductCode.",
            "0611",
        ),
    )
)

_CUTOFF_2020 = date(2020, 12, 31)
_OUTPUT_EENHEDEN = ("82", "83")  # stuks (output) and euro's: outputgericht (IV077)
_HUISHOUDELIJKE_HULP = "01"


def _error(code: str, path: str, detail: str = "") -> IwmoError:
    regel = _REGELS[code]
    return IwmoError(code, path, regel.tekst, regel.retourcode, detail=detail)


# --- state the app provides -----------------------------------------------------------------


@dataclass(frozen=True)
class Toewijzing:
    """An allocation on record: the latest ToegewezenProduct sent under its number."""

    bsn: str
    aanbieder: str  # AGB code
    toegewezen_product: ToegewezenProduct

    @property
    def nummer(self) -> int:
        return self.toegewezen_product.toewijzing_nummer

    def actueel_op(self, day: date) -> bool:
        """Valid on or after ``day`` and not withdrawn (TR349, OP087)."""
        tp = self.toegewezen_product
        return not tp.verwijderd and (tp.einddatum is None or tp.einddatum >= day)


@dataclass(frozen=True)
class Tarief:
    """A contract tariff of the declaring provider, in eurocents per ``eenheid``."""

    product: Product
    eenheid: str
    bedrag: int
    ingangsdatum: date
    einddatum: date | None = None

    def geldig_op(self, day: date) -> bool:
        return self.ingangsdatum <= day and (self.einddatum is None or day <= self.einddatum)


@dataclass(frozen=True)
class EerderePrestatie:
    """A Prestatie of an earlier 323 from this provider, and whether it was toegekend."""

    prestatie: Prestatie
    toegekend: bool


@dataclass(frozen=True)
class Gemeente:
    """A CBS municipality code (4 digits, as in the messages) and when it was valid."""

    code: str
    ingangsdatum: date
    einddatum: date | None = None

    def geldig_op(self, day: date) -> bool:
        return self.ingangsdatum <= day and (self.einddatum is None or day <= self.einddatum)


# --- declaratie against allocations and contract ------------------------------------------------


def _weeks(begin: date, end: date) -> int:
    """Calendar weeks touched by the period, counted by ISO week number (IV077): the weeks
    from the Monday on or before ``begin`` up to ``end``."""
    if end < begin:
        return 0
    monday = begin - timedelta(days=begin.weekday())
    return (end - monday).days // 7 + 1


def _sundays(begin: date, end: date) -> int:
    if end < begin:
        return 0
    first = begin + timedelta(days=6 - begin.weekday())
    return 0 if first > end else (end - first).days // 7 + 1


def _months(begin: date, end: date) -> int:
    return (end.year - begin.year) * 12 + end.month - begin.month + 1


def _per_minute(allocated: str, declared: str) -> int:
    """Factor from the allocation's unit to the Prestatie's: hours may be declared in minutes."""
    return 60 if (allocated, declared) == (EENHEID_UUR, EENHEID_MINUUT) else 1


def max_volume_in_periode(
    tp: ToegewezenProduct, periode: GeslotenPeriode, eenheid: str
) -> int | None:
    """The most a Prestatie over ``periode`` may declare on an allocation (TR321, IV077-78).

    ``None`` when the allocation has no Omvang. Per week: inspanningsgericht counts the
    calendar weeks in the period (six for huishoudelijke hulp, categorie 01), outputgericht
    the Sundays, plus one week when the allocation's last, broken week falls in the period.
    Per month: the whole monthly volume, also for a broken month (IV078).
    """
    omvang = tp.omvang
    if omvang is None:
        return None
    begin = max(periode.begindatum, tp.ingangsdatum)
    end = min(periode.einddatum, tp.einddatum) if tp.einddatum else periode.einddatum
    factor = _per_minute(omvang.eenheid, eenheid)
    if end < begin:
        return 0
    match omvang.frequentie:
        case "1":
            units = (end - begin).days + 1
        case "2" if tp.product is not None and tp.product.categorie == _HUISHOUDELIJKE_HULP:
            units = 6
        case "2" if omvang.eenheid in _OUTPUT_EENHEDEN:
            units = _sundays(begin, end)
            einde = tp.einddatum
            if einde is not None and einde.isoweekday() != 7:
                # The broken last week counts where the allocation's last Sunday falls
                # (IV076), or at its end if it has no Sunday at all.
                laatste_zondag = einde - timedelta(days=einde.isoweekday())
                anker = laatste_zondag if laatste_zondag >= tp.ingangsdatum else einde
                units += begin <= anker <= end
        case "2":
            units = _weeks(begin, end)
        case _:  # per maand, or the total for the whole allocation
            units = 1
    return omvang.volume * units * factor


def max_volume_toewijzing(tp: ToegewezenProduct, eenheid: str) -> int | None:
    """The most all Prestaties on an allocation together may declare (TR322).

    ``None`` when unbounded: no Omvang, or no Einddatum with a per-period frequency.
    """
    omvang = tp.omvang
    if omvang is None:
        return None
    factor = _per_minute(omvang.eenheid, eenheid)
    if omvang.frequentie == FREQUENTIE_TOTAAL:
        return omvang.volume * factor
    if tp.einddatum is None:
        return None
    begin, end = tp.ingangsdatum, tp.einddatum
    if omvang.frequentie == FREQUENTIE_PER_DAG:
        units = (end - begin).days + 1
    elif omvang.frequentie == FREQUENTIE_PER_WEEK and omvang.eenheid in _OUTPUT_EENHEDEN:
        units = _sundays(begin, end) + (0 if end.isoweekday() == 7 else 1)
    elif omvang.frequentie == FREQUENTIE_PER_WEEK:
        units = _weeks(begin, end)
    elif omvang.frequentie == FREQUENTIE_PER_MAAND:
        units = _months(begin, end)
    else:
        return None
    return omvang.volume * units * factor


def _round_cents(numerator: int, denominator: int) -> int:
    """Half-up rounding to whole cents (IV081: 'afgerond op 2 decimalen')."""
    return (2 * numerator + denominator) // (2 * denominator)


def _contract(tariffs: Sequence[Tarief], p: Prestatie) -> tuple[int, int] | None:
    """(expected ProductTarief, expected IngediendBedrag) from the contract, if any applies."""
    for t in tariffs:
        if (t.product.categorie, t.product.code) != (p.product_categorie, p.product_code):
            continue
        if not t.geldig_op(p.product_periode.begindatum):
            continue
        if t.eenheid == p.eenheid:
            return t.bedrag, t.bedrag * p.geleverd_volume
        if (t.eenheid, p.eenheid) == (EENHEID_UUR, EENHEID_MINUUT):
            return _round_cents(t.bedrag, 60), _round_cents(t.bedrag * p.geleverd_volume, 60)
    return None


def _volume(tp: ToegewezenProduct, p: Prestatie) -> tuple[int, str]:
    """Signed volume and its unit; on an allocation in hours everything counts in minutes,
    as hours may be declared in minutes (TR341) and both add up to one total."""
    in_uren = tp.omvang is not None and tp.omvang.eenheid == EENHEID_UUR
    factor = 60 if in_uren and p.eenheid == EENHEID_UUR else 1
    eenheid = EENHEID_MINUUT if in_uren else p.eenheid
    return (-1 if p.is_credit else 1) * p.geleverd_volume * factor, eenheid


def check_declaration_against_allocations(
    declaratie: Declaratiebericht,
    allocations: Sequence[Toewijzing],
    tariffs: Sequence[Tarief],
    *,
    eerdere_prestaties: Sequence[EerderePrestatie] = (),
    eerdere_declaratienummers: Collection[str] = (),
) -> list[IwmoError]:
    """A 323 against the allocations, the contract tariffs and the provider's earlier 323s.

    ``allocations``: the municipality's allocations (any client, any provider; only those
    of the declaring provider count). ``tariffs``: that provider's contract tariffs.
    ``eerdere_prestaties``: every Prestatie received before, with its outcome.

    Rules: TR304, TR307, TR308, TR314, TR321, TR322, TR323, TR333, TR338-TR341, TR346
    (against the contract tariff), TR369, TR384, TR387-TR390, TR418.
    """
    header, d = declaratie.header, declaratie.declaratie
    by_nummer = {t.nummer: t for t in allocations if t.aanbieder == header.afzender}
    errors: list[IwmoError] = []
    if d.declaratie_nummer in eerdere_declaratienummers:
        errors.append(
            _error(
                "TR333", f"{DECLARATIE}/DeclaratieNummer", f"{d.declaratie_nummer} is al gebruikt."
            )
        )

    toegekend = [e.prestatie for e in eerdere_prestaties if e.toegekend]
    gebruikte_referenties = {e.prestatie.referentie_nummer for e in eerdere_prestaties}
    gecrediteerd = {p.vorig_referentie_nummer for p in toegekend if p.is_credit}
    debet_op_ref = {p.referentie_nummer: p for p in toegekend if not p.is_credit}
    open_debet = {
        (p.product_periode, p.product_categorie, p.product_code, p.toewijzing_nummer)
        for p in debet_op_ref.values()
        if p.referentie_nummer not in gecrediteerd
    }
    eerder_per_nummer: dict[int, list[Prestatie]] = defaultdict(list)
    for p in toegekend:
        eerder_per_nummer[p.toewijzing_nummer].append(p)
    gedeclareerd: dict[int, int] = {}  # volume per ToewijzingNummer so far (TR322, TR369)

    nc = len(d.clienten)
    in_bericht: set[str] = set()
    for ci, client in enumerate(d.clienten):
        np_ = len(client.prestaties)
        for pi, p in enumerate(client.prestaties):
            path = prestatie_path(ci, nc, pi, np_)
            ref_path = f"{path}/ProductReferentie"
            if p.referentie_nummer in gebruikte_referenties or p.referentie_nummer in in_bericht:
                errors.append(
                    _error("TR314", f"{ref_path}/ReferentieNummer", f"{p.referentie_nummer}.")
                )
            in_bericht.add(p.referentie_nummer)
            errors += _credit_debet(p, ref_path, path, debet_op_ref, gecrediteerd, open_debet)

            toewijzing = by_nummer.get(p.toewijzing_nummer)
            if toewijzing is None:
                errors.append(
                    _error("TR338", f"{path}/ToewijzingNummer", f"Onbekend: {p.toewijzing_nummer}.")
                )
                continue
            if toewijzing.bsn != client.bsn:
                errors.append(_error("TR304", path, "De toewijzing hoort bij een andere client."))
                continue
            errors += _against_allocation(p, path, toewijzing.toegewezen_product, tariffs)
            errors += _contract_tariff(p, path, tariffs)

            tp, nummer = toewijzing.toegewezen_product, p.toewijzing_nummer
            if nummer not in gedeclareerd:
                gedeclareerd[nummer] = sum(_volume(tp, q)[0] for q in eerder_per_nummer[nummer])
            volume, eenheid = _volume(tp, p)
            gedeclareerd[nummer] += volume
            totaal = gedeclareerd[nummer]
            maximum = max_volume_toewijzing(tp, eenheid)
            if not p.is_credit and maximum is not None and totaal > maximum:
                errors.append(
                    _error(
                        "TR322", f"{path}/GeleverdVolume", f"Totaal {totaal}, toegewezen {maximum}."
                    )
                )
            if not p.is_credit and tp.budget is not None and totaal > tp.budget:
                errors.append(
                    _error(
                        "TR369", f"{path}/GeleverdVolume", f"Totaal {totaal}, budget {tp.budget}."
                    )
                )
    return errors


def _credit_debet(
    p: Prestatie,
    ref_path: str,
    path: str,
    debet_op_ref: dict[str, Prestatie],
    gecrediteerd: set[str | None],
    open_debet: set[tuple[GeslotenPeriode, str, str, int]],
) -> Iterator[IwmoError]:
    """IV091/IV085: a credit mirrors an approved debit; a new debit only after its credit."""
    if p.is_credit:
        debet = debet_op_ref.get(p.vorig_referentie_nummer or "")
        same_keys = debet is not None and (
            debet.toewijzing_nummer,
            debet.product_categorie,
            debet.product_code,
            debet.product_periode,
        ) == (p.toewijzing_nummer, p.product_categorie, p.product_code, p.product_periode)
        if not same_keys:
            yield _error(
                "TR323",
                f"{ref_path}/VorigReferentieNummer",
                f"Geen toegekende debetprestatie {p.vorig_referentie_nummer} met dezelfde sleutel.",
            )
        if p.vorig_referentie_nummer in gecrediteerd:
            yield _error(
                "TR390",
                f"{ref_path}/VorigReferentieNummer",
                f"{p.vorig_referentie_nummer} is al gecrediteerd.",
            )
        return
    key = (p.product_periode, p.product_categorie, p.product_code, p.toewijzing_nummer)
    if key in open_debet:
        yield _error("TR389", path, "Er is al een niet-gecrediteerde debetprestatie.")


def _against_allocation(
    p: Prestatie, path: str, tp: ToegewezenProduct, tariffs: Sequence[Tarief]
) -> Iterator[IwmoError]:
    pp = p.product_periode
    if tp.reden_wijziging == REDEN_WIJZIGING_VERWIJDERD:
        yield _error("TR384", f"{path}/ToewijzingNummer")
    if tp.product is not None and tp.product.categorie != p.product_categorie:
        yield _error(
            "TR339",
            f"{path}/ProductCategorie",
            f"Toegewezen {tp.product.categorie}, gedeclareerd {p.product_categorie}.",
        )
    if tp.product is not None and tp.product.code is not None and tp.product.code != p.product_code:
        yield _error(
            "TR340",
            f"{path}/ProductCode",
            f"Toegewezen {tp.product.code}, gedeclareerd {p.product_code}.",
        )
    if pp.begindatum < tp.ingangsdatum:
        yield _error(
            "TR307",
            f"{path}/ProductPeriode/Begindatum",
            f"Ingangsdatum toewijzing {tp.ingangsdatum}.",
        )
    if tp.einddatum is not None and pp.einddatum > tp.einddatum:
        yield _error(
            "TR308", f"{path}/ProductPeriode/Einddatum", f"Einddatum toewijzing {tp.einddatum}."
        )
    begin_verwacht = max(pp.begindatum.replace(day=1), tp.ingangsdatum)
    if pp.begindatum >= tp.ingangsdatum and pp.begindatum != begin_verwacht:
        yield _error("TR387", f"{path}/ProductPeriode/Begindatum", f"Verwacht {begin_verwacht}.")
    einde_maand = last_day_of_month(pp.einddatum)
    einde_verwacht = min(einde_maand, tp.einddatum) if tp.einddatum else einde_maand
    if (tp.einddatum is None or pp.einddatum <= tp.einddatum) and pp.einddatum != einde_verwacht:
        yield _error("TR388", f"{path}/ProductPeriode/Einddatum", f"Verwacht {einde_verwacht}.")

    if tp.omvang is not None:
        eenheid_past = p.eenheid == tp.omvang.eenheid or (tp.omvang.eenheid, p.eenheid) == (
            EENHEID_UUR,
            EENHEID_MINUUT,
        )
    else:
        # Aspecific or generic allocations: the unit of the contract decides (TR341).
        eenheden = {
            t.eenheid
            for t in tariffs
            if (t.product.categorie, t.product.code) == (p.product_categorie, p.product_code)
        }
        eenheid_past = (
            not eenheden
            or p.eenheid in eenheden
            or (EENHEID_UUR in eenheden and p.eenheid == EENHEID_MINUUT)
        )
    if not eenheid_past:
        yield _error("TR341", f"{path}/Eenheid", f"Gedeclareerd in eenheid {p.eenheid}.")
        return
    buiten = pp.einddatum < tp.ingangsdatum or (
        tp.einddatum is not None and pp.begindatum > tp.einddatum
    )
    if buiten:
        return  # TR307/TR308 already say so; no volume to measure against
    maximum = max_volume_in_periode(tp, pp, p.eenheid)
    if not p.is_credit and maximum is not None and p.geleverd_volume > maximum:
        yield _error(
            "TR321",
            f"{path}/GeleverdVolume",
            f"Gedeclareerd {p.geleverd_volume}, maximaal {maximum}.",
        )


def _euro(cents: int | None) -> str:
    """An iWmo amount (whole cents) as a person reads it: € 1.234,56."""
    if cents is None:
        return "—"
    text = f"{abs(cents) / 100:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return f"−€ {text}" if cents < 0 else f"€ {text}"


def _contract_tariff(p: Prestatie, path: str, tariffs: Sequence[Tarief]) -> Iterator[IwmoError]:
    if p.eenheid == EENHEID_EURO:
        return  # no ProductTarief (CD087); CS339 ties amount to volume
    contract = _contract(tariffs, p)
    if contract is None:
        yield _error("TR418", f"{path}/ProductTarief", "Geen contracttarief voor dit product.")
        return
    tarief, bedrag = contract
    if p.product_tarief != tarief:
        yield _error(
            "TR418",
            f"{path}/ProductTarief",
            f"Contracttarief {_euro(tarief)}, gedeclareerd {_euro(p.product_tarief)}.",
        )
    if p.ingediend_bedrag.bedrag != bedrag:
        yield _error(
            "TR346",
            f"{path}/IngediendBedrag/Bedrag",
            f"Verwacht {_euro(bedrag)} bij het contracttarief, "
            f"gevonden {_euro(p.ingediend_bedrag.bedrag)}.",
        )


# --- start and stop ---------------------------------------------------------------------------


def _start_key(p: StartProduct | StopProduct) -> tuple[int | None, date]:
    return p.toewijzing_nummer, p.begindatum


def _stop_key(p: StopProduct) -> tuple[int | None, date, date, str]:
    return p.toewijzing_nummer, p.begindatum, p.einddatum, p.reden_beeindiging


def check_start_stop_sequence(
    bericht: Startbericht | Stopbericht,
    allocations: Sequence[Toewijzing],
    *,
    starts: Sequence[StartProduct] = (),
    stops: Sequence[StopProduct] = (),
) -> list[IwmoError]:
    """A 305 or 307 against the allocations and this client's earlier starts and stops.

    ``starts`` and ``stops`` are the current ones (not deleted with status 3) from this
    provider for this client. Rules: TR019, TR063, TR071, TR074, TR326, TR382 (retourcode
    9069), TR413, TR414, TR415.
    """
    bsn, aanbieder = bericht.client.bsn, bericht.header.afzender
    toegewezen = {t.nummer for t in allocations if t.bsn == bsn and t.aanbieder == aanbieder}
    errors: list[IwmoError] = []
    if isinstance(bericht, Startbericht):
        n = len(bericht.start_producten)
        for i, p in enumerate(bericht.start_producten):
            path = item_path("StartProducten", "StartProduct", i, n)
            errors += _start(p, path, toegewezen, starts, stops)
    else:
        n = len(bericht.stop_producten)
        for i, p in enumerate(bericht.stop_producten):
            path = item_path("StopProducten", "StopProduct", i, n)
            errors += _stop(p, path, toegewezen, starts, stops)
    return errors


def _gekoppeld(
    p: StartProduct | StopProduct, path: str, toegewezen: set[int]
) -> Iterator[IwmoError]:
    if p.toewijzing_nummer not in toegewezen:
        yield _error("TR019", f"{path}/ToewijzingNummer", f"Geen toewijzing {p.toewijzing_nummer}.")


def _start(
    p: StartProduct,
    path: str,
    toegewezen: set[int],
    starts: Sequence[StartProduct],
    stops: Sequence[StopProduct],
) -> Iterator[IwmoError]:
    gestopt = {_start_key(s) for s in stops}
    eerder = [s for s in starts if _start_key(s) == _start_key(p)]
    if p.status_aanlevering == STATUS_VERWIJDEREN:
        if not eerder:
            yield _error("TR063", path, "Geen eerder StartProduct met deze sleutel.")
        elif _start_key(p) in gestopt:
            yield _error("TR071", f"{path}/StatusAanlevering")
        return
    if p.status_aanlevering != STATUS_EERSTE_AANLEVERING:
        return  # CS058 already rejects other values
    yield from _gekoppeld(p, path, toegewezen)
    if eerder:
        yield _error("TR074", path, f"Start {p.begindatum} is al gemeld.")
    lopend = [
        s
        for s in starts
        if s.toewijzing_nummer == p.toewijzing_nummer and _start_key(s) not in gestopt
    ]
    if lopend:
        yield _error("TR326", path, f"Levering gestart op {lopend[0].begindatum} is niet gestopt.")


def _stop(
    p: StopProduct,
    path: str,
    toegewezen: set[int],
    starts: Sequence[StartProduct],
    stops: Sequence[StopProduct],
) -> Iterator[IwmoError]:
    if p.status_aanlevering == STATUS_VERWIJDEREN:
        if not any(_stop_key(s) == _stop_key(p) for s in stops):
            yield _error("TR063", path, "Geen eerder StopProduct met deze sleutel.")
        return
    if p.status_aanlevering != STATUS_EERSTE_AANLEVERING:
        return
    yield from _gekoppeld(p, path, toegewezen)
    start = next((s for s in starts if _start_key(s) == _start_key(p)), None)
    if start is None or (start.product, start.toewijzing_ingangsdatum) != (
        p.product,
        p.toewijzing_ingangsdatum,
    ):
        yield _error(
            "TR382", path, "Geen actueel startbericht met dezelfde sleutel (OP072, OP155)."
        )
    eerder = [s for s in stops if _start_key(s) == _start_key(p)]
    if any(_stop_key(s) == _stop_key(p) for s in eerder):
        yield _error("TR074", path, "Deze stop is al gemeld.")
    if p.reden_beeindiging == REDEN_BEEINDIGING_TIJDELIJK and any(
        s.reden_beeindiging == REDEN_BEEINDIGING_TIJDELIJK for s in eerder
    ):
        yield _error("TR413", f"{path}/RedenBeeindiging")
    if eerder and p.einddatum < max(s.einddatum for s in eerder):
        yield _error(
            "TR414", f"{path}/Einddatum", f"Eerdere stop tot {max(s.einddatum for s in eerder)}."
        )
    if any(s.reden_beeindiging != REDEN_BEEINDIGING_TIJDELIJK for s in eerder):
        yield _error("TR415", path, "De levering is al definitief gestopt.")


# --- verzoek om wijziging against the allocations -------------------------------------------


def check_verzoek_om_wijziging(
    bericht: VerzoekOmWijzigingbericht, allocations: Sequence[Toewijzing]
) -> list[IwmoError]:
    """A 317 against the allocations on record (TR304, TR349-TR351, TR357, TR361, TR373,
    TR375, TR411, TR412). "Actueel" is judged on the message's Dagtekening."""
    header, v = bericht.header, bericht.verzoek
    dag = header.dagtekening
    by_nummer = {t.nummer: t for t in allocations}
    eigen = {
        t.nummer: t
        for t in allocations
        if t.bsn == bericht.bsn and t.aanbieder == header.afzender and t.actueel_op(dag)
    }
    errors: list[IwmoError] = []
    # (product, begin, end, path, is_nieuw) of every product the request would leave in place.
    producten: list[tuple[Product | None, date, date | None, str, bool]] = []

    def linked(nummer: int, path: str, code: str) -> Toewijzing | None:
        t = by_nummer.get(nummer)
        if t is not None and t.bsn != bericht.bsn:
            errors.append(
                _error("TR304", f"{path}/ToewijzingNummer", "Toewijzing van een andere client.")
            )
            return None
        if nummer not in eigen:
            errors.append(
                _error(code, f"{path}/ToewijzingNummer", f"Geen actuele toewijzing {nummer}.")
            )
            return None
        return eigen[nummer]

    n = len(v.ongewijzigde_producten)
    for i, nummer in enumerate(v.ongewijzigde_producten):
        path = item_path("OngewijzigdeProducten", "OngewijzigdProduct", i, n, base=VERZOEK)
        if (t := linked(nummer, path, "TR350")) is not None:
            tp = t.toegewezen_product
            producten.append((tp.product, tp.ingangsdatum, tp.einddatum, path, False))

    n = len(v.te_wijzigen_producten)
    for i, w in enumerate(v.te_wijzigen_producten):
        path = item_path("TeWijzigenProducten", "TeWijzigenProduct", i, n, base=VERZOEK)
        t = linked(w.toewijzing_nummer, path, "TR351")
        if t is None:
            continue
        tp = t.toegewezen_product
        producten.append((tp.product, tp.ingangsdatum, w.einddatum or tp.einddatum, path, False))
        if w.gewenste_ingangsdatum <= dag and w.gewenste_ingangsdatum != tp.ingangsdatum:
            errors.append(
                _error(
                    "TR357", f"{path}/GewensteIngangsdatum", f"Ingangsdatum is {tp.ingangsdatum}."
                )
            )
        totaal = tp.omvang is not None and tp.omvang.frequentie == FREQUENTIE_TOTAAL
        budget_gewijzigd = w.budget is not None and w.budget != tp.budget
        totaal_gewijzigd = totaal and w.omvang is not None and w.omvang != tp.omvang
        if (budget_gewijzigd or totaal_gewijzigd) and w.gewenste_ingangsdatum != tp.ingangsdatum:
            errors.append(
                _error(
                    "TR373", f"{path}/GewensteIngangsdatum", f"Ingangsdatum is {tp.ingangsdatum}."
                )
            )
        na_2020 = tp.einddatum is None or tp.einddatum > _CUTOFF_2020
        if tp.product is not None and tp.product.code is not None and w.omvang is None:
            errors.append(_error("TR411", f"{path}/Omvang"))
        if tp.product is not None and tp.product.code is None and na_2020 and w.omvang is not None:
            errors.append(_error("TR412", f"{path}/Omvang"))
        if tp.product is None and na_2020 and w.omvang is not None:
            errors.append(_error("TR375", f"{path}/Omvang"))

    genoemd = set(v.ongewijzigde_producten) | {w.toewijzing_nummer for w in v.te_wijzigen_producten}
    ontbrekend = sorted(set(eigen) - genoemd)
    if ontbrekend:
        errors.append(_error("TR349", VERZOEK, f"Ontbrekend: {', '.join(map(str, ontbrekend))}."))

    n = len(v.nieuwe_producten)
    for i, nieuw in enumerate(v.nieuwe_producten):
        path = item_path("NieuweProducten", "NieuwProduct", i, n, base=VERZOEK)
        producten.append((nieuw.product, nieuw.gewenste_ingangsdatum, nieuw.einddatum, path, True))
    for i, (product, start, end, path, is_nieuw) in enumerate(producten):
        for other, o_start, o_end, o_path, o_nieuw in producten[:i]:
            if is_nieuw and o_nieuw:
                continue  # TR410 within the message
            if same_product(product, other) and periods_overlap((start, end), (o_start, o_end)):
                errors.append(_error("TR361", path, f"Overlapt met {o_path}."))
    return errors


def check_verzoek_referentie(
    bericht: VerzoekOmToewijzingbericht | VerzoekOmWijzigingbericht,
    *,
    bekende_referenties: Collection[str],
    onderhanden_verzoek: bool,
) -> list[IwmoError]:
    """TR347 (ReferentieAanbieder not used before by this provider) and TR374 (no request of
    this provider for this client still pending)."""
    errors: list[IwmoError] = []
    if isinstance(bericht, VerzoekOmWijzigingbericht):
        refs = [(bericht.verzoek.referentie_aanbieder, f"{VERZOEK}/ReferentieAanbieder")]
    else:
        n = len(bericht.aangevraagde_producten)
        refs = [
            (p.referentie_aanbieder, item_path("AangevraagdeProducten", "AangevraagdProduct", i, n))
            for i, p in enumerate(bericht.aangevraagde_producten)
        ]
    for ref, path in refs:
        if ref in bekende_referenties:
            errors.append(_error("TR347", path, f"{ref} is al gebruikt."))
    if onderhanden_verzoek:
        errors.append(_error("TR374", CLIENT))
    return errors


# --- what the municipality sends: 301 and 319 ------------------------------------------------


def check_toewijzingbericht(
    bericht: Toewijzingbericht,
    allocations: Sequence[Toewijzing],
    *,
    gedeclareerde_toewijzingen: Collection[int] = (),
    verzoek_referenties: Collection[str] = (),
) -> list[IwmoError]:
    """A 301 about to be sent, against the municipality's allocations (TR332), approved
    declarations (TR385) and the requests received (TR379)."""
    errors: list[IwmoError] = []
    by_nummer = {t.nummer: t for t in allocations}
    n = len(bericht.toegewezen_producten)
    for i, tp in enumerate(bericht.toegewezen_producten):
        path = item_path("ToegewezenProducten", "ToegewezenProduct", i, n)
        bestaand = by_nummer.get(tp.toewijzing_nummer)
        if bestaand is not None and (
            bestaand.bsn,
            bestaand.aanbieder,
            bestaand.toegewezen_product.product,
        ) != (bericht.client.bsn, bericht.header.ontvanger, tp.product):
            errors.append(
                _error(
                    "TR332",
                    f"{path}/ToewijzingNummer",
                    "Nummer is al gebruikt voor een andere toewijzing.",
                )
            )
        if (
            tp.reden_wijziging == REDEN_WIJZIGING_VERWIJDERD
            and tp.toewijzing_nummer in gedeclareerde_toewijzingen
        ):
            errors.append(_error("TR385", f"{path}/RedenWijziging"))
        if (
            tp.referentie_aanbieder is not None
            and tp.referentie_aanbieder not in verzoek_referenties
        ):
            errors.append(_error("TR379", f"{path}/ReferentieAanbieder"))
    return errors


def check_antwoord(
    bericht: Antwoordbericht | Antwoord,
    *,
    verzoek_referenties: Collection[str],
    toegewezen_referenties: Collection[str] = (),
    eerdere_antwoorden: Iterable[Antwoord] = (),
) -> list[IwmoError]:
    """A 319 about to be sent: it must answer a known request (TR355) not yet honoured with
    a 301 (TR359), and "in onderzoek" comes at most once, before the final answer (TR360,
    TR365)."""
    antwoord = bericht.antwoord if isinstance(bericht, Antwoordbericht) else bericht
    ref = antwoord.referentie_aanbieder
    ref_path = f"{ANTWOORD}/ReferentieAanbieder"
    eerder = [a for a in eerdere_antwoorden if a.referentie_aanbieder == ref]
    errors: list[IwmoError] = []
    if ref not in verzoek_referenties:
        errors.append(_error("TR355", ref_path, f"Geen verzoek {ref}."))
    if ref in toegewezen_referenties:
        errors.append(_error("TR359", ref_path))
    if antwoord.verzoek_antwoord == "2" and eerder:
        errors.append(_error("TR360", f"{ANTWOORD}/VerzoekAntwoord"))
    if any(a.verzoek_antwoord != "2" for a in eerder):
        errors.append(_error("TR365", f"{ANTWOORD}/VerzoekAntwoord"))
    return errors


# --- header and external code lists ---------------------------------------------------------


def check_berichtidentificatie(
    header: Header, eerdere_identificaties: Collection[str]
) -> list[IwmoError]:
    """TR056: ``eerdere_identificaties`` are those of the same sender and message type."""
    if header.identificatie in eerdere_identificaties:
        path = f"{HEADER}/BerichtIdentificatie/Identificatie"
        return [_error("TR056", path, f"{header.identificatie} is al ontvangen.")]
    return []


_GEMEENTE_VERZENDT = ("WMO301", "WMO319", "WMO325")


def _peildata(bericht: Bericht) -> list[date]:
    match bericht:
        case Toewijzingbericht():
            return [p.ingangsdatum for p in bericht.toegewezen_producten]
        case VerzoekOmToewijzingbericht():
            return [p.toewijzing_ingangsdatum for p in bericht.aangevraagde_producten]
        case Startbericht():
            return [d for p in bericht.start_producten if (d := p.toewijzing_ingangsdatum)]
        case Stopbericht():
            return [d for p in bericht.stop_producten if (d := p.toewijzing_ingangsdatum)]
    return []


def check_gemeentecode(bericht: Bericht, gemeenten: Sequence[Gemeente]) -> list[IwmoError]:
    """TR378: the municipality code exists in the CBS list on the Dagtekening or, after a
    municipal merger, on the (Toewijzing)Ingangsdatum of every allocation in the message.

    ``gemeenten`` is the validity table of CBS codes (4 digits, without ``GM``).
    """
    header = bericht.header
    verzendt = header.message_type in _GEMEENTE_VERZENDT
    code = header.afzender if verzendt else header.ontvanger
    geldig = [g for g in gemeenten if g.code == code]
    peildata = _peildata(bericht)
    if any(g.geldig_op(header.dagtekening) for g in geldig):
        return []
    if peildata and all(any(g.geldig_op(d) for g in geldig) for d in peildata):
        return []
    path = f"{HEADER}/{'Afzender' if verzendt else 'Ontvanger'}"
    return [_error("TR378", path, f"Gemeentecode {code}.")]


class _MetProduct(Protocol):
    @property
    def product(self) -> Product | None: ...


def _codes(
    items: Sequence[_MetProduct], container: str, name: str, base: str = CLIENT
) -> list[tuple[Product | None, str]]:
    n = len(items)
    return [
        (item.product, f"{item_path(container, name, i, n, base)}/Product/Code")
        for i, item in enumerate(items)
    ]


def _productcodes(bericht: Bericht) -> list[tuple[Product | None, str]]:
    """Each Product in a message with the path of its Code."""
    match bericht:
        case Toewijzingbericht():
            return _codes(bericht.toegewezen_producten, "ToegewezenProducten", "ToegewezenProduct")
        case Startbericht():
            return _codes(bericht.start_producten, "StartProducten", "StartProduct")
        case Stopbericht():
            return _codes(bericht.stop_producten, "StopProducten", "StopProduct")
        case VerzoekOmToewijzingbericht():
            return _codes(
                bericht.aangevraagde_producten, "AangevraagdeProducten", "AangevraagdProduct"
            )
        case VerzoekOmWijzigingbericht():
            return _codes(
                bericht.verzoek.nieuwe_producten, "NieuweProducten", "NieuwProduct", VERZOEK
            )
        case Declaratiebericht():
            clienten = bericht.declaratie.clienten
            return [
                (
                    Product(p.product_categorie, p.product_code),
                    f"{prestatie_path(ci, len(clienten), pi, len(c.prestaties))}/ProductCode",
                )
                for ci, c in enumerate(clienten)
                for pi, p in enumerate(c.prestaties)
            ]
    return []


def check_productcode(bericht: Bericht, productcodes: Collection[Product]) -> list[IwmoError]:
    """TR381: every ProductCode fits its ProductCategorie in the product code list used."""
    geldig = {(p.categorie, p.code) for p in productcodes}
    return [
        _error("TR381", path, f"{product.categorie}/{product.code}.")
        for product, path in _productcodes(bericht)
        if product is not None
        and product.code is not None
        and (product.categorie, product.code) not in geldig
    ]
