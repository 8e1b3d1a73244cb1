"""Each in-message rule broken once, in a modified example: the rule code and the path.

Every case asserts the complete set of findings, so a modification that trips an unrelated
rule fails the test too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, time

import pytest

from bwmo.iwmo import check_message, parse_message
from bwmo.iwmo.model import (
    Achternaam,
    Contact,
    Geboortedatum,
    Header,
    Naam,
    Omvang,
    Product,
    Telefoon,
    ToegewezenProduct,
    Toewijzingbericht,
    XsdVersie,
)
from bwmo.iwmo.rules import REGELS, amount_matches_tariff

from .conftest import TODAY, codes_and_paths, edit, example, findings, mutate

C = "/Bericht/Client"
TP = f"{C}/ToegewezenProducten/ToegewezenProduct"
R1 = f"{C}/Relaties/Relatie[1]"
CC = f"{C}/Contactgegevens/Contact"
SP = f"{C}/StartProducten/StartProduct"
ST = f"{C}/StopProducten/StopProduct"
AP = f"{C}/AangevraagdeProducten/AangevraagdProduct"
V = f"{C}/Verzoek"
OG = f"{V}/OngewijzigdeProducten/OngewijzigdProduct"
TW = f"{V}/TeWijzigenProducten/TeWijzigenProduct"
NW = f"{V}/NieuweProducten/NieuwProduct"
D = "/Bericht/Declaratie"
DP = f"{D}/DeclaratiePeriode"


def P(client: int, prestatie: int) -> str:
    return f"{D}/Clienten/Client[{client}]/Prestaties/Prestatie[{prestatie}]"


BUDGET_301 = (
    "<wmo301:Commentaar>Toegewezen",
    "<wmo301:Budget>100000</wmo301:Budget><wmo301:Commentaar>Toegewezen",
)
REDEN_301 = "<wmo301:Einddatum>2023-12-31</wmo301:Einddatum>"
PERIODE = (
    "<wmo301:Periode><iwmo:Begindatum>2023-02-01</iwmo:Begindatum>"
    "<iwmo:Einddatum>{}</iwmo:Einddatum></wmo301:Periode>"
)
ZORGVERLENER = (
    "<iwmo:Naam>Verwijzer Naam</iwmo:Naam>",
    "<iwmo:Naam>Verwijzer Naam</iwmo:Naam><iwmo:ZorgverlenerCode>12345678</iwmo:ZorgverlenerCode>",
)
BUDGET_315 = ("<wmo315:Verwijzer>", "<wmo315:Budget>100000</wmo315:Budget><wmo315:Verwijzer>")
EIND_317 = "<wmo317:Einddatum>2023-12-31</wmo317:Einddatum>"
OMVANG_317 = (
    "<wmo317:Omvang><iwmo:Volume>3</iwmo:Volume><iwmo:Eenheid>{}</iwmo:Eenheid>"
    "<iwmo:Frequentie>{}</iwmo:Frequentie></wmo317:Omvang>"
)
BUDGET_317 = "<wmo317:Budget>5000</wmo317:Budget>"


def _vorig(ref: str, vorig: str) -> tuple[str, str]:
    tag = f"<iwmo:ReferentieNummer>{ref}</iwmo:ReferentieNummer>"
    return tag, f"{tag}<iwmo:VorigReferentieNummer>{vorig}</iwmo:VorigReferentieNummer>"


def _323_all(old: str, new: str, xml: bytes | None = None) -> bytes:
    return (xml or example("WMO323")).replace(old.encode(), new.encode())


Case = tuple[Callable[[], bytes], set[tuple[str, str]]]

CASES: dict[str, Case] = {
    # --- WMO301 ---
    "CS002-301": (
        lambda: mutate(
            "WMO301", ("<wmo301:Bsn>999900006</wmo301:Bsn>", "<wmo301:Bsn>999900007</wmo301:Bsn>")
        ),
        {("CS002", f"{C}/Bsn")},
    ),
    "CS139": (
        lambda: mutate(
            "WMO301",
            (
                "<iwmo:Datum>1967-08-13</iwmo:Datum>",
                "<iwmo:Datum>1967-08-13</iwmo:Datum><iwmo:DatumGebruik>1</iwmo:DatumGebruik>",
            ),
        ),
        {("CS139", f"{C}/Geboortedatum/DatumGebruik")},
    ),
    "TR002": (
        lambda: edit("WMO301", text={f"{C}/Geboortedatum/Datum": "1903-08-12"}),
        {("TR002", f"{C}/Geboortedatum/Datum")},
    ),
    "TR134-geboortedatum-301": (
        lambda: edit("WMO301", text={f"{C}/Geboortedatum/Datum": "2023-08-14"}),
        {("TR134", f"{C}/Geboortedatum/Datum")},
    ),
    "TR134-relatie-geboortedatum": (
        lambda: edit("WMO301", text={f"{R1}/Geboortedatum/Datum": "2023-08-14"}),
        {("TR134", f"{R1}/Geboortedatum/Datum")},
    ),
    "TR134-toewijzingsdatum": (
        lambda: edit("WMO301", text={f"{TP}/Toewijzingsdatum": "2023-08-14"}),
        {("TR134", f"{TP}/Toewijzingsdatum")},
    ),
    "CS318": (
        lambda: edit(
            "WMO301", text={f"{C}/Naam/NaamGebruik": "6"}, remove=(f"{C}/Naam/Partnernaam",)
        ),
        {("CS318", f"{C}/Naam/NaamGebruik")},
    ),
    "CS050": (
        lambda: edit("WMO301", text={f"{C}/Naam/NaamGebruik": "5"}),
        {("CS050", f"{C}/Naam/NaamGebruik")},
    ),
    "CS050-relatie": (
        lambda: edit("WMO301", text={f"{R1}/Naam/NaamGebruik": "6"}),
        {("CS050", f"{R1}/Naam/NaamGebruik")},
    ),
    "CD007": (
        lambda: edit("WMO301", text={f"{C}/Communicatie/Vorm": "2"}),
        {("CD007", f"{C}/Communicatie/Taal")},
    ),
    "CD025": (
        lambda: edit(
            "WMO301",
            text={f"{R1}/Contact/Adres/LandCode": "NL"},
            remove=(f"{R1}/Contact/Adres/Huis",),
        ),
        {("CD025", f"{R1}/Contact/Adres/Huis")},
    ),
    "CD034": (
        lambda: edit(
            "WMO301", remove=(f"{R1}/Contact/Adres/Postcode", f"{R1}/Contact/Adres/LandCode")
        ),
        {("CD034", f"{R1}/Contact/Adres/Postcode")},
    ),
    "CS089": (
        lambda: edit(
            "WMO301", text={f"{CC}/Adres/LandCode": "NL", f"{CC}/Adres/Postcode": "0999XX"}
        ),
        {("CS089", f"{CC}/Adres/Postcode")},
    ),
    "CD005": (
        lambda: edit("WMO301", remove=(f"{R1}/Contact/Adres/LandCode",)),
        {("CD005", f"{R1}/Contact/Adres/LandCode")},
    ),
    "CD009": (
        lambda: mutate(
            "WMO301",
            (
                "<wmo301:Emailadres>1@er.com</wmo301:Emailadres>",
                "<wmo301:Emailadres>1@er.com</wmo301:Emailadres>" + PERIODE.format("2023-03-01"),
            ),
        ),
        {("CD009", f"{CC}/Periode")},
    ),
    "CS003-periode": (
        lambda: edit(
            mutate(
                "WMO301",
                (
                    "<wmo301:Emailadres>a@b.com</wmo301:Emailadres>",
                    "<wmo301:Emailadres>a@b.com</wmo301:Emailadres>" + PERIODE.format("2023-01-01"),
                ),
            ),
            text={f"{R1}/Contact/Soort": "04"},
        ),
        {("CS003", f"{R1}/Contact/Periode/Einddatum")},
    ),
    "TR006": (
        lambda: edit("WMO301", remove=(f"{R1}/Contact/Telefoon", f"{R1}/Contact/Adres/Huis")),
        {("TR006", f"{R1}/Contact")},
    ),
    "TR061": (
        lambda: edit("WMO301", text={f"{CC}/Soort": "04"}),
        {("TR061", f"{C}/Contactgegevens")},
    ),
    "TR101-relatie": (
        lambda: edit("WMO301", text={f"{C}/Relaties/Relatie[2]/Nummer": "1"}),
        {("TR101", f"{C}/Relaties/Relatie[2]")},
    ),
    "TR101-toegewezen-product": (
        lambda: edit("WMO301", duplicate=(TP,), text={f"{TP}[2]/Product/Code": "01A02"}),
        {("TR101", f"{TP}[2]")},
    ),
    "TR302": (
        lambda: edit("WMO301", duplicate=(TP,), text={f"{TP}[2]/ToewijzingNummer": "102"}),
        {("TR302", f"{TP}[2]")},
    ),
    "CD079-301": (
        lambda: edit("WMO301", remove=(f"{TP}/Product", f"{TP}/Omvang")),
        {("CD079", f"{TP}/Product")},
    ),
    "CD075-301": (
        lambda: edit(
            mutate("WMO301", BUDGET_301),
            remove=(f"{TP}/Product/Code", f"{TP}/Omvang", f"{TP}/Einddatum"),
        ),
        {("CD075", f"{TP}/Einddatum")},
    ),
    "CD076-301": (
        lambda: edit("WMO301", text={f"{TP}/Omvang/Frequentie": "2"}, remove=(f"{TP}/Einddatum",)),
        {("CD076", f"{TP}/Einddatum")},
    ),
    "CS003-301": (
        lambda: edit("WMO301", text={f"{TP}/Einddatum": "2022-12-31"}),
        {("CS003", f"{TP}/Einddatum")},
    ),
    "CS335": (
        lambda: mutate(
            "WMO301", (REDEN_301, REDEN_301 + "<wmo301:RedenWijziging>13</wmo301:RedenWijziging>")
        ),
        {("CS335", f"{TP}/RedenWijziging")},
    ),
    "CS336": (
        lambda: mutate(
            "WMO301", (REDEN_301, REDEN_301 + "<wmo301:RedenWijziging>01</wmo301:RedenWijziging>")
        ),
        {("CS336", f"{TP}/RedenWijziging")},
    ),
    "CD041-301": (
        lambda: edit("WMO301", remove=(f"{TP}/Omvang",)),
        {("CD041", f"{TP}/Omvang")},
    ),
    "CD077-CD078-301": (
        lambda: mutate("WMO301", BUDGET_301),
        {("CD077", f"{TP}/Omvang"), ("CD078", f"{TP}/Budget")},
    ),
    "CD080": (
        lambda: edit("WMO301", remove=(f"{TP}/Product/Code",)),
        {("CD080", f"{TP}/Omvang")},
    ),
    "CS338-301": (
        lambda: edit("WMO301", text={f"{TP}/Omvang/Eenheid": "14"}),
        {("CS338", f"{TP}/Omvang/Frequentie")},
    ),
    # --- WMO305 ---
    "CS002-305": (
        lambda: edit("WMO305", text={f"{C}/Bsn": "999900007"}),
        {("CS002", f"{C}/Bsn")},
    ),
    "CS058-305": (
        lambda: edit("WMO305", text={f"{SP}[1]/StatusAanlevering": "2"}),
        {("CS058", f"{SP}[1]/StatusAanlevering")},
    ),
    "TR134-begindatum": (
        lambda: edit("WMO305", text={f"{SP}[1]/Begindatum": "2025-04-06"}),
        {("TR134", f"{SP}[1]/Begindatum")},
    ),
    "TR101-startproduct": (
        lambda: edit(
            "WMO305",
            text={
                f"{SP}[2]/ToewijzingNummer": "300201",
                f"{SP}[2]/Product/Code": "01A11",
                f"{SP}[2]/Begindatum": "2025-04-03",
            },
        ),
        {("TR101", f"{SP}[2]")},
    ),
    "TR002-305": (
        lambda: edit("WMO305", text={f"{C}/Geboortedatum/Datum": "1905-04-04"}),
        {("TR002", f"{C}/Geboortedatum/Datum")},
    ),
    # --- WMO307 ---
    "CS002-307": (
        lambda: edit("WMO307", text={f"{C}/Bsn": "999900007"}),
        {("CS002", f"{C}/Bsn")},
    ),
    "CS058-307": (
        lambda: edit("WMO307", text={f"{ST}[2]/StatusAanlevering": "9"}),
        {("CS058", f"{ST}[2]/StatusAanlevering")},
    ),
    "TR018": (
        lambda: edit("WMO307", text={f"{ST}[1]/Einddatum": "2025-04-01"}),
        {("TR018", f"{ST}[1]/Einddatum")},
    ),
    "TR134-einddatum": (
        lambda: edit("WMO307", text={f"{ST}[1]/Einddatum": "2025-07-22"}),
        {("TR134", f"{ST}[1]/Einddatum")},
    ),
    "TR101-stopproduct": (
        lambda: edit(
            "WMO307",
            text={
                f"{ST}[2]/ToewijzingNummer": "300201",
                f"{ST}[2]/Product/Code": "01A11",
                f"{ST}[2]/Begindatum": "2025-04-03",
            },
        ),
        {("TR101", f"{ST}[2]")},
    ),
    # --- WMO315 ---
    "CS002-315": (
        lambda: edit("WMO315", text={f"{C}/Bsn": "999900007"}),
        {("CS002", f"{C}/Bsn")},
    ),
    "TR134-geboortedatum-315": (
        lambda: edit("WMO315", text={f"{C}/Geboortedatum/Datum": "2023-07-16"}),
        {("TR134", f"{C}/Geboortedatum/Datum")},
    ),
    "CD043": (
        lambda: edit("WMO315", remove=(f"{AP}[1]/BeschikkingIngangsdatum",)),
        {("CD043", f"{AP}[1]/BeschikkingIngangsdatum")},
    ),
    "CD066": (
        lambda: mutate("WMO315", ZORGVERLENER),
        {("CD066", f"{AP}[1]/Verwijzer/Naam")},
    ),
    "CD067": (
        lambda: edit("WMO315", remove=(f"{AP}[1]/Verwijzer/Naam",)),
        {("CD067", f"{AP}[1]/Verwijzer/Naam")},
    ),
    "CD068": (
        lambda: edit(mutate("WMO315", ZORGVERLENER), text={f"{AP}[1]/Verwijzer/Type": "01"}),
        {("CD068", f"{AP}[1]/Verwijzer/ZorgverlenerCode")},
    ),
    "CD079-315": (
        lambda: edit(
            "WMO315",
            # Without product it would stack with every other request in June (TR386).
            text={
                f"{AP}[2]/ToewijzingIngangsdatum": "2023-07-01",
                f"{AP}[2]/ToewijzingEinddatum": "2023-07-31",
            },
            remove=(f"{AP}[1]/Product", f"{AP}[1]/Omvang"),
        ),
        {("CD079", f"{AP}[1]/Product")},
    ),
    "CD075-315": (
        lambda: edit(
            mutate("WMO315", BUDGET_315),
            remove=(f"{AP}[1]/Product/Code", f"{AP}[1]/Omvang", f"{AP}[1]/ToewijzingEinddatum"),
        ),
        {("CD075", f"{AP}[1]/ToewijzingEinddatum")},
    ),
    "CD076-315": (
        lambda: edit(
            "WMO315",
            text={f"{AP}[1]/Omvang/Frequentie": "2"},
            remove=(f"{AP}[1]/ToewijzingEinddatum",),
        ),
        {("CD076", f"{AP}[1]/ToewijzingEinddatum")},
    ),
    "CS003-315": (
        lambda: edit("WMO315", text={f"{AP}[1]/ToewijzingEinddatum": "2023-05-31"}),
        {("CS003", f"{AP}[1]/ToewijzingEinddatum")},
    ),
    "CD041-315": (
        lambda: edit("WMO315", remove=(f"{AP}[1]/Omvang",)),
        {("CD041", f"{AP}[1]/Omvang")},
    ),
    "CD077-CD078-315": (
        lambda: mutate("WMO315", BUDGET_315),
        {("CD077", f"{AP}[1]/Omvang"), ("CD078", f"{AP}[1]/Budget")},
    ),
    "CD095": (
        lambda: edit("WMO315", remove=(f"{AP}[1]/Product/Code",)),
        {("CD095", f"{AP}[1]/Omvang")},
    ),
    "CS343": (
        lambda: edit("WMO315", text={f"{AP}[1]/Omvang/Frequentie": "1"}),
        {("CS343", f"{AP}[1]/Omvang/Frequentie")},
    ),
    "TR383-TR101": (
        lambda: edit("WMO315", text={f"{AP}[2]/ReferentieAanbieder": "42420001"}),
        {("TR383", f"{AP}[2]/ReferentieAanbieder"), ("TR101", f"{AP}[2]")},
    ),
    "TR386": (
        lambda: edit(
            "WMO315", text={f"{AP}[2]/Product/Categorie": "01", f"{AP}[2]/Product/Code": "ABCDE"}
        ),
        {("TR386", f"{AP}[2]")},
    ),
    # --- WMO317 ---
    "CS002-317": (
        lambda: edit("WMO317", text={f"{C}/Bsn": "999900007"}),
        {("CS002", f"{C}/Bsn")},
    ),
    "TR352": (
        lambda: edit("WMO317", remove=(f"{V}/OngewijzigdeProducten", f"{V}/TeWijzigenProducten")),
        {("TR352", V)},
    ),
    "TR353": (
        lambda: edit("WMO317", remove=(f"{V}/TeWijzigenProducten", f"{V}/NieuweProducten")),
        {("TR353", V)},
    ),
    "TR101-ongewijzigd": (
        lambda: edit("WMO317", duplicate=(OG,)),
        {("TR101", f"{OG}[2]")},
    ),
    "CS003-te-wijzigen": (
        lambda: edit("WMO317", text={f"{TW}/Einddatum": "2023-04-01"}),
        {("CS003", f"{TW}/Einddatum")},
    ),
    "CD075-te-wijzigen": (
        lambda: edit(
            mutate("WMO317", (EIND_317, EIND_317 + BUDGET_317)), remove=(f"{TW}/Einddatum",)
        ),
        {("CD075", f"{TW}/Einddatum")},
    ),
    "CD076-te-wijzigen": (
        lambda: edit(
            mutate("WMO317", (EIND_317, EIND_317 + OMVANG_317.format("04", "2"))),
            remove=(f"{TW}/Einddatum",),
        ),
        {("CD076", f"{TW}/Einddatum")},
    ),
    "CD077-CD078-te-wijzigen": (
        lambda: mutate("WMO317", (EIND_317, EIND_317 + OMVANG_317.format("04", "4") + BUDGET_317)),
        {("CD077", f"{TW}/Omvang"), ("CD078", f"{TW}/Budget")},
    ),
    "CS338-te-wijzigen": (
        lambda: mutate("WMO317", (EIND_317, EIND_317 + OMVANG_317.format("14", "1"))),
        {("CS338", f"{TW}/Omvang/Frequentie")},
    ),
    "CD079-nieuw": (
        lambda: edit("WMO317", remove=(f"{NW}/Product", f"{NW}/Omvang")),
        {("CD079", f"{NW}/Product")},
    ),
    "CD041-nieuw": (
        lambda: edit("WMO317", remove=(f"{NW}/Omvang",)),
        {("CD041", f"{NW}/Omvang")},
    ),
    "CD096": (
        lambda: edit("WMO317", remove=(f"{NW}/Product/Code",)),
        {("CD096", f"{NW}/Omvang")},
    ),
    "CS338-nieuw": (
        lambda: edit("WMO317", text={f"{NW}/Omvang/Frequentie": "1"}),
        {("CS338", f"{NW}/Omvang/Frequentie")},
    ),
    "CS003-nieuw": (
        lambda: edit("WMO317", text={f"{NW}/Einddatum": "2023-04-01"}),
        {("CS003", f"{NW}/Einddatum")},
    ),
    "CD075-nieuw": (
        lambda: edit(
            mutate("WMO317", ("</wmo317:Omvang>", "</wmo317:Omvang>" + BUDGET_317)),
            remove=(f"{NW}/Product/Code", f"{NW}/Omvang", f"{NW}/Einddatum"),
        ),
        {("CD075", f"{NW}/Einddatum")},
    ),
    "TR410": (
        lambda: edit(
            "WMO317", duplicate=(NW,), text={f"{NW}[2]/GewensteIngangsdatum": "2023-05-01"}
        ),
        {("TR410", f"{NW}[2]")},
    ),
    # --- WMO319 ---
    "CD085": (
        lambda: edit("WMO319", remove=("/Bericht/Antwoord/RedenAfwijzingVerzoek",)),
        {("CD085", "/Bericht/Antwoord/RedenAfwijzingVerzoek")},
    ),
    "CD086": (
        lambda: edit("WMO319", text={"/Bericht/Antwoord/VerzoekAntwoord": "2"}),
        {("CD086", "/Bericht/Antwoord/RedenAfwijzingVerzoek")},
    ),
    # --- WMO323 ---
    "CS002-323": (
        lambda: edit("WMO323", text={f"{D}/Clienten/Client[2]/Bsn": "999900019"}),
        {("CS002", f"{D}/Clienten/Client[2]/Bsn")},
    ),
    "CS340": (
        lambda: edit("WMO323", text={f"{DP}/Begindatum": "2023-03-02"}),
        {("CS340", f"{DP}/Begindatum")},
    ),
    "CS340-einde": (
        lambda: edit("WMO323", text={f"{DP}/Begindatum": "2023-03-01"}),
        {("CS340", f"{DP}/Einddatum")},
    ),
    "TR134-TR137-declaratieperiode": (
        lambda: edit(
            "WMO323", text={f"{DP}/Begindatum": "2023-06-01", f"{DP}/Einddatum": "2023-06-30"}
        ),
        {("TR134", f"{DP}/Begindatum"), ("TR137", f"{DP}/Einddatum")},
    ),
    "TR137-productperiode": (
        lambda: edit(
            "WMO323",
            text={
                f"{P(1, 1)}/ProductPeriode/Begindatum": "2023-04-15",
                f"{P(1, 1)}/ProductPeriode/Einddatum": "2023-04-10",
            },
        ),
        {("TR137", f"{P(1, 1)}/ProductPeriode/Einddatum")},
    ),
    "TR134-productperiode": (
        lambda: edit(
            "WMO323",
            text={
                f"{P(1, 1)}/ProductPeriode/Begindatum": "2023-05-07",
                f"{P(1, 1)}/ProductPeriode/Einddatum": "2023-05-31",
            },
        ),
        {
            ("TR134", f"{P(1, 1)}/ProductPeriode/Begindatum"),
            ("TR137", f"{P(1, 1)}/ProductPeriode/Einddatum"),
            ("TR319", f"{P(1, 1)}/ProductPeriode"),
        },
    ),
    "TR319": (
        lambda: edit(
            "WMO323",
            text={
                f"{P(1, 1)}/ProductPeriode/Begindatum": "2023-05-01",
                f"{P(1, 1)}/ProductPeriode/Einddatum": "2023-05-05",
            },
        ),
        {("TR319", f"{P(1, 1)}/ProductPeriode")},
    ),
    "CS337": (
        lambda: edit(
            "WMO323",
            text={
                f"{P(1, 1)}/ProductPeriode/Begindatum": "2023-03-15",
                f"{P(1, 1)}/ProductPeriode/Einddatum": "2023-04-10",
            },
        ),
        {("CS337", f"{P(1, 1)}/ProductPeriode/Einddatum")},
    ),
    "CS100": (
        lambda: _323_all("2023-04-30", "2020-12-31", _323_all("2023-04-01", "2020-12-01")),
        {("CS100", f"{DP}/Begindatum")}
        | {("CS100", f"{P(c, p)}/ProductPeriode/Begindatum") for c in (1, 2) for p in (1, 2)},
    ),
    "TR335": (
        lambda: edit("WMO323", text={f"{D}/DeclaratieDagtekening": "2028-05-01"}),
        {("TR335", f"{P(c, p)}/ProductPeriode/Einddatum") for c in (1, 2) for p in (1, 2)},
    ),
    "CS325-totaal": (
        lambda: edit(
            "WMO323",
            text={
                f"{D}/TotaalIngediendBedrag/TotaalBedrag": "0",
                f"{D}/TotaalIngediendBedrag/DebetCredit": "C",
                **{f"{P(c, p)}/IngediendBedrag/Bedrag": "0" for c in (1, 2) for p in (1, 2)},
                **{f"{P(c, p)}/GeleverdVolume": "0" for c in (1, 2) for p in (1, 2)},
            },
        ),
        {("CS325", f"{D}/TotaalIngediendBedrag/DebetCredit")},
    ),
    "CS325-prestatie": (
        lambda: edit(
            mutate("WMO323", _vorig("RN001", "RN000")),
            text={
                f"{P(1, 1)}/IngediendBedrag/Bedrag": "0",
                f"{P(1, 1)}/IngediendBedrag/DebetCredit": "C",
                f"{P(1, 1)}/GeleverdVolume": "0",
                f"{D}/TotaalIngediendBedrag/TotaalBedrag": "53000",
            },
        ),
        {("CS325", f"{P(1, 1)}/IngediendBedrag/DebetCredit")},
    ),
    "TR358": (
        lambda: edit("WMO323", text={f"{D}/TotaalIngediendBedrag/TotaalBedrag": "58001"}),
        {("TR358", f"{D}/TotaalIngediendBedrag/TotaalBedrag")},
    ),
    "CD060": (
        lambda: edit(
            "WMO323",
            text={
                f"{P(1, 1)}/IngediendBedrag/DebetCredit": "C",
                f"{D}/TotaalIngediendBedrag/TotaalBedrag": "48000",
            },
        ),
        {("CD060", f"{P(1, 1)}/ProductReferentie/VorigReferentieNummer")},
    ),
    "CD060-debet": (
        lambda: mutate("WMO323", _vorig("RN001", "RN000")),
        {("CD060", f"{P(1, 1)}/ProductReferentie/VorigReferentieNummer")},
    ),
    "CD087": (
        lambda: edit("WMO323", remove=(f"{P(1, 1)}/ProductTarief",)),
        {("CD087", f"{P(1, 1)}/ProductTarief")},
    ),
    "CS339": (
        lambda: edit(
            "WMO323", text={f"{P(1, 1)}/Eenheid": "83"}, remove=(f"{P(1, 1)}/ProductTarief",)
        ),
        {("CS339", f"{P(1, 1)}/IngediendBedrag/Bedrag")},
    ),
    "TR346": (
        lambda: edit(
            "WMO323",
            text={
                f"{P(1, 1)}/IngediendBedrag/Bedrag": "5001",
                f"{D}/TotaalIngediendBedrag/TotaalBedrag": "58001",
            },
        ),
        {("TR346", f"{P(1, 1)}/IngediendBedrag/Bedrag")},
    ),
    "TR101-prestatie": (
        lambda: edit("WMO323", text={f"{P(1, 2)}/ProductReferentie/ReferentieNummer": "RN001"}),
        {("TR101", P(1, 2))},
    ),
    "TR101-client": (
        lambda: edit("WMO323", text={f"{D}/Clienten/Client[2]/Bsn": "999900006"}),
        {("TR101", f"{D}/Clienten/Client[2]")},
    ),
    "TR315": (
        lambda: edit(
            mutate("WMO323", _vorig("RN003", "RN100"), _vorig("RN004", "RN100")),
            text={
                f"{P(2, 1)}/IngediendBedrag/DebetCredit": "C",
                f"{P(2, 2)}/IngediendBedrag/DebetCredit": "C",
                f"{D}/TotaalIngediendBedrag/TotaalBedrag": "0",
            },
        ),
        {("TR315", f"{P(2, 2)}/ProductReferentie/VorigReferentieNummer")},
    ),
    "TR316": (
        lambda: edit(
            mutate("WMO323", _vorig("RN003", "RN001")),
            text={
                f"{P(2, 1)}/IngediendBedrag/DebetCredit": "C",
                f"{D}/TotaalIngediendBedrag/TotaalBedrag": "48000",
            },
        ),
        {("TR316", f"{P(2, 1)}/ProductReferentie/VorigReferentieNummer")},
    ),
    "TR416": (
        lambda: edit(
            "WMO323",
            text={f"{P(1, 2)}/ToewijzingNummer": "20072", f"{P(1, 2)}/ProductCode": "01A03"},
        ),
        {("TR416", P(1, 2))},
    ),
}


@pytest.mark.parametrize(("build", "expected"), CASES.values(), ids=CASES.keys())
def test_rule_is_reported_with_code_and_path(build, expected):
    errors = findings(build())
    assert codes_and_paths(errors) == expected
    for e in errors:
        assert e.retourcode == REGELS[e.code].retourcode
        assert REGELS[e.code].tekst in e.message


def test_every_in_message_rule_has_a_breaking_example():
    tested = {code for _, expected in CASES.values() for code, _ in expected}
    tested |= {"CS015", "CS025", "CS319", "TR135", "TR380"}  # below and in test_iwmo_validate
    assert set(REGELS) <= tested


# --- rules the XSD already enforces, checked on the dataclasses ---------------------------------


def test_cs025_and_cs015_berichtversie_and_subversie():
    bericht = parse_message(example("WMO305"))
    header = replace(bericht.header, berichtversie=4, berichtsubversie=1)
    errors = check_message(replace(bericht, header=header), today=TODAY)
    assert codes_and_paths(errors) == {
        ("CS025", "/Bericht/Header/BerichtVersie"),
        ("CS015", "/Bericht/Header/BerichtSubversie"),
    }


def test_cs319_declaratienummer_letters_and_digits_only():
    bericht = parse_message(example("WMO323"))
    declaratie = replace(bericht.declaratie, declaratie_nummer="DN-001")
    errors = check_message(replace(bericht, declaratie=declaratie), today=TODAY)
    assert codes_and_paths(errors) == {("CS319", f"{D}/DeclaratieNummer")}


# --- what the rules allow ----------------------------------------------------------------------


def test_an_unknown_birth_date_is_exempt_from_the_120_years():
    xml = mutate(
        "WMO301",
        (
            "<iwmo:Datum>1967-08-13</iwmo:Datum>",
            "<iwmo:Datum>1900-01-01</iwmo:Datum><iwmo:DatumGebruik>3</iwmo:DatumGebruik>",
        ),
    )
    assert findings(xml) == []


def test_a_relation_without_partner_may_be_a_legal_person():
    xml = edit("WMO301", text={f"{R1}/Naam/NaamGebruik": "6"}, remove=(f"{R1}/Naam/Partnernaam",))
    assert findings(xml) == []


def test_tr380_holds_for_a_new_product_after_the_dagtekening():
    xml = edit("WMO317", text={f"{NW}/GewensteIngangsdatum": "2023-04-03"})
    assert findings(xml, strict=True) == []


def test_products_of_different_codes_may_overlap():
    xml = edit(
        "WMO301",
        duplicate=(TP,),
        text={f"{TP}[2]/ToewijzingNummer": "102", f"{TP}[2]/Product/Code": "01A02"},
    )
    assert findings(xml) == []


def _toewijzing(*producten: ToegewezenProduct) -> Toewijzingbericht:
    header = Header(
        "414", 3, 2, "0384", "42420001", "T1", date(2024, 1, 10), XsdVersie("1.0.0", "1.0.0")
    )
    client = parse_message(example("WMO301")).client
    return Toewijzingbericht(header, client, producten)


def _product(nummer: int, categorie: str, **changes: object) -> ToegewezenProduct:
    base = ToegewezenProduct(
        toewijzing_nummer=nummer,
        toewijzingsdatum=date(2024, 1, 2),
        toewijzingstijd=time(9),
        ingangsdatum=date(2024, 1, 1),
        einddatum=date(2024, 12, 31),
        product=Product(categorie, "P1"),
        omvang=Omvang(1, "82", "6"),
    )
    return replace(base, **changes)


def test_hulpmiddelen_may_overlap():
    bericht = _toewijzing(_product(1, "11"), _product(2, "11"))
    assert check_message(bericht, today=TODAY) == []


def test_a_withdrawn_allocation_does_not_count_for_stacking():
    verwijderd = _product(1, "15", einddatum=date(2024, 1, 1), reden_wijziging="13")
    assert check_message(_toewijzing(verwijderd, _product(2, "15")), today=TODAY) == []
    stacked = check_message(_toewijzing(_product(1, "15"), _product(2, "15")), today=TODAY)
    assert [e.code for e in stacked] == ["TR302"]


def test_a_generic_allocation_overlaps_with_everything_but_hulpmiddelen():
    generiek = _product(1, "15", product=None, omvang=None, budget=500000)
    assert [
        e.code for e in check_message(_toewijzing(generiek, _product(2, "16")), today=TODAY)
    ] == ["TR302"]
    assert check_message(_toewijzing(generiek, _product(2, "12")), today=TODAY) == []


def test_built_in_contact_rules_on_dataclasses():
    client = parse_message(example("WMO301")).client
    zonder_adres = Contact(soort="02", telefoon=(Telefoon("0501234567"),))
    bericht = replace(
        _toewijzing(_product(1, "15")), client=replace(client, contactgegevens=(zonder_adres,))
    )
    assert check_message(bericht, today=TODAY) == []
    naam = Naam(Achternaam("Veldkamp"), voorletters="J", naamgebruik="1")
    bericht = replace(
        bericht,
        client=replace(
            bericht.client, naam=naam, geboortedatum=Geboortedatum(date(1980, 5, 1), "2")
        ),
    )
    assert [e.code for e in check_message(bericht, today=TODAY)] == ["CS139"]


# --- TR346 with minutes (IV081) -------------------------------------------------------------


def test_minutes_against_an_hourly_tariff_round_per_amount():
    # 12.50 an hour is 20.83 a minute, stated as 21; ten minutes cost 2.08, not 2.10.
    assert amount_matches_tariff("01", 10, 21, 208)
    assert amount_matches_tariff("01", 10, 21, 210)
    assert not amount_matches_tariff("01", 10, 21, 216)  # above 12.89 an hour
    assert not amount_matches_tariff("04", 10, 21, 208)


def test_minute_amounts_in_a_message():
    xml = edit(
        "WMO323",
        text={
            f"{P(1, 1)}/Eenheid": "01",
            f"{P(1, 1)}/GeleverdVolume": "10",
            f"{P(1, 1)}/ProductTarief": "21",
            f"{P(1, 1)}/IngediendBedrag/Bedrag": "208",
            f"{D}/TotaalIngediendBedrag/TotaalBedrag": str(58000 - 5000 + 208),
        },
    )
    assert findings(xml) == []


# --- conditions on an absent element (as the standard's validation evaluates them) ---------


def test_cs089_an_absent_postcode_has_no_dutch_format():
    # LandCode NL without Postcode: the standard's validation reports CS089 next to CD005
    # and CD034 (and TR006: no Huis and Postcode together, no telephone).
    xml = edit("WMO301", text={f"{CC}/Adres/LandCode": "NL"}, remove=(f"{CC}/Adres/Postcode",))
    assert codes_and_paths(findings(xml)) == {
        ("CD005", f"{CC}/Adres/LandCode"),
        ("CD034", f"{CC}/Adres/Postcode"),
        ("CS089", f"{CC}/Adres/Postcode"),
        ("TR006", CC),
    }


def test_cs089_does_not_apply_without_landcode_nl():
    # The condition's own element absent: "LandCode heeft de waarde NL" does not hold.
    xml = edit("WMO301", remove=(f"{CC}/Adres/Postcode", f"{CC}/Adres/LandCode"))
    assert "CS089" not in {e.code for e in findings(xml)}
    xml = edit("WMO301", text={f"{CC}/Adres/Postcode": "0999XX"})  # LandCode AD
    assert "CS089" not in {e.code for e in findings(xml)}


def test_cs050_an_absent_naamgebruik_is_not_one_of_the_allowed_codes():
    # Required by the XSD; a dataclass checked before it is serialised gets CS050 too.
    bericht = parse_message(example("WMO301"))
    naam = replace(bericht.client.naam, naamgebruik=None)
    bericht = replace(bericht, client=replace(bericht.client, naam=naam))
    assert ("CS050", f"{C}/Naam/NaamGebruik") in codes_and_paths(
        check_message(bericht, today=TODAY)
    )
