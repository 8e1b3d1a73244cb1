"""Rules that need earlier messages or system state, fed as plain arguments."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bwmo.iwmo import (
    EerderePrestatie,
    Gemeente,
    Tarief,
    Toewijzing,
    check_antwoord,
    check_berichtidentificatie,
    check_declaration_against_allocations,
    check_gemeentecode,
    check_productcode,
    check_start_stop_sequence,
    check_toewijzingbericht,
    check_verzoek_om_wijziging,
    check_verzoek_referentie,
    parse_message,
)
from bwmo.iwmo.crosscheck import max_volume_in_periode, max_volume_toewijzing
from bwmo.iwmo.model import (
    Antwoord,
    Bedrag,
    Declaratiebericht,
    GeslotenPeriode,
    Omvang,
    Prestatie,
    Product,
    StartProduct,
    StopProduct,
    ToegewezenProduct,
)

from .conftest import codes_and_paths, edit, example

AANBIEDER = "65656055"
D = "/Bericht/Declaratie"
C = "/Bericht/Client"
V = f"{C}/Verzoek"


def P(client: int, prestatie: int) -> str:
    return f"{D}/Clienten/Client[{client}]/Prestaties/Prestatie[{prestatie}]"


def _tp(nummer: int, product: Product | None, **changes: object) -> ToegewezenProduct:
    base = ToegewezenProduct(
        toewijzing_nummer=nummer,
        toewijzingsdatum=date(2022, 12, 20),
        toewijzingstijd=time(9),
        ingangsdatum=date(2023, 1, 1),
        einddatum=date(2023, 12, 31),
        product=product,
        omvang=Omvang(20, "04", "4"),  # 20 uur per maand
    )
    return replace(base, **changes)


# --- the 323 example against allocations and the contract ---------------------------------

TOEWIJZINGEN_323 = {
    20072: ("999900006", Product("01", "01A03")),
    200730: ("999900006", Product("01", "01A04")),
    20074: ("999900018", Product("01", "01A03")),
    20073: ("999900018", Product("01", "01A04")),
}
TARIEVEN = [
    Tarief(Product("01", "01A03"), "04", 1250, date(2023, 1, 1), date(2023, 12, 31)),
    Tarief(Product("01", "01A04"), "04", 1500, date(2023, 1, 1), date(2023, 12, 31)),
]


def _allocations(**changes: dict[str, object]) -> list[Toewijzing]:
    """The example's four allocations; ``changes`` per ToewijzingNummer (``n20072=...``)."""
    result = []
    for nummer, (bsn, product) in TOEWIJZINGEN_323.items():
        change = dict(changes.get(f"n{nummer}", {}))
        bsn = change.pop("bsn", bsn)
        aanbieder = change.pop("aanbieder", AANBIEDER)
        product = change.pop("product", product)
        result.append(Toewijzing(bsn, aanbieder, _tp(nummer, product, **change)))
    return result


def _declaratie(xml: bytes | None = None) -> Declaratiebericht:
    return parse_message(xml or example("WMO323"))


def _prestatie(
    bericht: Declaratiebericht, client: int, index: int, **changes: object
) -> Declaratiebericht:
    """The message with one Prestatie (1-based positions) changed."""
    clienten = list(bericht.declaratie.clienten)
    prestaties = list(clienten[client - 1].prestaties)
    prestaties[index - 1] = replace(prestaties[index - 1], **changes)
    clienten[client - 1] = replace(clienten[client - 1], prestaties=tuple(prestaties))
    return replace(bericht, declaratie=replace(bericht.declaratie, clienten=tuple(clienten)))


def _check(bericht=None, allocations=None, tariffs=TARIEVEN, **kwargs) -> set[tuple[str, str]]:
    errors = check_declaration_against_allocations(
        bericht or _declaratie(),
        _allocations() if allocations is None else allocations,
        tariffs,
        **kwargs,
    )
    return codes_and_paths(errors)


def test_the_example_declaration_fits_its_allocations_and_contract():
    assert _check() == set()


def test_tr333_declaratienummer_already_used():
    assert _check(eerdere_declaratienummers={"DN001"}) == {("TR333", f"{D}/DeclaratieNummer")}


def test_tr338_prestatie_without_allocation():
    allocations = [t for t in _allocations() if t.nummer != 20074]
    assert _check(allocations=allocations) == {("TR338", f"{P(2, 1)}/ToewijzingNummer")}


def test_tr338_allocation_of_another_provider():
    allocations = _allocations(n20074={"aanbieder": "12121212"})
    assert _check(allocations=allocations) == {("TR338", f"{P(2, 1)}/ToewijzingNummer")}


def test_tr304_allocation_of_another_client():
    allocations = _allocations(n20074={"bsn": "999900006"})
    assert _check(allocations=allocations) == {("TR304", P(2, 1))}


def test_tr384_declaring_on_a_withdrawn_allocation():
    allocations = _allocations(n20072={"reden_wijziging": "13", "einddatum": date(2023, 1, 1)})
    assert _check(allocations=allocations) == {
        ("TR384", f"{P(1, 1)}/ToewijzingNummer"),
        ("TR308", f"{P(1, 1)}/ProductPeriode/Einddatum"),
    }


def test_tr339_tr340_product_must_be_the_allocated_one():
    allocations = _allocations(
        n20072={"product": Product("02", "01A03")}, n20073={"product": Product("01", "01A09")}
    )
    assert _check(allocations=allocations) == {
        ("TR339", f"{P(1, 1)}/ProductCategorie"),
        ("TR340", f"{P(2, 2)}/ProductCode"),
    }


def test_an_aspecific_allocation_takes_any_code_of_its_category():
    allocations = _allocations(n20072={"product": Product("01")})
    assert _check(allocations=allocations) == set()


def test_tr307_tr308_product_period_within_the_allocation():
    allocations = _allocations(
        n20072={"ingangsdatum": date(2023, 4, 10)}, n20074={"einddatum": date(2023, 4, 20)}
    )
    assert _check(allocations=allocations) == {
        ("TR307", f"{P(1, 1)}/ProductPeriode/Begindatum"),
        ("TR308", f"{P(2, 1)}/ProductPeriode/Einddatum"),
    }


def test_tr387_tr388_product_period_is_the_month_or_the_allocation_edge():
    bericht = _prestatie(
        _declaratie(), 1, 1, product_periode=GeslotenPeriode(date(2023, 4, 5), date(2023, 4, 25))
    )
    assert _check(bericht) == {
        ("TR387", f"{P(1, 1)}/ProductPeriode/Begindatum"),
        ("TR388", f"{P(1, 1)}/ProductPeriode/Einddatum"),
    }
    # Starting and ending with the allocation inside the month is right (IV089).
    allocations = _allocations(
        n20072={"ingangsdatum": date(2023, 4, 5), "einddatum": date(2023, 4, 25)}
    )
    assert _check(bericht, allocations) == set()


def test_tr341_unit_must_fit_the_allocation():
    allocations = _allocations(n20072={"omvang": Omvang(30, "14", "4")})
    assert _check(allocations=allocations) == {("TR341", f"{P(1, 1)}/Eenheid")}


def test_tr321_volume_within_the_allocation_per_period():
    # Huishoudelijke hulp (categorie 01) per week may fill six weeks a month (IV077): 2 uur
    # per week allows 12 hours in April; 16 are declared.
    allocations = _allocations(n200730={"omvang": Omvang(2, "04", "2")})
    assert _check(allocations=allocations) == {("TR321", f"{P(1, 2)}/GeleverdVolume")}
    allocations = _allocations(n200730={"omvang": Omvang(3, "04", "2")})
    assert _check(allocations=allocations) == set()


def test_tr322_total_volume_over_all_declarations():
    allocations = _allocations(n20072={"omvang": Omvang(10, "04", "6")})  # 10 uur in totaal
    eerder = Prestatie(
        "RN0301",
        20072,
        "01",
        "01A03",
        GeslotenPeriode(date(2023, 3, 1), date(2023, 3, 31)),
        8,
        "04",
        Bedrag(10000),
        1250,
    )
    assert _check(allocations=allocations, eerdere_prestaties=[EerderePrestatie(eerder, True)]) == {
        ("TR322", f"{P(1, 1)}/GeleverdVolume")
    }
    # Rejected earlier prestaties do not count.
    assert (
        _check(allocations=allocations, eerdere_prestaties=[EerderePrestatie(eerder, False)])
        == set()
    )


def test_tr322_hours_and_minutes_add_up_in_minutes():
    allocations = _allocations(n20072={"omvang": Omvang(10, "04", "6")})
    eerder = replace(
        DEBET_MAART, referentie_nummer="RN0301", toewijzing_nummer=20072, geleverd_volume=8
    )
    in_minuten = {"eenheid": "01", "product_tarief": 21}
    over = _prestatie(
        _declaratie(), 1, 1, geleverd_volume=150, ingediend_bedrag=Bedrag(3125), **in_minuten
    )
    passend = _prestatie(
        _declaratie(), 1, 1, geleverd_volume=120, ingediend_bedrag=Bedrag(2500), **in_minuten
    )
    history = [EerderePrestatie(eerder, True)]
    assert _check(over, allocations, eerdere_prestaties=history) == {
        ("TR322", f"{P(1, 1)}/GeleverdVolume")
    }
    assert _check(passend, allocations, eerdere_prestaties=history) == set()


def test_tr369_volume_within_budget():
    bericht = _prestatie(
        _declaratie(), 1, 1, eenheid="83", geleverd_volume=5000, product_tarief=None
    )
    allocations = _allocations(n20072={"product": Product("01"), "omvang": None, "budget": 4000})
    # The contract has 01A03 in euros as well as in hours.
    in_euros = Tarief(Product("01", "01A03"), "83", 1, date(2023, 1, 1))
    assert _check(bericht, allocations, tariffs=[*TARIEVEN, in_euros]) == {
        ("TR369", f"{P(1, 1)}/GeleverdVolume")
    }


def test_tr418_tr346_tariff_and_amount_follow_the_contract():
    tarieven = [replace(TARIEVEN[0], bedrag=1300), TARIEVEN[1]]
    assert _check(tariffs=tarieven) == {
        ("TR418", f"{P(1, 1)}/ProductTarief"),
        ("TR346", f"{P(1, 1)}/IngediendBedrag/Bedrag"),
        ("TR418", f"{P(2, 1)}/ProductTarief"),
        ("TR346", f"{P(2, 1)}/IngediendBedrag/Bedrag"),
    }


def test_tr418_a_product_without_contract_tariff():
    assert _check(tariffs=TARIEVEN[:1]) == {
        ("TR418", f"{P(1, 2)}/ProductTarief"),
        ("TR418", f"{P(2, 2)}/ProductTarief"),
    }


def test_tariffs_are_taken_on_the_product_period():
    tarieven = [replace(t, einddatum=date(2023, 3, 31)) for t in TARIEVEN] + [
        replace(t, bedrag=t.bedrag + 100, ingangsdatum=date(2023, 4, 1)) for t in TARIEVEN
    ]
    assert {code for code, _ in _check(tariffs=tarieven)} == {"TR418", "TR346"}


def test_minutes_against_an_hourly_contract_tariff():
    # 12.50 an hour: 21 cents a minute stated, 10 minutes cost 2.08 (IV081).
    bericht = _prestatie(
        _declaratie(),
        1,
        1,
        eenheid="01",
        geleverd_volume=10,
        product_tarief=21,
        ingediend_bedrag=Bedrag(208),
    )
    assert _check(bericht) == set()
    bericht = _prestatie(bericht, 1, 1, ingediend_bedrag=Bedrag(210))
    assert _check(bericht) == {("TR346", f"{P(1, 1)}/IngediendBedrag/Bedrag")}


def test_tr314_referentienummer_already_received():
    eerder = _declaratie().declaratie.clienten[1].prestaties[0]  # RN003
    assert _check(eerdere_prestaties=[EerderePrestatie(eerder, False)]) == {
        ("TR314", f"{P(2, 1)}/ProductReferentie/ReferentieNummer")
    }


def _credit_of(bericht: Declaratiebericht, debet: Prestatie, referentie: str) -> Declaratiebericht:
    credit = replace(
        debet,
        referentie_nummer=referentie,
        vorig_referentie_nummer=debet.referentie_nummer,
        ingediend_bedrag=Bedrag(debet.ingediend_bedrag.bedrag, "C"),
    )
    return _prestatie(bericht, 2, 1, **credit.__dict__)


DEBET_MAART = Prestatie(
    "RN0300",
    20074,
    "01",
    "01A03",
    GeslotenPeriode(date(2023, 3, 1), date(2023, 3, 31)),
    4,
    "04",
    Bedrag(5000),
    1250,
)


def test_tr323_a_credit_needs_an_approved_debit_with_the_same_keys():
    bericht = _credit_of(_declaratie(), DEBET_MAART, "RN005")
    assert _check(bericht, eerdere_prestaties=[EerderePrestatie(DEBET_MAART, True)]) == set()
    assert _check(bericht, eerdere_prestaties=[EerderePrestatie(DEBET_MAART, False)]) == {
        ("TR323", f"{P(2, 1)}/ProductReferentie/VorigReferentieNummer")
    }
    ander = replace(DEBET_MAART, product_code="01A04")
    assert _check(bericht, eerdere_prestaties=[EerderePrestatie(ander, True)]) == {
        ("TR323", f"{P(2, 1)}/ProductReferentie/VorigReferentieNummer")
    }


def test_tr390_a_debit_is_credited_once():
    bericht = _credit_of(_declaratie(), DEBET_MAART, "RN005")
    eerdere_credit = replace(
        DEBET_MAART,
        referentie_nummer="RN0400",
        vorig_referentie_nummer="RN0300",
        ingediend_bedrag=Bedrag(5000, "C"),
    )
    eerder = [EerderePrestatie(DEBET_MAART, True), EerderePrestatie(eerdere_credit, True)]
    assert _check(bericht, eerdere_prestaties=eerder) == {
        ("TR390", f"{P(2, 1)}/ProductReferentie/VorigReferentieNummer")
    }


def test_tr389_a_second_debit_only_after_the_first_is_credited():
    april = replace(
        DEBET_MAART,
        referentie_nummer="RN0500",
        product_periode=GeslotenPeriode(date(2023, 4, 1), date(2023, 4, 30)),
    )
    assert _check(eerdere_prestaties=[EerderePrestatie(april, True)]) == {("TR389", P(2, 1))}
    credit = replace(
        april,
        referentie_nummer="RN0501",
        vorig_referentie_nummer="RN0500",
        ingediend_bedrag=Bedrag(5000, "C"),
    )
    eerder = [EerderePrestatie(april, True), EerderePrestatie(credit, True)]
    assert _check(eerdere_prestaties=eerder) == set()


# --- maximum volumes (IV076, IV077, IV078) ------------------------------------------------------


def _maand(jaar: int, maand: int) -> GeslotenPeriode:
    eind = (date(jaar + maand // 12, maand % 12 + 1, 1)) - timedelta(days=1)
    return GeslotenPeriode(date(jaar, maand, 1), eind)


def test_iv077_inspanningsgericht_per_week_counts_calendar_weeks():
    tp = _tp(
        1,
        Product("02", "BG01"),
        ingangsdatum=date(2025, 10, 7),
        einddatum=date(2025, 12, 30),
        omvang=Omvang(3, "04", "2"),
    )
    assert [max_volume_in_periode(tp, _maand(2025, m), "04") for m in (10, 11, 12)] == [12, 15, 15]
    assert max_volume_toewijzing(tp, "04") == 39
    assert max_volume_toewijzing(tp, "01") == 39 * 60  # declared in minutes


def test_iv077_outputgericht_per_week_counts_sundays():
    tp = _tp(
        1,
        Product("02", "BG02"),
        ingangsdatum=date(2025, 7, 7),
        einddatum=date(2025, 9, 5),
        omvang=Omvang(30000, "83", "2"),
    )
    assert [max_volume_in_periode(tp, _maand(2025, m), "83") for m in (7, 8, 9)] == [
        90000,
        180000,
        0,
    ]
    assert max_volume_toewijzing(tp, "83") == 270000


def test_iv077_huishoudelijke_hulp_may_use_six_weeks_per_month():
    tp = _tp(1, Product("01", "HH01"), omvang=Omvang(3, "04", "2"))
    assert max_volume_in_periode(tp, _maand(2023, 2), "04") == 18


def test_iv078_a_broken_period_allows_the_whole_frequency_volume():
    per_week = _tp(
        1,
        Product("02", "BG01"),
        ingangsdatum=date(2025, 11, 12),
        einddatum=date(2025, 12, 13),
        omvang=Omvang(3, "04", "2"),
    )
    assert (
        max_volume_in_periode(
            per_week, GeslotenPeriode(date(2025, 11, 12), date(2025, 11, 30)), "04"
        )
        == 9
    )
    per_maand = replace(per_week, ingangsdatum=date(2025, 10, 14), omvang=Omvang(15, "04", "4"))
    assert (
        max_volume_in_periode(
            per_maand, GeslotenPeriode(date(2025, 10, 14), date(2025, 10, 31)), "04"
        )
        == 15
    )


def test_per_day_and_unbounded_allocations():
    per_dag = _tp(1, Product("15", "BW24"), omvang=Omvang(1, "14", "1"))
    assert max_volume_in_periode(per_dag, _maand(2023, 2), "14") == 28
    assert max_volume_toewijzing(per_dag, "14") == 365
    assert max_volume_toewijzing(replace(per_dag, einddatum=None), "14") is None
    assert max_volume_toewijzing(replace(per_dag, omvang=None), "14") is None


@settings(max_examples=80, deadline=None)
@given(
    begin=st.dates(min_value=date(2023, 1, 1), max_value=date(2026, 12, 31)),
    days=st.integers(0, 400),
    frequentie=st.sampled_from(["1", "2", "4", "6"]),
    eenheid=st.sampled_from(["04", "14", "83"]),
)
def test_monthly_maxima_never_allow_less_than_the_whole_allocation(
    begin, days, frequentie, eenheid
):
    """Per-period limits (TR321) never undercut the total (TR322); for output per week and
    per day they add up to exactly the total."""
    tp = _tp(
        1,
        Product("02", "X"),
        ingangsdatum=begin,
        einddatum=begin + timedelta(days=days),
        omvang=Omvang(5, eenheid, frequentie),
    )
    months, day = [], begin.replace(day=1)
    while day <= tp.einddatum:
        months.append(_maand(day.year, day.month))
        day = months[-1].einddatum + timedelta(days=1)
    per_maand = sum(max_volume_in_periode(tp, m, eenheid) for m in months)
    totaal = max_volume_toewijzing(tp, eenheid)
    assert per_maand >= totaal
    if frequentie == "1" or (frequentie == "2" and eenheid == "83"):
        assert per_maand == totaal


# --- start and stop ------------------------------------------------------------------------

SP = f"{C}/StartProducten/StartProduct"
ST = f"{C}/StopProducten/StopProduct"
START_ALLOCATIONS = [
    Toewijzing(
        "999900006", AANBIEDER, _tp(300201, Product("01", "01A11"), ingangsdatum=date(2025, 4, 1))
    ),
    Toewijzing(
        "999900006", AANBIEDER, _tp(300202, Product("01", "01A12"), ingangsdatum=date(2025, 4, 1))
    ),
]
START_1 = StartProduct(date(2025, 4, 3), "1", 300201, Product("01", "01A11"), date(2025, 4, 1))
START_2 = StartProduct(date(2025, 4, 15), "1", 300202, Product("01", "01A12"), date(2025, 4, 1))


def _start_stop(message: str | bytes, **kwargs) -> set[tuple[str, str]]:
    bericht = parse_message(example(message) if isinstance(message, str) else message)
    return codes_and_paths(check_start_stop_sequence(bericht, START_ALLOCATIONS, **kwargs))


def test_a_first_start_on_an_allocation():
    assert _start_stop("WMO305") == set()


def test_tr019_start_without_allocation():
    only_first = START_ALLOCATIONS[:1]
    bericht = parse_message(example("WMO305"))
    assert codes_and_paths(check_start_stop_sequence(bericht, only_first)) == {
        ("TR019", f"{SP}[2]/ToewijzingNummer")
    }


def test_tr074_tr326_the_same_start_again():
    assert _start_stop("WMO305", starts=[START_1]) == {("TR074", f"{SP}[1]"), ("TR326", f"{SP}[1]")}


def test_tr326_no_new_start_while_a_start_is_not_stopped():
    maart = replace(START_1, begindatum=date(2025, 3, 1))
    assert _start_stop("WMO305", starts=[maart]) == {("TR326", f"{SP}[1]")}
    gestopt = StopProduct(
        date(2025, 3, 1),
        "20",
        date(2025, 3, 20),
        "1",
        300201,
        Product("01", "01A11"),
        date(2025, 4, 1),
    )
    assert _start_stop("WMO305", starts=[maart], stops=[gestopt]) == set()


def test_tr063_tr071_deleting_a_start():
    xml = edit("WMO305", text={f"{SP}[1]/StatusAanlevering": "3"})
    assert _start_stop(xml) == {("TR063", f"{SP}[1]")}
    assert _start_stop(xml, starts=[START_1]) == set()
    stop = StopProduct(
        date(2025, 4, 3),
        "19",
        date(2025, 5, 1),
        "1",
        300201,
        Product("01", "01A11"),
        date(2025, 4, 1),
    )
    assert _start_stop(xml, starts=[START_1], stops=[stop]) == {
        ("TR071", f"{SP}[1]/StatusAanlevering")
    }


def _stop(reden: str, einddatum: date) -> StopProduct:
    return StopProduct(
        date(2025, 4, 3), reden, einddatum, "1", 300201, Product("01", "01A11"), date(2025, 4, 1)
    )


def test_a_stop_after_its_start():
    assert _start_stop("WMO307", starts=[START_1, START_2]) == set()


def test_tr382_a_stop_refers_to_the_actual_start():
    assert _start_stop("WMO307", starts=[START_1]) == {("TR382", f"{ST}[2]")}
    other = replace(START_2, product=Product("01", "01A13"))
    assert _start_stop("WMO307", starts=[START_1, other]) == {("TR382", f"{ST}[2]")}


def test_tr074_tr415_the_same_stop_again():
    assert _start_stop(
        "WMO307", starts=[START_1, START_2], stops=[_stop("31", date(2025, 7, 18))]
    ) == {
        ("TR074", f"{ST}[1]"),
        ("TR415", f"{ST}[1]"),
    }


def test_tr413_tr414_after_a_temporary_stop():
    tijdelijk = _stop("20", date(2025, 7, 20))
    assert _start_stop("WMO307", starts=[START_1, START_2], stops=[tijdelijk]) == {
        ("TR414", f"{ST}[1]/Einddatum")
    }
    xml = edit(
        "WMO307", text={f"{ST}[1]/RedenBeeindiging": "20", f"{ST}[1]/Einddatum": "2025-07-20"}
    )
    assert _start_stop(xml, starts=[START_1, START_2], stops=[_stop("20", date(2025, 6, 1))]) == {
        ("TR413", f"{ST}[1]/RedenBeeindiging")
    }


def test_tr063_deleting_an_unknown_stop():
    xml = edit("WMO307", text={f"{ST}[1]/StatusAanlevering": "3"})
    assert _start_stop(xml, starts=[START_1, START_2]) == {("TR063", f"{ST}[1]")}
    assert (
        _start_stop(xml, starts=[START_1, START_2], stops=[_stop("31", date(2025, 7, 18))]) == set()
    )


# --- verzoek om wijziging ------------------------------------------------------------------

TW = f"{V}/TeWijzigenProducten/TeWijzigenProduct"
OG = f"{V}/OngewijzigdeProducten/OngewijzigdProduct"
NW = f"{V}/NieuweProducten/NieuwProduct"


def _vow_allocations(**changes: object) -> list[Toewijzing]:
    t10071 = _tp(10071, Product("01", "01A10"), omvang=Omvang(10, "04", "2"))
    # Aspecific (category only, no Omvang): the example's TeWijzigenProduct has no Omvang.
    t10072 = _tp(
        10072,
        Product("02"),
        ingangsdatum=date(2023, 4, 2),
        einddatum=date(2023, 6, 30),
        omvang=None,
    )
    t10072 = replace(t10072, **changes)
    return [Toewijzing("999900006", AANBIEDER, t10071), Toewijzing("999900006", AANBIEDER, t10072)]


def _vow(allocations=None, bericht=None) -> set[tuple[str, str]]:
    bericht = bericht or parse_message(example("WMO317"))
    return codes_and_paths(check_verzoek_om_wijziging(bericht, allocations or _vow_allocations()))


def _met_te_wijzigen(**changes: object):
    bericht = parse_message(example("WMO317"))
    [tw] = bericht.verzoek.te_wijzigen_producten
    verzoek = replace(bericht.verzoek, te_wijzigen_producten=(replace(tw, **changes),))
    return replace(bericht, verzoek=verzoek)


def test_the_example_request_lists_the_current_allocations():
    assert _vow() == set()


def test_tr349_all_current_allocations_in_the_request():
    extra = Toewijzing("999900006", AANBIEDER, _tp(10073, Product("07", "DB01")))
    assert _vow([*_vow_allocations(), extra]) == {("TR349", V)}
    afgelopen = Toewijzing(
        "999900006", AANBIEDER, _tp(10073, Product("07", "DB01"), einddatum=date(2023, 3, 31))
    )
    assert _vow([*_vow_allocations(), afgelopen]) == set()


def test_tr350_tr351_products_refer_to_current_allocations():
    t10071, t10072 = _vow_allocations()
    assert _vow([t10072]) == {("TR350", f"{OG}/ToewijzingNummer")}
    andere = replace(t10072, aanbieder="12121212")
    assert _vow([t10071, andere]) == {("TR351", f"{TW}/ToewijzingNummer")}


def test_tr304_an_allocation_of_another_client():
    t10071, t10072 = _vow_allocations()
    assert _vow([t10071, replace(t10072, bsn="999900018")]) == {("TR304", f"{TW}/ToewijzingNummer")}


def test_tr357_a_change_from_today_or_earlier_covers_the_whole_allocation():
    assert _vow(_vow_allocations(ingangsdatum=date(2023, 3, 1))) == {
        ("TR357", f"{TW}/GewensteIngangsdatum")
    }


def test_tr373_a_budget_change_covers_the_whole_allocation():
    allocations = _vow_allocations(ingangsdatum=date(2023, 3, 1), budget=100000)
    bericht = _met_te_wijzigen(gewenste_ingangsdatum=date(2023, 5, 1), budget=150000)
    assert _vow(allocations, bericht) == {("TR373", f"{TW}/GewensteIngangsdatum")}


def test_tr411_tr412_tr375_omvang_follows_the_allocations_product():
    met_omvang = _met_te_wijzigen(omvang=Omvang(5, "04", "2"))
    assert _vow(_vow_allocations(product=Product("02", "BG01")), _met_te_wijzigen()) == {
        ("TR411", f"{TW}/Omvang")
    }
    assert _vow(_vow_allocations(), met_omvang) == {("TR412", f"{TW}/Omvang")}
    # A generic allocation also stacks with every other product (TR361).
    assert _vow(_vow_allocations(product=None, budget=5000), met_omvang) == {
        ("TR375", f"{TW}/Omvang"),
        ("TR361", TW),
        ("TR361", NW),
    }


def test_tr361_a_new_product_may_not_stack_on_a_current_one():
    t10071, t10072 = _vow_allocations()
    zelfde = replace(
        t10071,
        toegewezen_product=replace(t10071.toegewezen_product, product=Product("01", "01A12")),
    )
    assert _vow([zelfde, t10072]) == {("TR361", NW)}


def test_tr347_tr374_request_references():
    bericht = parse_message(example("WMO315"))
    errors = check_verzoek_referentie(
        bericht, bekende_referenties={"42420002"}, onderhanden_verzoek=True
    )
    assert codes_and_paths(errors) == {
        ("TR347", f"{C}/AangevraagdeProducten/AangevraagdProduct[2]"),
        ("TR374", C),
    }
    vow = parse_message(example("WMO317"))
    assert codes_and_paths(
        check_verzoek_referentie(vow, bekende_referenties={"9003"}, onderhanden_verzoek=False)
    ) == {("TR347", f"{V}/ReferentieAanbieder")}


# --- what the municipality sends -------------------------------------------------------------


def test_check_toewijzingbericht_tr332_tr385_tr379():
    bericht = parse_message(example("WMO301"))
    [tp] = bericht.toegewezen_producten
    path = f"{C}/ToegewezenProducten/ToegewezenProduct"
    assert check_toewijzingbericht(bericht, [], verzoek_referenties={"42420002"}) == []
    elders = Toewijzing("999900018", "42420001", tp)
    assert codes_and_paths(
        check_toewijzingbericht(bericht, [elders], verzoek_referenties={"42420002"})
    ) == {("TR332", f"{path}/ToewijzingNummer")}
    assert codes_and_paths(check_toewijzingbericht(bericht, [])) == {
        ("TR379", f"{path}/ReferentieAanbieder")
    }
    verwijderd = replace(tp, reden_wijziging="13", einddatum=tp.ingangsdatum)
    bericht = replace(bericht, toegewezen_producten=(verwijderd,))
    errors = check_toewijzingbericht(
        bericht, [], gedeclareerde_toewijzingen={101}, verzoek_referenties={"42420002"}
    )
    assert codes_and_paths(errors) == {("TR385", f"{path}/RedenWijziging")}


@pytest.mark.parametrize(
    ("antwoord", "eerder", "expected"),
    [
        (Antwoord("9003", "2"), [], set()),
        (Antwoord("9004", "1", "3"), [], {("TR355", "/Bericht/Antwoord/ReferentieAanbieder")}),
        (
            Antwoord("9003", "2"),
            [Antwoord("9003", "2")],
            {("TR360", "/Bericht/Antwoord/VerzoekAntwoord")},
        ),
        (Antwoord("9003", "1", "4"), [Antwoord("9003", "2")], set()),
        (
            Antwoord("9003", "1", "4"),
            [Antwoord("9003", "1", "4")],
            {("TR365", "/Bericht/Antwoord/VerzoekAntwoord")},
        ),
    ],
)
def test_check_antwoord(antwoord, eerder, expected):
    errors = check_antwoord(antwoord, verzoek_referenties={"9003"}, eerdere_antwoorden=eerder)
    assert codes_and_paths(errors) == expected


def test_tr359_no_answer_after_an_allocation():
    bericht = parse_message(example("WMO319"))
    errors = check_antwoord(bericht, verzoek_referenties={"9003"}, toegewezen_referenties={"9003"})
    assert codes_and_paths(errors) == {("TR359", "/Bericht/Antwoord/ReferentieAanbieder")}


def test_tr056_identificatie_unique_per_sender_and_type():
    header = parse_message(example("WMO305")).header
    assert check_berichtidentificatie(header, {"123456789012"}) == []
    [error] = check_berichtidentificatie(header, {"123456789013"})
    assert (error.code, error.retourcode) == ("TR056", "9056")


# --- external code lists ---------------------------------------------------------------------


def test_tr378_municipality_code_valid_on_the_date():
    bericht = parse_message(example("WMO301"))  # Afzender 0384, Dagtekening 2023-08-13
    assert check_gemeentecode(bericht, [Gemeente("0384", date(1900, 1, 1))]) == []
    opgeheven = [Gemeente("0384", date(1900, 1, 1), date(2022, 12, 31))]
    [error] = check_gemeentecode(bericht, opgeheven)
    assert (error.code, error.path, error.retourcode) == (
        "TR378",
        "/Bericht/Header/Afzender",
        "S300",
    )
    # After a merger the old code stays valid for allocations that started before it.
    samengevoegd = [Gemeente("0384", date(1900, 1, 1), date(2023, 6, 30))]
    assert check_gemeentecode(bericht, samengevoegd) == []


def test_tr378_receivers_code_without_allocation_dates():
    bericht = parse_message(example("WMO323"))  # Ontvanger 0384
    [error] = check_gemeentecode(bericht, [Gemeente("0384", date(2024, 1, 1))])
    assert error.path == "/Bericht/Header/Ontvanger"


def test_tr381_product_codes_from_the_product_list():
    lijst = {Product("01", "01A11"), Product("01", "01A03"), Product("01", "01A04")}
    errors = check_productcode(parse_message(example("WMO305")), lijst)
    assert codes_and_paths(errors) == {("TR381", f"{SP}[2]/Product/Code")}
    assert check_productcode(parse_message(example("WMO323")), lijst) == []
    errors = check_productcode(parse_message(example("WMO323")), lijst - {Product("01", "01A04")})
    assert {e.path for e in errors} == {f"{P(1, 2)}/ProductCode", f"{P(2, 2)}/ProductCode"}
    assert {e.retourcode for e in errors} == {"S329"}


@given(
    begin=st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31)),
    length=st.integers(min_value=-3, max_value=1200),
)
def test_week_and_sunday_counts_match_counting_day_by_day(begin, length):
    from bwmo.iwmo.crosscheck import _sundays, _weeks

    end = begin + timedelta(days=length)
    days = [begin + timedelta(days=n) for n in range(max(0, length + 1))]
    assert _weeks(begin, end) == len({d.isocalendar()[:2] for d in days})
    assert _sundays(begin, end) == sum(1 for d in days if d.isoweekday() == 7)
