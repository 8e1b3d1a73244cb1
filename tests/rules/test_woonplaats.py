"""The woonplaats engine: worked examples, one test per rule, and the case-file format."""

import json
import os
from copy import deepcopy
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bwmo.rules.woonplaats import (
    BASIS,
    BASIS_A,
    BASIS_B,
    BASIS_C,
    BASIS_D,
    BASIS_G,
    BASIS_MO,
    BASIS_T,
    BASIS_V,
    BASIS_W,
    CATEGORY_BY_RULE,
    RULES,
    BrpPeriod,
    CarePeriod,
    Case,
    Decision,
    DisputeAdvice,
    RuleSet,
    decide,
)
from bwmo.rules.woonplaats_cases import CaseFileError, load_case_file, run_case_file

ASSEN, TYNAARLO, MEPPEL, EMMEN, HOOGEVEEN = "GM0106", "GM1730", "GM0119", "GM0114", "GM0118"
NAMES = {ASSEN: "Assen", TYNAARLO: "Tynaarlo", MEPPEL: "Meppel", EMMEN: "Emmen"}
RULES_2026 = RuleSet(start_date=date(2026, 1, 1), lookback_months=12)


def d(text: str) -> date:
    return date.fromisoformat(text)


def brp(municipality: str, start: str, end: str | None, kind: str = "woonadres") -> BrpPeriod:
    return BrpPeriod(municipality, d(start), d(end) if end else None, kind)


def bw(provided_by: str, start: str, end: str | None, location: str = ASSEN) -> CarePeriod:
    return CarePeriod("BW", d(start), d(end) if end else None, provided_by, location)


def mo(provided_by: str, start: str, end: str | None) -> CarePeriod:
    return CarePeriod("MO", d(start), d(end) if end else None, provided_by, provided_by)


def case(
    application_date: str = "2026-05-04",
    *,
    brp_periods: tuple[BrpPeriod, ...] = (),
    care: tuple[CarePeriod, ...] = (),
    product: str = "BW",
    applied_to: str = ASSEN,
    centrumgemeente: str = ASSEN,
    dispute_advice: DisputeAdvice | None = None,
) -> Case:
    return Case(
        id="c",
        product=product,
        application_date=d(application_date),
        applied_to=applied_to,
        centrumgemeente=centrumgemeente,
        brp=brp_periods,
        care=care,
        dispute_advice=dispute_advice,
    )


def decide_named(c: Case, rules: RuleSet = RULES_2026) -> Decision:
    return decide(c, rules, NAMES)


# --- the worked examples ---------------------------------------------------------------


def _examples_file() -> Path:
    shared = os.environ.get("BWMO_SHARED_DIR")
    root = Path(shared) if shared else Path(__file__).resolve().parents[2].parent / "shared"
    return root / "cases" / "woonplaats-examples.json"


# Worked examples whose expected answer in the shared file contradicts bwmo's reading of the
# bill (docs/rules.md); the test checks bwmo's answer and that the file still says otherwise,
# so the entry is removed once the file is corrected.
SHARED_EXAMPLE_CORRECTIONS: dict[str, dict[str, Any]] = {
    # BW's last day 2026-03-31; the twelve months after it end on 2027-03-31, that day
    # included ("minder dan twaalf maanden verstreken"): still rule A, not W.
    "twelve-month-rule-first-day-outside": {
        "responsible": "GM1731",
        "category": "nieuwe_client",
        "rule": "A",
        "woonplaats_onbekend": False,
    },
}


def _example_params() -> list[Any]:
    path = _examples_file()
    if not path.is_file():
        return [pytest.param(None, None, marks=pytest.mark.skip(reason=f"{path} not found"))]
    rules, cases = load_case_file(path.read_text(encoding="utf-8"))
    return [pytest.param(rules, pair, id=pair[0].id) for pair in cases]


def corrected_examples(text: str) -> str:
    """The shared examples file with bwmo's answers for the cases it reads differently."""
    document = json.loads(text)
    for item in document["cases"]:
        if item["id"] in SHARED_EXAMPLE_CORRECTIONS:
            item["expected"] = SHARED_EXAMPLE_CORRECTIONS[item["id"]]
    return json.dumps(document)


@pytest.mark.parametrize(("rules", "pair"), _example_params())
def test_worked_example_matches_expected(
    rules: RuleSet, pair: tuple[Case, dict[str, Any] | None]
) -> None:
    example, expected = pair
    assert expected is not None
    if example.id in SHARED_EXAMPLE_CORRECTIONS:
        corrected = SHARED_EXAMPLE_CORRECTIONS[example.id]
        assert corrected != {k: expected.get(k) for k in corrected}, "correction is stale"
        expected = corrected
    decision = decide(example, rules)
    for key, value in expected.items():
        assert getattr(decision, key) == value, key
    assert decision.basis == BASIS[decision.rule]


def test_worked_examples_file_runs_clean() -> None:
    path = _examples_file()
    if not path.is_file():
        pytest.skip(f"{path} not found")
    exit_code, document = run_case_file(corrected_examples(path.read_text(encoding="utf-8")))
    assert exit_code == 0
    assert document["results"]
    assert all(result["matches_expected"] is True for result in document["results"])


# --- the rules table --------------------------------------------------------------------


def test_rules_table_constants() -> None:
    assert RULES == ("G", "MO", "V", "T", "A", "B", "C", "W", "D")
    assert set(BASIS) == set(RULES) == set(CATEGORY_BY_RULE)
    assert [CATEGORY_BY_RULE[r] for r in RULES] == [
        "nieuwe_client",
        "mo",
        "overgangsclient",
        "overgangsclient",
        *["nieuwe_client"] * 5,
    ]
    assert BASIS_B == "Wmo 2015 art. 1.2.1a lid 1 sub b (instelling: laatste woonadres daarvoor)"
    assert (
        BASIS_G
        == "Geschillencommissie Sociaal Domein, Woonplaatsbeginsel en Toegang (bindend advies)"
    )


# G


def test_g_dispute_advice_overrides_every_other_rule() -> None:
    advice = DisputeAdvice(responsible=MEPPEL, date=d("2026-06-15"))
    running_bw = (bw(TYNAARLO, "2024-03-01", None),)
    for product, day in (("BW", "2026-05-04"), ("MO", "2026-05-04"), ("BW", "2025-05-04")):
        decision = decide_named(case(day, product=product, care=running_bw, dispute_advice=advice))
        assert (decision.responsible, decision.rule) == (MEPPEL, "G")
        assert decision.category == ("mo" if product == "MO" else "nieuwe_client")
        assert decision.basis == BASIS_G
        assert not decision.woonplaats_onbekend
        assert decision.trace[-1] == (
            "Bindend advies van de Geschillencommissie van 2026-06-15: Meppel is "
            f"verantwoordelijk → {BASIS_G}"
        )


# MO


def test_mo_stays_with_the_centrumgemeente() -> None:
    decision = decide_named(
        case(
            product="MO",
            applied_to=TYNAARLO,
            centrumgemeente=ASSEN,
            brp_periods=(brp(MEPPEL, "2010-01-01", None),),
            care=(bw(EMMEN, "2026-01-01", None),),
        )
    )
    assert (decision.responsible, decision.rule, decision.category) == (ASSEN, "MO", "mo")
    assert decision.basis == BASIS_MO
    assert "Product MO: de centrumgemeente Assen is verantwoordelijk" in decision.trace[-1]


def test_mo_before_the_start_date_is_still_mo() -> None:
    decision = decide_named(case("2025-06-01", product="MO"))
    assert decision.rule == "MO"


# V


def test_v_before_the_start_date_the_centrumgemeente_decides() -> None:
    c = case(
        "2025-12-31",
        applied_to=TYNAARLO,
        centrumgemeente=ASSEN,
        brp_periods=(brp(MEPPEL, "2010-01-01", None),),
        care=(bw(EMMEN, "2024-01-01", None),),
    )
    decision = decide_named(c)
    assert (decision.responsible, decision.rule) == (ASSEN, "V")
    assert decision.category == "overgangsclient"
    assert decision.basis == BASIS_V
    assert decision.trace[-1].startswith("Melding vóór de ingangsdatum 2026-01-01")


def test_v_ends_on_the_start_date() -> None:
    c = case("2026-01-01", brp_periods=(brp(MEPPEL, "2010-01-01", None),))
    decision = decide_named(c)
    assert decision.rule == "W"
    assert "Melding op of na de ingangsdatum 2026-01-01" in decision.trace[3]


def test_v_follows_the_rule_set_start_date() -> None:
    c = case("2026-05-04", brp_periods=(brp(MEPPEL, "2010-01-01", None),))
    later = RuleSet(start_date=d("2027-01-01"), version="uitstel-2027")
    assert decide(c, RULES_2026).rule == "W"
    decision = decide(c, later)
    assert decision.rule == "V"
    assert decision.trace[1] == (
        "Regelset uitstel-2027: woonplaatsbeginsel vanaf 2027-01-01, terugkijktermijn 12 maanden."
    )


# T


def test_t_bw_running_before_the_start_date() -> None:
    c = case("2026-06-01", care=(bw(TYNAARLO, "2024-03-01", None, location=ASSEN),))
    decision = decide_named(c)
    assert (decision.responsible, decision.rule) == (TYNAARLO, "T")
    assert decision.category == "overgangsclient"
    assert decision.basis == BASIS_T
    assert decision.trace[-2] == (
        "De BW-keten waar de melding bij aansluit begon op 2024-03-01 (1 periode)."
    )
    assert "op 2025-12-31 liep BW verstrekt door Tynaarlo" in decision.trace[-1]


def test_t_bw_running_elsewhere_since_after_the_start_date_is_the_last_provider() -> None:
    # Moved to a BW elsewhere after the start date, without a break: the same chain, but
    # Emmen now provides BW (art. 1.2.1a lid 1 sub a), not Tynaarlo under the overgangsrecht.
    care = (bw(TYNAARLO, "2024-03-01", "2026-02-28"), bw(EMMEN, "2026-03-01", None))
    decision = decide_named(case("2026-06-01", care=care))
    assert (decision.responsible, decision.rule, decision.category) == (
        EMMEN,
        "A",
        "nieuwe_client",
    )
    assert "(2 periodes)" in decision.trace[-2]
    assert "Emmen verstrekte laatstelijk beschermd wonen (loopt nog)" in decision.trace[-1]


def test_t_without_bw_on_the_day_before_takes_the_last_bw_before_it() -> None:
    care = (
        bw(MEPPEL, "2023-01-01", "2024-12-31"),
        bw(TYNAARLO, "2025-01-01", "2025-06-30"),
        bw(TYNAARLO, "2026-03-01", None),  # less than 12 months after 2025-06-30
    )
    decision = decide_named(case("2026-06-01", care=care))
    assert (decision.responsible, decision.rule) == (TYNAARLO, "T")
    assert decision.trace[-1] == (
        "De keten begon vóór de ingangsdatum 2026-01-01: overgangscliënt (op 2025-12-31 liep "
        "geen BW; de laatste BW daarvoor (t/m 2025-06-30) werd verstrekt door Tynaarlo); "
        "Tynaarlo verstrekte ook laatstelijk beschermd wonen (loopt nog) en blijft "
        f"verantwoordelijk → {BASIS_T}"
    )


def test_t_several_periods_on_the_day_before_take_the_latest_started() -> None:
    care = (bw(MEPPEL, "2024-01-01", "2026-01-31"), bw(TYNAARLO, "2025-11-01", None))
    assert decide_named(case("2026-06-01", care=care)).responsible == TYNAARLO


def test_t_a_break_of_twelve_months_starts_a_new_chain() -> None:
    old = bw(MEPPEL, "2023-01-01", "2025-01-31")
    # The twelve months after 2025-01-31 run to 2026-01-31 included: a stay from the day
    # after on is a new chain.
    assert decide_named(case("2026-06-01", care=(old, bw(MEPPEL, "2026-02-01", None)))).rule == "A"
    assert decide_named(case("2026-06-01", care=(old, bw(MEPPEL, "2026-01-31", None)))).rule == "T"


def test_t_chain_links_through_a_long_running_earlier_period() -> None:
    # Meppel's second stay starts within 12 months of the end of its first, not of
    # Tynaarlo's (the one that started just before it), and the application is more than 12
    # months after the first ended: only the chain links it to the stay before the start
    # date, so Meppel's client stays an overgangscliënt.
    care = (
        bw(MEPPEL, "2023-01-01", "2026-03-31"),
        bw(TYNAARLO, "2023-02-01", "2023-03-01"),
        bw(MEPPEL, "2027-01-01", None),
    )
    decision = decide_named(case("2027-06-01", care=care))
    assert (decision.responsible, decision.rule) == (MEPPEL, "T")
    assert "begon op 2023-01-01 (3 periodes)" in decision.trace[-2]


def test_t_without_look_back_only_overlapping_stays_form_a_chain() -> None:
    no_look_back = RuleSet(d("2026-01-01"), lookback_months=0)
    overlapping = (bw(MEPPEL, "2025-01-01", "2026-03-01"), bw(MEPPEL, "2026-03-01", None))
    adjacent = (bw(MEPPEL, "2025-01-01", "2026-02-28"), bw(MEPPEL, "2026-03-01", None))
    assert decide(case("2026-06-01", care=overlapping), no_look_back).rule == "T"
    assert decide(case("2026-06-01", care=adjacent), no_look_back).rule == "A"


# A


def test_a_running_bw_stays_with_the_placing_municipality() -> None:
    # The client registered a woonadres at the BW location; the placing municipality pays.
    c = case(
        "2026-09-01",
        brp_periods=(brp(TYNAARLO, "2000-01-01", "2026-02-28"), brp(ASSEN, "2026-03-01", None)),
        care=(bw(TYNAARLO, "2026-03-01", None, location=ASSEN),),
    )
    decision = decide_named(c)
    assert (decision.responsible, decision.rule) == (TYNAARLO, "A")
    assert decision.category == "nieuwe_client"
    assert decision.basis == BASIS_A
    assert decision.trace[-3] == (
        "BW sinds 2026-03-01, verstrekt door Tynaarlo in Assen, loopt op 2026-09-01."
    )
    assert decision.trace[-1] == (
        "De keten begon op of na de ingangsdatum 2026-01-01: nieuwe cliënt; verantwoordelijk "
        f"blijft Tynaarlo, die deze BW verstrekte → {BASIS_A}"
    )


def test_a_several_running_take_the_latest_started() -> None:
    care = (bw(MEPPEL, "2026-02-01", None), bw(EMMEN, "2026-04-01", None))
    decision = decide_named(case("2026-09-01", care=care))
    assert (decision.responsible, decision.rule) == (EMMEN, "A")
    assert "(de laatst begonnen van 2)" in decision.trace[-3]


def test_a_ended_within_the_look_back_takes_the_last_ended() -> None:
    care = (bw(MEPPEL, "2026-02-01", "2026-05-31"), bw(EMMEN, "2026-02-15", "2026-04-30"))
    decision = decide_named(case("2027-01-10", care=care))
    assert (decision.responsible, decision.rule) == (MEPPEL, "A")
    assert decision.trace[-3] == (
        "BW van 2026-02-01 t/m 2026-05-31, verstrekt door Meppel in Assen, eindigde minder "
        "dan 12 maanden vóór de melding (de 12 maanden na 2026-05-31 lopen t/m 2027-05-31; "
        "de melding van 2027-01-10 valt daarbinnen)."
    )


def test_a_follows_the_rule_set_look_back() -> None:
    c = case(
        "2026-09-15",
        brp_periods=(brp(MEPPEL, "2000-01-01", None),),
        care=(bw(EMMEN, "2026-02-01", "2026-03-31"),),
    )
    assert decide(c, RULES_2026).rule == "A"
    assert decide(c, RuleSet(d("2026-01-01"), lookback_months=6)).rule == "A"
    decision = decide_named(c, RuleSet(d("2026-01-01"), lookback_months=5))
    assert decision.rule == "W"
    assert decision.trace[-2] == (
        "Laatste BW van 2026-02-01 t/m 2026-03-31, verstrekt door Emmen: op de melding waren "
        "5 maanden of meer verstreken sinds het eindigen (de 5 maanden na 2026-03-31 liepen "
        "t/m 2026-08-31; de melding van 2026-09-15 valt daarna): geen aansluitende BW."
    )


def test_a_mo_stays_do_not_count() -> None:
    c = case(
        "2026-09-01",
        brp_periods=(brp(MEPPEL, "2000-01-01", None),),
        care=(mo(EMMEN, "2026-03-01", None), mo(ASSEN, "2026-01-01", "2026-02-01")),
    )
    decision = decide_named(c)
    assert (decision.responsible, decision.rule) == (MEPPEL, "W")
    assert (
        "2 MO-periodes niet meegeteld: alleen BW telt voor het woonplaatsbeginsel."
        in decision.trace
    )


def test_a_bw_starting_after_the_application_does_not_count() -> None:
    c = case(
        "2026-09-01",
        brp_periods=(brp(MEPPEL, "2000-01-01", None),),
        care=(bw(EMMEN, "2026-09-02", None),),
    )
    decision = decide_named(c)
    assert (decision.responsible, decision.rule) == (MEPPEL, "W")
    assert "1 BW-periode begint na de melding: niet meegeteld." in decision.trace


def test_a_far_future_end_date_does_not_overflow() -> None:
    c = case("2026-09-01", care=(bw(EMMEN, "2026-02-01", "9999-12-31"),))
    assert decide_named(c).rule == "A"


# B


def test_b_instelling_takes_the_woonadres_before_it() -> None:
    c = case(
        "2026-04-10",
        brp_periods=(
            brp(MEPPEL, "2001-05-01", "2026-01-31"),
            brp(ASSEN, "2026-02-01", None, "instelling"),
        ),
    )
    decision = decide_named(c)
    assert (decision.responsible, decision.rule, decision.category) == (
        MEPPEL,
        "B",
        "nieuwe_client",
    )
    assert decision.trace[-1] == (
        "BRP 2026-04-10: ingeschreven op instellingsadres in Assen sinds 2026-02-01; "
        f"laatste woonadres daarvoor: Meppel tot 2026-01-31 → {BASIS_B}"
    )


def test_b_trace_uses_codes_without_names() -> None:
    c = case(
        "2026-04-10",
        brp_periods=(
            brp(MEPPEL, "2001-05-01", "2026-01-31"),
            brp(ASSEN, "2026-02-01", None, "instelling"),
        ),
    )
    assert decide(c, RULES_2026).trace[-1] == (
        "BRP 2026-04-10: ingeschreven op instellingsadres in GM0106 sinds 2026-02-01; "
        f"laatste woonadres daarvoor: GM0119 tot 2026-01-31 → {BASIS_B}"
    )


def test_b_unbroken_run_of_institutions_goes_back_to_the_first() -> None:
    # GGZ clinic, then a BW facility in another municipality, with no day in between.
    c = case(
        "2026-08-01",
        brp_periods=(
            brp(TYNAARLO, "2001-05-01", "2025-03-31"),
            brp(EMMEN, "2025-04-01", "2026-02-28", "instelling"),
            brp(ASSEN, "2026-03-01", None, "instelling"),
        ),
    )
    decision = decide_named(c)
    assert (decision.responsible, decision.rule) == (TYNAARLO, "B")
    assert "instellingsadres in Assen sinds 2025-04-01" in decision.trace[-1]


def test_b_a_woonadres_between_institutions_counts() -> None:
    c = case(
        "2026-08-01",
        brp_periods=(
            brp(TYNAARLO, "2001-05-01", "2025-03-31"),
            brp(EMMEN, "2025-04-01", "2025-12-31", "instelling"),
            brp(MEPPEL, "2026-01-01", "2026-02-28"),
            brp(ASSEN, "2026-03-01", None, "instelling"),
        ),
    )
    assert decide_named(c).responsible == MEPPEL


def test_b_a_break_ends_the_run() -> None:
    c = case(
        "2026-08-01",
        brp_periods=(
            brp(TYNAARLO, "2001-05-01", "2025-03-31"),
            brp(EMMEN, "2025-04-01", "2026-02-27", "instelling"),
            # 2026-02-28 not registered: the run containing the application starts 03-01.
            brp(ASSEN, "2026-03-01", None, "instelling"),
        ),
    )
    decision = decide_named(c)
    assert (decision.responsible, decision.rule) == (TYNAARLO, "B")
    assert "instellingsadres in Assen sinds 2026-03-01" in decision.trace[-1]


def test_b_without_an_earlier_woonadres_falls_back_to_d() -> None:
    c = case(
        "2026-04-10",
        applied_to=EMMEN,
        brp_periods=(
            brp(MEPPEL, "2026-02-01", None, "instelling"),
            brp(TYNAARLO, "2026-06-01", None),  # after the application: irrelevant
        ),
    )
    decision = decide_named(c)
    assert (decision.responsible, decision.rule) == (EMMEN, "D")
    assert decision.woonplaats_onbekend
    assert decision.trace[-2] == (
        "BRP 2026-04-10: ingeschreven op instellingsadres in Meppel sinds 2026-02-01; "
        "geen woonadres daarvoor bekend."
    )


# C


def test_c_briefadres_takes_the_last_woonadres() -> None:
    c = case(
        "2026-02-01",
        brp_periods=(
            brp(MEPPEL, "1999-01-01", "2020-08-31"),
            brp(TYNAARLO, "2020-09-01", "2025-08-31"),
            brp(ASSEN, "2025-09-10", None, "briefadres"),
        ),
    )
    decision = decide_named(c)
    assert (decision.responsible, decision.rule, decision.category) == (
        TYNAARLO,
        "C",
        "nieuwe_client",
    )
    assert decision.basis == BASIS_C
    assert decision.trace[-1] == (
        "BRP 2026-02-01: alleen een briefadres in Assen sinds 2025-09-10; laatste woonadres: "
        f"Tynaarlo tot 2025-08-31 → {BASIS_C}"
    )


def test_c_not_registered_takes_the_last_woonadres() -> None:
    c = case(
        "2026-02-01",
        brp_periods=(
            brp(MEPPEL, "1999-01-01", "2025-08-31"),
            brp(ASSEN, "2025-09-01", "2025-10-31", "instelling"),
        ),
    )
    decision = decide_named(c)
    assert (decision.responsible, decision.rule) == (MEPPEL, "C")
    assert decision.trace[-1].startswith(
        "BRP 2026-02-01: niet ingeschreven; laatste woonadres: Meppel tot 2025-08-31"
    )


def test_c_without_any_woonadres_falls_back_to_d() -> None:
    c = case(
        "2026-02-01", applied_to=EMMEN, brp_periods=(brp(ASSEN, "2025-09-10", None, "briefadres"),)
    )
    decision = decide_named(c)
    assert (decision.responsible, decision.rule) == (EMMEN, "D")
    assert "geen eerder woonadres bekend" in decision.trace[-2]


# W


def test_w_woonadres_on_the_application_date() -> None:
    c = case("2026-05-04", brp_periods=(brp(TYNAARLO, "2015-01-01", None),))
    decision = decide_named(c)
    assert (decision.responsible, decision.rule, decision.basis) == (TYNAARLO, "W", BASIS_W)
    assert decision.trace[-1] == (
        f"BRP 2026-05-04: woonadres in Tynaarlo sinds 2015-01-01 → {BASIS_W}"
    )


def test_w_overlapping_registrations_the_latest_wins() -> None:
    c = case(
        "2026-05-04",
        brp_periods=(brp(ASSEN, "2026-03-01", None), brp(TYNAARLO, "2015-01-01", None)),
    )
    assert (decide_named(c).responsible, decide_named(c).rule) == (ASSEN, "W")


# D


def test_d_abroad_is_unknown_even_with_an_earlier_woonadres() -> None:
    c = case(
        "2026-03-01",
        applied_to=EMMEN,
        brp_periods=(
            brp(MEPPEL, "2000-01-01", "2019-12-31"),
            brp(MEPPEL, "2020-01-01", None, "buitenland"),
        ),
    )
    decision = decide_named(c)
    assert (decision.responsible, decision.rule, decision.category) == (
        EMMEN,
        "D",
        "nieuwe_client",
    )
    assert decision.woonplaats_onbekend
    assert decision.basis == BASIS_D
    assert decision.trace[-2:] == (
        "BRP 2026-03-01: ingeschreven in het buitenland sinds 2020-01-01.",
        f"Woonplaats onbekend: de gemeente van melding, Emmen, is verantwoordelijk → {BASIS_D}",
    )


def test_only_d_sets_woonplaats_onbekend() -> None:
    c = case("2026-03-01", brp_periods=(brp(MEPPEL, "2000-01-01", None),))
    assert decide_named(c).woonplaats_onbekend is False


# the trace as a whole


def test_trace_reads_in_order() -> None:
    c = case("2026-05-04", applied_to=TYNAARLO, brp_periods=(brp(MEPPEL, "2015-01-01", None),))
    assert decide_named(c).trace == (
        "Melding 2026-05-04 bij Tynaarlo (centrumgemeente Assen), product BW.",
        "Regelset: woonplaatsbeginsel vanaf 2026-01-01, terugkijktermijn 12 maanden.",
        "Geen bindend advies van de Geschillencommissie voor deze melding.",
        "Melding op of na de ingangsdatum 2026-01-01: het woonplaatsbeginsel is van toepassing.",
        "Geen lopende of eerdere BW-periode.",
        f"BRP 2026-05-04: woonadres in Meppel sinds 2015-01-01 → {BASIS_W}",
    )


# the data classes


@pytest.mark.parametrize(
    "build",
    [
        lambda: BrpPeriod(ASSEN, d("2026-01-02"), d("2026-01-01"), "woonadres"),
        lambda: BrpPeriod(ASSEN, d("2026-01-01"), None, "postadres"),
        lambda: CarePeriod("WLZ", d("2026-01-01"), None, ASSEN, ASSEN),
        lambda: CarePeriod("BW", d("2026-01-02"), d("2026-01-01"), ASSEN, ASSEN),
        lambda: RuleSet(d("2026-01-01"), lookback_months=-1),
        lambda: case(product="Wlz"),
    ],
)
def test_data_classes_refuse_impossible_values(build: Any) -> None:
    with pytest.raises(ValueError):
        build()


def test_case_accepts_lists_and_stays_hashable() -> None:
    c = Case("c", "BW", d("2026-01-01"), ASSEN, ASSEN, [brp(ASSEN, "2020-01-01", None)], [])  # type: ignore[arg-type]
    assert isinstance(c.brp, tuple)
    assert hash(c) == hash(c)


# --- case files -------------------------------------------------------------------------

VALID: dict[str, Any] = {
    "rules": {"start_date": "2026-01-01", "lookback_months": 12},
    "cases": [
        {
            "id": "a",
            "product": "BW",
            "application_date": "2026-05-04",
            "applied_to": "GM0106",
            "centrumgemeente": "GM0106",
            "brp": [
                {"municipality": "GM1730", "from": "2015-01-01", "to": None, "kind": "woonadres"}
            ],
            "care": [],
            "expected": {"responsible": "GM1730", "rule": "W"},
        },
        {
            "id": "b",
            "product": "BW",
            "application_date": "2026-04-10",
            "applied_to": "GM0106",
            "centrumgemeente": "GM0106",
            "brp": [
                {
                    "municipality": "GM0119",
                    "from": "2001-05-01",
                    "to": "2026-01-31",
                    "kind": "woonadres",
                },
                {"municipality": "GM0106", "from": "2026-02-01", "to": None, "kind": "instelling"},
            ],
            "care": [
                {
                    "kind": "MO",
                    "from": "2025-01-01",
                    "to": "2025-02-01",
                    "provided_by": "GM0106",
                    "location": "GM0106",
                }
            ],
            "dispute_advice": None,
        },
    ],
}


def _text(change: Any = None) -> str:
    document = deepcopy(VALID)
    if change is not None:
        change(document)
    return json.dumps(document)


def test_load_case_file_reads_everything() -> None:
    rules, cases = load_case_file(_text())
    assert rules == RuleSet(start_date=d("2026-01-01"), lookback_months=12)
    (first, first_expected), (second, second_expected) = cases
    assert first_expected == {"responsible": "GM1730", "rule": "W"}
    assert second_expected is None
    assert first.brp == (brp(TYNAARLO, "2015-01-01", None),)
    assert second.brp[0] == brp(MEPPEL, "2001-05-01", "2026-01-31")
    assert second.care == (mo(ASSEN, "2025-01-01", "2025-02-01"),)
    assert second.dispute_advice is None


def test_load_case_file_optional_parts() -> None:
    def change(doc: dict[str, Any]) -> None:
        del doc["rules"]["lookback_months"]
        doc["rules"]["version"] = "2026-1"
        del doc["cases"][0]["brp"][0]["to"]
        doc["cases"][0]["description"] = "woont in Tynaarlo"
        doc["cases"][1]["dispute_advice"] = {"responsible": "GM0119", "date": "2026-05-01"}

    rules, cases = load_case_file(_text(change))
    assert rules == RuleSet(d("2026-01-01"), 12, "2026-1")
    assert cases[0][0].brp[0].end is None
    assert cases[1][0].dispute_advice == DisputeAdvice(MEPPEL, d("2026-05-01"))


def _set(path: str, value: Any) -> Any:
    """A change to VALID: set the value at a dotted path ("cases.1.brp.0.from")."""

    def change(doc: Any) -> None:
        *parents, last = path.split(".")
        target = doc
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value

    return change


def _delete(path: str) -> Any:
    def change(doc: Any) -> None:
        *parents, last = path.split(".")
        target = doc
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        del target[last]

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(
            _set("rules.start_date", "2026-1-1"),
            "rules.start_date: expected a date YYYY-MM-DD, got '2026-1-1'",
            id="rules-date-format",
        ),
        pytest.param(
            _delete("rules"),
            "rules: missing; expected an object with start_date and lookback_months",
            id="rules-missing",
        ),
        pytest.param(
            _set("rules.lookback_months", -1),
            "rules.lookback_months: expected a whole number of months, 0 or more, got -1",
            id="lookback-negative",
        ),
        pytest.param(
            _set("rules.lookback_months", True),
            "rules.lookback_months: expected a whole number of months, 0 or more, got true",
            id="lookback-bool",
        ),
        pytest.param(
            _set("rules.lookback", 12),
            "rules: unexpected field 'lookback'; expected only start_date, lookback_months, "
            "version",
            id="rules-unknown-field",
        ),
        pytest.param(
            _set("cases", {}),
            "cases: expected a list (may be empty), got an object",
            id="cases-not-a-list",
        ),
        pytest.param(
            _set("extra", 1),
            "file: unexpected field 'extra'; expected only rules, cases, description",
            id="top-unknown-field",
        ),
        pytest.param(
            _set("cases.1", "b"), "case 1: expected an object, got 'b'", id="case-not-object"
        ),
        pytest.param(
            _delete("cases.1.id"), "case 1: id: missing; expected a non-empty text", id="id-missing"
        ),
        pytest.param(
            _set("cases.1.id", " "), "case 1: id: expected a non-empty text, got ' '", id="id-blank"
        ),
        pytest.param(
            _set("cases.1.id", "a"),
            "case 1 ('a'): id: expected a unique id, 'a' is already used by case 0",
            id="id-duplicate",
        ),
        pytest.param(
            _set("cases.1.product", "Bw"),
            "case 1 ('b'): product: expected one of 'BW', 'MO', got 'Bw'",
            id="product",
        ),
        pytest.param(
            _delete("cases.1.application_date"),
            "case 1 ('b'): application_date: missing; expected a date YYYY-MM-DD",
            id="application-date-missing",
        ),
        pytest.param(
            _set("cases.1.application_date", 20260410),
            "case 1 ('b'): application_date: expected a date YYYY-MM-DD, got 20260410",
            id="application-date-number",
        ),
        pytest.param(
            _set("cases.1.applied_to", "gm0106"),
            "case 1 ('b'): applied_to: expected a CBS municipality code (GM + 4 digits), "
            "got 'gm0106'",
            id="applied-to-lowercase",
        ),
        pytest.param(
            _set("cases.1.centrumgemeente", "GM106"),
            "case 1 ('b'): centrumgemeente: expected a CBS municipality code (GM + 4 digits), "
            "got 'GM106'",
            id="centrumgemeente-short",
        ),
        pytest.param(
            _set("cases.1.brp.1.from", "2026-13-01"),
            "case 1 ('b'): brp[1].from: expected a date YYYY-MM-DD, got '2026-13-01'",
            id="brp-month-13",
        ),
        pytest.param(
            _set("cases.1.brp.0.to", "2026-02-30"),
            "case 1 ('b'): brp[0].to: expected a date YYYY-MM-DD, got '2026-02-30'",
            id="brp-february-30",
        ),
        pytest.param(
            _set("cases.1.brp.0.to", "2001-04-30"),
            "case 1 ('b'): brp[0].to: expected a date on or after from (2001-05-01), "
            "got '2001-04-30'",
            id="brp-to-before-from",
        ),
        pytest.param(
            _set("cases.1.brp.1.kind", "adres"),
            "case 1 ('b'): brp[1].kind: expected one of 'woonadres', 'instelling', "
            "'briefadres', 'buitenland', got 'adres'",
            id="brp-kind",
        ),
        pytest.param(
            _set("cases.1.brp.1.municipality", None),
            "case 1 ('b'): brp[1].municipality: expected a CBS municipality code "
            "(GM + 4 digits), got null",
            id="brp-municipality-null",
        ),
        pytest.param(
            _set("cases.1.brp.1.tot", "2026-05-01"),
            "case 1 ('b'): brp[1]: unexpected field 'tot'; expected only municipality, from, "
            "to, kind",
            id="brp-unknown-field",
        ),
        pytest.param(
            _set("cases.1.brp.1", []),
            "case 1 ('b'): brp[1]: expected an object with municipality, from, to, kind, "
            "got a list",
            id="brp-item-not-object",
        ),
        pytest.param(
            _delete("cases.1.brp"),
            "case 1 ('b'): brp: missing; expected a list (may be empty)",
            id="brp-missing",
        ),
        pytest.param(
            _set("cases.1.care.0.kind", "Wlz"),
            "case 1 ('b'): care[0].kind: expected one of 'BW', 'MO', got 'Wlz'",
            id="care-kind",
        ),
        pytest.param(
            _delete("cases.1.care.0.provided_by"),
            "case 1 ('b'): care[0].provided_by: missing; expected a CBS municipality code "
            "(GM + 4 digits)",
            id="care-provided-by-missing",
        ),
        pytest.param(
            _set("cases.1.care.0.to", "2024-12-31"),
            "case 1 ('b'): care[0].to: expected a date on or after from (2025-01-01), "
            "got '2024-12-31'",
            id="care-to-before-from",
        ),
        pytest.param(
            _set("cases.1.dispute_advice", {"responsible": "GM0119", "date": "1-5-2026"}),
            "case 1 ('b'): dispute_advice.date: expected a date YYYY-MM-DD, got '1-5-2026'",
            id="advice-date",
        ),
        pytest.param(
            _set("cases.1.dispute_advice", {"responsible": "Meppel", "date": "2026-05-01"}),
            "case 1 ('b'): dispute_advice.responsible: expected a CBS municipality code "
            "(GM + 4 digits), got 'Meppel'",
            id="advice-responsible",
        ),
        pytest.param(
            _set("cases.0.expected.rule", "w"),
            "case 0 ('a'): expected.rule: expected one of 'G', 'MO', 'V', 'T', 'A', 'B', "
            "'C', 'W', 'D', got 'w'",
            id="expected-rule",
        ),
        pytest.param(
            _set("cases.0.expected.woonplaats_onbekend", "false"),
            "case 0 ('a'): expected.woonplaats_onbekend: expected true or false, got 'false'",
            id="expected-bool",
        ),
        pytest.param(
            _set("cases.0.expected.category", "nieuw"),
            "case 0 ('a'): expected.category: expected one of 'overgangsclient', "
            "'nieuwe_client', 'mo', got 'nieuw'",
            id="expected-category",
        ),
        pytest.param(
            _set("cases.0.expected.responsibl", "GM0106"),
            "case 0 ('a'): expected: unexpected field 'responsibl'; expected only "
            "responsible, category, rule, basis, woonplaats_onbekend, trace",
            id="expected-unknown-field",
        ),
        pytest.param(
            _set("cases.0.applicaton_date", "2026-05-04"),
            "case 0 ('a'): unexpected field 'applicaton_date'; expected only id, description, "
            "product, application_date, applied_to, centrumgemeente, brp, care, "
            "dispute_advice, expected",
            id="case-unknown-field",
        ),
    ],
)
def test_case_file_errors_name_case_field_and_expectation(change: Any, message: str) -> None:
    with pytest.raises(CaseFileError) as raised:
        load_case_file(_text(change))
    assert raised.value.message == message
    assert str(raised.value) == message


def test_case_file_error_for_invalid_json() -> None:
    with pytest.raises(CaseFileError, match=r"^not valid JSON: .* \(line 1, column 12\)$"):
        load_case_file('{"rules": {')


def test_case_file_error_for_a_top_level_list() -> None:
    with pytest.raises(CaseFileError) as raised:
        load_case_file("[]")
    assert raised.value.message == "file: expected an object with rules and cases, got a list"


# --- running a case file ----------------------------------------------------------------


def test_run_case_file_reports_every_case_in_order() -> None:
    exit_code, document = run_case_file(_text())
    assert exit_code == 0
    first, second = document["results"]
    assert first["id"] == "a"
    assert first["matches_expected"] is True
    assert second["id"] == "b"
    assert second["matches_expected"] is None
    assert set(second) == {
        "id",
        "responsible",
        "category",
        "rule",
        "basis",
        "woonplaats_onbekend",
        "trace",
        "matches_expected",
    }
    assert (second["responsible"], second["rule"], second["category"]) == (
        MEPPEL,
        "B",
        "nieuwe_client",
    )
    assert second["basis"] == BASIS_B
    assert isinstance(second["trace"], list)
    json.dumps(document)  # plain JSON values only


def test_run_case_file_exit_1_on_a_mismatch() -> None:
    exit_code, document = run_case_file(_text(_set("cases.0.expected.responsible", ASSEN)))
    assert exit_code == 1
    assert [r["matches_expected"] for r in document["results"]] == [False, None]


def test_run_case_file_compares_every_expected_key() -> None:
    base = decide(load_case_file(_text())[1][0][0], RULES_2026)
    full = {
        "responsible": base.responsible,
        "category": base.category,
        "rule": base.rule,
        "basis": base.basis,
        "woonplaats_onbekend": base.woonplaats_onbekend,
        "trace": list(base.trace),
    }
    assert run_case_file(_text(_set("cases.0.expected", full)))[0] == 0
    for key, wrong in [
        ("category", "overgangsclient"),
        ("basis", BASIS_C),
        ("woonplaats_onbekend", True),
        ("trace", [*full["trace"], "extra"]),
    ]:
        assert run_case_file(_text(_set(f"cases.0.expected.{key}", wrong)))[0] == 1, key


def test_run_case_file_invalid_file_exit_2_without_results() -> None:
    exit_code, document = run_case_file(_text(_set("cases.1.product", "XX")))
    assert exit_code == 2
    assert document == {"error": "case 1 ('b'): product: expected one of 'BW', 'MO', got 'XX'"}


def test_run_case_file_uses_municipality_names_in_the_trace() -> None:
    _, document = run_case_file(_text(), municipality_names=NAMES)
    assert (
        "laatste woonadres daarvoor: Meppel tot 2026-01-31" in document["results"][1]["trace"][-1]
    )


def test_run_case_file_without_cases() -> None:
    assert run_case_file(_text(_set("cases", []))) == (0, {"results": []})


# --- the category follows the product (MO or BW), whatever rule decides -------------------


def test_g_binding_advice_on_mo_keeps_category_mo() -> None:
    # A binding advice settles who is responsible, not the budget stream: MO stays MO.
    advice = DisputeAdvice(responsible=MEPPEL, date=d("2026-06-15"))
    mo_case = case("2026-05-04", product="MO", dispute_advice=advice)
    decision = decide_named(mo_case)
    assert (decision.rule, decision.responsible, decision.category) == ("G", MEPPEL, "mo")
    bw_case = case("2026-05-04", product="BW", dispute_advice=advice)
    assert decide_named(bw_case).category == "nieuwe_client"


# --- rule T: an overgangscliënt whose BW another municipality provided after the start ----


def test_t_bw_provided_elsewhere_after_the_start_date_goes_to_the_last_provider() -> None:
    # Tynaarlo's BW ran on the start date (overgangsrecht); after the start date Emmen
    # provided BW, which ended on 2026-06-30; the new application is within twelve months:
    # art. 1.2.1a lid 1 sub a names the municipality that last provided BW, Emmen.
    care = (bw(TYNAARLO, "2024-03-01", "2026-02-28"), bw(EMMEN, "2026-03-01", "2026-06-30"))
    decision = decide_named(case("2026-10-01", care=care))
    assert (decision.responsible, decision.rule, decision.category) == (
        EMMEN,
        "A",
        "nieuwe_client",
    )
    assert decision.basis == BASIS_A
    assert decision.trace[-1] == (
        "De keten begon vóór de ingangsdatum 2026-01-01, maar de BW die Tynaarlo onder het "
        "overgangsrecht verstrekte is opgevolgd door BW van Emmen, begonnen op 2026-03-01, na "
        "de ingangsdatum: Emmen verstrekte laatstelijk beschermd wonen (t/m 2026-06-30) en "
        f"is verantwoordelijk; nieuwe cliënt → {BASIS_A}"
    )


def test_t_the_same_municipality_providing_again_stays_overgangsclient() -> None:
    care = (bw(TYNAARLO, "2024-03-01", "2026-02-28"), bw(TYNAARLO, "2026-04-01", "2026-06-30"))
    decision = decide_named(case("2026-10-01", care=care))
    assert (decision.responsible, decision.rule, decision.category) == (
        TYNAARLO,
        "T",
        "overgangsclient",
    )
    assert decision.trace[-1] == (
        "De keten begon vóór de ingangsdatum 2026-01-01: overgangscliënt (op 2025-12-31 liep "
        "BW verstrekt door Tynaarlo); Tynaarlo verstrekte ook laatstelijk beschermd wonen "
        f"(t/m 2026-06-30) en blijft verantwoordelijk → {BASIS_T}"
    )


# --- "minder dan twaalf maanden sinds het eindigen": the boundary ----------------------


@pytest.mark.parametrize(
    ("ended", "applied", "inside"),
    [
        # The BW's last day is 2026-03-31; the twelve months after it end on 2027-03-31.
        ("2026-03-31", "2027-03-30", True),  # day −1
        ("2026-03-31", "2027-03-31", True),  # day 0: the period's last day, still inside
        ("2026-03-31", "2027-04-01", False),  # day +1
    ],
)
def test_twelve_months_boundary_day_minus_one_zero_plus_one(
    ended: str, applied: str, inside: bool
) -> None:
    c = case(
        applied,
        brp_periods=(brp(ASSEN, "2010-01-01", None),),
        care=(bw(EMMEN, "2026-03-01", ended),),
    )
    decision = decide_named(c)
    assert (decision.rule, decision.responsible) == (("A", EMMEN) if inside else ("W", ASSEN))
    if inside:
        assert decision.trace[-3] == (
            f"BW van 2026-03-01 t/m {ended}, verstrekt door Emmen in Assen, eindigde minder "
            f"dan 12 maanden vóór de melding (de 12 maanden na {ended} lopen t/m 2027-03-31; "
            f"de melding van {applied} valt daarbinnen)."
        )
    else:
        assert decision.trace[-2] == (
            f"Laatste BW van 2026-03-01 t/m {ended}, verstrekt door Emmen: op de melding "
            "waren 12 maanden of meer verstreken sinds het eindigen (de 12 maanden na "
            f"{ended} liepen t/m 2027-03-31; de melding van {applied} valt daarna): geen "
            "aansluitende BW."
        )
