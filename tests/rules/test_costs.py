"""Cost of stays, the financial result and the solidarity arrangements, on worked examples."""

from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bwmo.rules.costs import (
    CareStay,
    ConflictingTariffs,
    CostLine,
    FinancialResult,
    MissingTariff,
    Tariff,
    WeekCostStat,
    compare_arrangements,
    cost_per_client_week,
    day_rate,
    financial_results,
    solidarity_full_pooling,
    solidarity_none,
    solidarity_risk_pool,
    stay_costs,
    tariff_overlaps,
)

PROPERTY = settings(max_examples=150, deadline=None)

ASSEN, AA_EN_HUNZE, MIDDEN_DRENTHE = "GM0106", "GM1680", "GM1731"
CENTRUM = {ASSEN: ASSEN, AA_EN_HUNZE: ASSEN, MIDDEN_DRENTHE: ASSEN}
ONE_DAY = timedelta(days=1)


def tariff(amount, start, end=None, *, unit="etmaal", ref="C1", product="BW24", provider="P1"):
    return Tariff(ref, product, provider, Decimal(amount), unit, start, end)


def stay(start, end=None, *, granted_until=None, client="c1", product="BW24", provider="P1"):
    return CareStay(client, product, provider, start, end, ASSEN, "objective", granted_until)


def summary(lines):
    """(year, kind, days, amount) per line."""
    return [(line.year, line.kind, line.days, line.amount) for line in lines]


def line(client, responsible, stream, amount, *, year=2026, kind="realised", days=365, **other):
    return CostLine(
        client=client,
        product=other.get("product", "BW24"),
        provider=other.get("provider", "P1"),
        responsible=responsible,
        stream=stream,
        year=year,
        days=days,
        amount=Decimal(amount),
        kind=kind,
    )


def results_of(amounts, year=2026):
    return [
        FinancialResult(m, year, Decimal(r), Decimal(0), Decimal(0), Decimal(r))
        for m, r in amounts.items()
    ]


def amounts(transfers):
    return {(t.municipality, t.year): t.amount for t in transfers}


# --- day rate and stay costs ---------------------------------------------------------------


def test_day_rate_of_a_weekly_tariff_is_a_seventh():
    # € 888 per week → 888 / 7 = 126.857142857142…; shown to 10 decimals.
    assert day_rate(tariff(888, date(2026, 1, 1), unit="week")) == Decimal("126.8571428571")
    assert day_rate(tariff("152.35", date(2026, 1, 1))) == Decimal("152.35")


def test_weekly_tariff_whole_weeks_cost_exactly_the_weekly_price():
    # 14 days at € 888 per week = 2 × 888 = 1776.00, not 14 × a rounded day rate.
    # 10 days = 8880 / 7 = 1268.571428571428… → 1268.5714285714.
    tariffs = [tariff(888, date(2026, 1, 1), unit="week")]
    stays = [
        stay(date(2026, 3, 1), date(2026, 3, 14), client="two-weeks"),
        stay(date(2026, 3, 1), date(2026, 3, 10), client="ten-days"),
    ]
    lines = stay_costs(stays, tariffs, today=date(2026, 12, 31), years=[2026])
    assert summary(lines) == [
        (2026, "realised", 14, Decimal(1776)),
        (2026, "realised", 10, Decimal("1268.5714285714")),
    ]


def test_stay_across_a_tariff_change():
    # € 100 per etmaal up to 31 March, € 110 from 1 April. Stay 20 March – 10 April:
    # 20–31 March = 12 days × 100 = 1200; 1–10 April = 10 days × 110 = 1100; 22 days, € 2300.
    tariffs = [
        tariff(100, date(2026, 1, 1), date(2026, 3, 31), ref="2026-a"),
        tariff(110, date(2026, 4, 1), ref="2026-b"),
    ]
    lines = stay_costs(
        [stay(date(2026, 3, 20), date(2026, 4, 10))], tariffs, today=date(2026, 6, 1), years=[2026]
    )
    assert summary(lines) == [(2026, "realised", 22, Decimal(2300))]


def test_the_latest_starting_contract_wins_and_the_older_one_resumes():
    # An open contract at € 100 and a March contract at € 120. Stay 20 February – 5 April:
    # 20–28 Feb = 9 × 100 = 900; March = 31 × 120 = 3720; 1–5 April = 5 × 100 = 500 → 5120.
    tariffs = [
        tariff(100, date(2026, 1, 1), ref="base"),
        tariff(120, date(2026, 3, 1), date(2026, 3, 31), ref="march"),
    ]
    lines = stay_costs(
        [stay(date(2026, 2, 20), date(2026, 4, 5))], tariffs, today=date(2026, 12, 31), years=[2026]
    )
    assert summary(lines) == [(2026, "realised", 45, Decimal(5120))]


def test_mixed_units_across_a_change():
    # € 700 per week in 2025, € 110 per etmaal from 2026. Stay 29 Dec 2025 – 2 Jan 2026:
    # 2025: 3 days × 700 / 7 = 300; 2026: 2 days × 110 = 220.
    tariffs = [
        tariff(700, date(2025, 1, 1), date(2025, 12, 31), unit="week", ref="2025"),
        tariff(110, date(2026, 1, 1), ref="2026"),
    ]
    lines = stay_costs(
        [stay(date(2025, 12, 29), date(2026, 1, 2))],
        tariffs,
        today=date(2026, 6, 30),
        years=[2025, 2026],
    )
    assert summary(lines) == [(2025, "realised", 3, Decimal(300)), (2026, "realised", 2, 220)]


def test_committed_cost_of_a_bounded_grant():
    # Today 30 June 2026, stay from 1 January without end, granted until 30 September, € 100.
    # Realised: 1 Jan – 30 Jun = 31+28+31+30+31+30 = 181 days = 18,100.
    # Committed: 1 Jul – 30 Sep = 31+31+30 = 92 days = 9,200. Nothing in 2027.
    lines = stay_costs(
        [stay(date(2026, 1, 1), granted_until=date(2026, 9, 30))],
        [tariff(100, date(2020, 1, 1))],
        today=date(2026, 6, 30),
        years=[2026, 2027],
    )
    assert summary(lines) == [
        (2026, "realised", 181, Decimal(18100)),
        (2026, "committed", 92, Decimal(9200)),
    ]


def test_committed_cost_stops_at_the_planned_end_of_the_stay():
    # Granted until 31 December but the stay ends on 31 July: committed 1–31 July = 31 days.
    lines = stay_costs(
        [stay(date(2026, 1, 1), date(2026, 7, 31), granted_until=date(2026, 12, 31))],
        [tariff(100, date(2020, 1, 1))],
        today=date(2026, 6, 30),
        years=[2026],
    )
    assert summary(lines) == [
        (2026, "realised", 181, Decimal(18100)),
        (2026, "committed", 31, Decimal(3100)),
    ]


def test_open_ended_grant_commits_to_the_end_of_each_requested_year():
    # No end, no granted_until. 2026: 1 Jul – 31 Dec = 184 days; 2027: all 365 days.
    lines = stay_costs(
        [stay(date(2026, 1, 1))],
        [tariff(100, date(2020, 1, 1))],
        today=date(2026, 6, 30),
        years=[2027, 2026],
    )
    assert summary(lines) == [
        (2026, "realised", 181, Decimal(18100)),
        (2026, "committed", 184, Decimal(18400)),
        (2027, "committed", 365, Decimal(36500)),
    ]


def test_a_stay_that_has_not_started_is_committed_only():
    # Starts 1 September, granted until 30 November: 30 + 31 + 30 = 91 days committed.
    lines = stay_costs(
        [stay(date(2026, 9, 1), granted_until=date(2026, 11, 30))],
        [tariff(100, date(2020, 1, 1))],
        today=date(2026, 6, 30),
        years=[2026],
    )
    assert summary(lines) == [(2026, "committed", 91, Decimal(9100))]


def test_realised_days_beyond_the_grant_are_still_cost():
    # The indication ran until 31 March but care continued until 30 April: 120 days realised.
    lines = stay_costs(
        [stay(date(2026, 1, 1), date(2026, 4, 30), granted_until=date(2026, 3, 31))],
        [tariff(100, date(2020, 1, 1))],
        today=date(2026, 6, 30),
        years=[2026],
    )
    assert summary(lines) == [(2026, "realised", 120, Decimal(12000))]


def test_year_boundary():
    # 20 December 2025 – 10 January 2026: 12 days in 2025, 10 in 2026; 2024 is not touched.
    lines = stay_costs(
        [stay(date(2025, 12, 20), date(2026, 1, 10))],
        [tariff(100, date(2020, 1, 1))],
        today=date(2026, 12, 31),
        years=[2024, 2025, 2026],
    )
    assert summary(lines) == [(2025, "realised", 12, 1200), (2026, "realised", 10, 1000)]


def test_leap_year():
    # 2024 has 366 days; 28 Feb – 1 Mar 2024 is 3 days (29 February included).
    lines = stay_costs(
        [
            stay(date(2024, 1, 1), date(2024, 12, 31), client="year"),
            stay(date(2024, 2, 28), date(2024, 3, 1), client="leap-day"),
        ],
        [tariff(100, date(2020, 1, 1))],
        today=date(2026, 1, 1),
        years=[2024],
    )
    assert summary(lines) == [(2024, "realised", 366, 36600), (2024, "realised", 3, 300)]


def test_cost_lines_carry_the_stay_attribution():
    stays = [CareStay("c7", "BW24", "P1", date(2026, 1, 1), None, AA_EN_HUNZE, "historic")]
    (realised,) = stay_costs(
        stays, [tariff(100, date(2020, 1, 1))], today=date(2026, 1, 5), years=[2026]
    )[:1]
    assert realised == CostLine(
        "c7", "BW24", "P1", AA_EN_HUNZE, "historic", 2026, 5, Decimal(500), "realised"
    )


def test_missing_tariff_is_reported_with_product_provider_and_day():
    tariffs = [
        tariff(100, date(2026, 1, 1), date(2026, 3, 31), ref="a"),
        tariff(110, date(2026, 4, 2), ref="b"),  # 1 April is not covered
    ]
    with pytest.raises(MissingTariff) as caught:
        stay_costs(
            [stay(date(2026, 3, 20), date(2026, 4, 10), client="c9")],
            tariffs,
            today=date(2026, 12, 31),
            years=[2026],
        )
    error = caught.value
    assert (error.product, error.provider, error.day) == ("BW24", "P1", date(2026, 4, 1))
    assert "'BW24'" in str(error) and "'P1'" in str(error) and "2026-04-01" in str(error)
    assert error.client == "c9" and "c9" not in str(error)  # the message names no client


def test_missing_tariff_for_committed_days_and_for_an_unknown_provider():
    tariffs = [tariff(100, date(2026, 1, 1), date(2026, 6, 30))]
    with pytest.raises(MissingTariff) as caught:
        stay_costs([stay(date(2026, 1, 1))], tariffs, today=date(2026, 3, 31), years=[2026])
    assert caught.value.day == date(2026, 7, 1)
    with pytest.raises(MissingTariff) as caught:
        stay_costs(
            [stay(date(2026, 5, 1), provider="P2")], tariffs, today=date(2026, 5, 31), years=[2026]
        )
    assert (caught.value.provider, caught.value.day) == ("P2", date(2026, 5, 1))


def test_two_contracts_starting_on_the_same_day_are_ambiguous():
    tariffs = [
        tariff(100, date(2026, 1, 1), date(2026, 6, 30), ref="a"),
        tariff(105, date(2026, 1, 1), ref="b"),
        tariff(110, date(2026, 3, 1), date(2026, 3, 31), ref="c"),  # supersedes both in March
    ]
    assert stay_costs([], tariffs, today=date(2026, 1, 1), years=[2026]) == []
    one = stay(date(2026, 2, 1), date(2026, 2, 28), client="c1")
    with pytest.raises(ConflictingTariffs) as caught:
        stay_costs([one], tariffs, today=date(2026, 12, 31), years=[2026])
    error = caught.value
    assert isinstance(error, MissingTariff)
    assert error.contracts == ("a", "b") and error.day == date(2026, 2, 1)
    assert (error.first, error.last) == (date(2026, 1, 1), date(2026, 2, 28))
    assert "both price" in str(error) and "c1" not in str(error)
    # With a gaps list the ambiguous days are a gap; March (contract c) and July (only b,
    # from the day after a ends) are priced.
    gaps: list[MissingTariff] = []
    march = stay(date(2026, 3, 1), date(2026, 3, 31), client="c2")
    july = stay(date(2026, 7, 1), date(2026, 7, 7), client="c3")
    lines = stay_costs(
        [one, march, july], tariffs, today=date(2026, 12, 31), years=[2026], gaps=gaps
    )
    assert [g.client for g in gaps] == ["c1"]
    assert {line.client: line.amount for line in lines} == {
        "c2": Decimal(110 * 31),
        "c3": Decimal(105 * 7),
    }


def test_tariff_overlaps_names_every_pair_that_shares_a_day():
    a = tariff(100, date(2026, 1, 1), date(2026, 6, 30), ref="a")
    b = tariff(105, date(2026, 6, 30), ref="b")
    c = tariff(110, date(2026, 7, 1), date(2026, 12, 31), ref="c")
    other_provider = tariff(100, date(2026, 1, 1), provider="P2", ref="d")
    found = tariff_overlaps([a, b, c, other_provider, a])
    assert [(o.first.contract_ref, o.second.contract_ref, o.start, o.end) for o in found] == [
        ("a", "b", date(2026, 6, 30), date(2026, 6, 30)),
        ("b", "c", date(2026, 7, 1), date(2026, 12, 31)),
    ]
    assert not any(o.same_start for o in found)
    assert tariff_overlaps([a, c]) == []
    same = tariff_overlaps([b, tariff(1, date(2026, 6, 30), ref="e")])
    assert len(same) == 1 and same[0].same_start and same[0].end is None


def test_invalid_records_are_rejected():
    with pytest.raises(ValueError, match="unit"):
        tariff(100, date(2026, 1, 1), unit="maand")
    with pytest.raises(ValueError, match="ends before"):
        tariff(100, date(2026, 1, 2), date(2026, 1, 1))
    with pytest.raises(ValueError, match="stream"):
        CareStay("c", "BW24", "P1", date(2026, 1, 1), None, ASSEN, "nieuw")


# --- financial result ----------------------------------------------------------------------

BUDGETS = {
    (ASSEN, 2026): Decimal(200_000),  # includes the region's historic budget
    (AA_EN_HUNZE, 2026): Decimal(60_000),
    (MIDDEN_DRENTHE, 2026): Decimal(25_000),
}
NON_CLIENT = {
    (ASSEN, 2026): Decimal(5_000),
    (AA_EN_HUNZE, 2026): Decimal(1_000),
    (MIDDEN_DRENTHE, 2026): Decimal(1_000),
}
LINES = [
    line("c1", AA_EN_HUNZE, "objective", 30_000),
    line("c2", AA_EN_HUNZE, "historic", 50_000),  # an overgangscliënt: Assen's historic budget
    line("c3", ASSEN, "objective", 40_000),
    line("c4", MIDDEN_DRENTHE, "onbekend", 20_000),  # woonplaats onbekend: kept apart
    line("c5", MIDDEN_DRENTHE, "objective", 10_000, kind="committed"),
]


def test_financial_result_charges_historic_cost_to_the_centrumgemeente():
    # Assen:          200,000 − (50,000 historic of c2 + 40,000) − 5,000 = 105,000
    # Aa en Hunze:     60,000 − 30,000 − 1,000 = 29,000
    # Midden-Drenthe:  25,000 − 0 − 1,000 = 24,000 (c4 is onbekend, c5 only committed)
    results, unattributed = financial_results(
        BUDGETS, LINES, NON_CLIENT, centrumgemeente_of=CENTRUM
    )
    assert [(r.municipality, r.year, r.client_cost, r.result) for r in results] == [
        (ASSEN, 2026, 90_000, 105_000),
        (AA_EN_HUNZE, 2026, 30_000, 29_000),
        (MIDDEN_DRENTHE, 2026, 0, 24_000),
    ]
    assert unattributed == {2026: Decimal(20_000)}


def test_financial_result_with_committed_cost():
    # Midden-Drenthe: 25,000 − 10,000 committed − 1,000 = 14,000.
    results, _ = financial_results(
        BUDGETS, LINES, NON_CLIENT, centrumgemeente_of=CENTRUM, kind="both"
    )
    assert {r.municipality: r.result for r in results}[MIDDEN_DRENTHE] == 14_000


def test_cost_without_a_budget_still_gets_a_result():
    results, unattributed = financial_results(
        {}, [line("c1", AA_EN_HUNZE, "objective", 1_000, year=2025)], {}, centrumgemeente_of={}
    )
    assert [(r.municipality, r.year, r.budget, r.result) for r in results] == [
        (AA_EN_HUNZE, 2025, 0, -1_000)
    ]
    assert unattributed == {2025: 0}


def test_historic_cost_needs_the_centrumgemeente():
    with pytest.raises(ValueError, match="centrumgemeente"):
        financial_results({}, [line("c2", "GM9999", "historic", 1)], {}, centrumgemeente_of={})
    with pytest.raises(ValueError, match="kind"):
        financial_results({}, [], {}, centrumgemeente_of={}, kind="committed")


# --- solidarity ----------------------------------------------------------------------------


def test_no_solidarity_means_no_transfers():
    transfers = solidarity_none(results_of({ASSEN: -30_000, AA_EN_HUNZE: 10_000}))
    assert amounts(transfers) == {(ASSEN, 2026): 0, (AA_EN_HUNZE, 2026): 0}


def test_full_pooling_worked_example():
    # Results −30,000 / 10,000 / 5,000 → region −15,000. Weights 1 : 2 : 2 (Σ 5).
    # Each ends with −3,000 / −6,000 / −6,000, so the transfers are
    #   Assen          −3,000 − (−30,000) = +27,000 (receives)
    #   Aa en Hunze    −6,000 − 10,000    = −16,000 (pays)
    #   Midden-Drenthe −6,000 − 5,000     = −11,000 (pays)        sum 0
    results = results_of({ASSEN: -30_000, AA_EN_HUNZE: 10_000, MIDDEN_DRENTHE: 5_000})
    weights = {ASSEN: Decimal(1), AA_EN_HUNZE: Decimal(2), MIDDEN_DRENTHE: Decimal(2)}
    assert amounts(solidarity_full_pooling(results, weights)) == {
        (ASSEN, 2026): Decimal("27000.00"),
        (AA_EN_HUNZE, 2026): Decimal("-16000.00"),
        (MIDDEN_DRENTHE, 2026): Decimal("-11000.00"),
    }


def test_full_pooling_rounding_remainder_goes_to_the_largest_remainder():
    # Region result 100 shared in thirds: exact transfers −66.666…, +33.333…, +33.333….
    # Rounded down: −66.67, 33.33, 33.33 (sum −0.01); every remainder is ⅓ cent, the tie goes
    # to the first code, so Assen gets −66.66 and the sum is exactly 0.00.
    results = results_of({ASSEN: 100, AA_EN_HUNZE: 0, MIDDEN_DRENTHE: 0})
    weights = dict.fromkeys((ASSEN, AA_EN_HUNZE, MIDDEN_DRENTHE), Decimal(1))
    transfers = amounts(solidarity_full_pooling(results, weights))
    assert transfers == {
        (ASSEN, 2026): Decimal("-66.66"),
        (AA_EN_HUNZE, 2026): Decimal("33.33"),
        (MIDDEN_DRENTHE, 2026): Decimal("33.33"),
    }
    assert str(sum(transfers.values())) == "0.00"


def test_full_pooling_needs_a_weight_for_every_municipality():
    with pytest.raises(ValueError, match="no weight"):
        solidarity_full_pooling(results_of({ASSEN: 1, AA_EN_HUNZE: 2}), {ASSEN: Decimal(1)})
    with pytest.raises(ValueError, match="add up to 0"):
        solidarity_full_pooling(results_of({ASSEN: 1}), {ASSEN: Decimal(0)})


RISK_LINES = [
    line("x", ASSEN, "objective", 80_000),  # 30,000 over the threshold
    line("y", AA_EN_HUNZE, "objective", 45_000),  # under the threshold
    line("z", AA_EN_HUNZE, "historic", 70_000),  # 20,000 over, charged to Assen
    # w moved during the year: 60,000 in all, 10,000 over, split 40 : 20 → 6,666.67 : 3,333.33
    line("w", AA_EN_HUNZE, "objective", 40_000, days=240),
    line("w", MIDDEN_DRENTHE, "objective", 20_000, days=125),
    line("v", MIDDEN_DRENTHE, "onbekend", 500_000),  # national supplement: not pooled
    line("u", MIDDEN_DRENTHE, "objective", 90_000, kind="committed"),  # not realised
]


def test_risk_pool_worked_example():
    # Threshold 50,000. Own excess: Assen 30,000 + 20,000 = 50,000; Aa en Hunze 6,666.666…;
    # Midden-Drenthe 3,333.333…. Pool 60,000, equal weights → each pays 20,000. Transfers:
    #   Assen          50,000 − 20,000      = +30,000.00
    #   Aa en Hunze     6,666.666… − 20,000 = −13,333.333… → −13,333.33
    #   Midden-Drenthe  3,333.333… − 20,000 = −16,666.666… → −16,666.67
    # Rounded down: −13,333.34 (remainder ⅔ cent) and −16,666.67 (⅓ cent), sum −0.01; the cent
    # goes to the largest remainder, Aa en Hunze. Sum 0.00.
    results, _ = financial_results(BUDGETS, RISK_LINES, NON_CLIENT, centrumgemeente_of=CENTRUM)
    weights = dict.fromkeys((ASSEN, AA_EN_HUNZE, MIDDEN_DRENTHE), Decimal(1))
    transfers = solidarity_risk_pool(
        RISK_LINES,
        results,
        threshold_per_client_per_year=Decimal(50_000),
        weights=weights,
        centrumgemeente_of=CENTRUM,
    )
    assert amounts(transfers) == {
        (ASSEN, 2026): Decimal("30000.00"),
        (AA_EN_HUNZE, 2026): Decimal("-13333.33"),
        (MIDDEN_DRENTHE, 2026): Decimal("-16666.67"),
    }


def test_risk_pool_with_committed_cost():
    # With committed cost u (90,000) is 40,000 over, Midden-Drenthe's own: pool 100,000, each
    # pays 33,333.333…; Assen 50,000 − 33,333.333… = +16,666.67 (⅔ cent rounds up) …
    results, _ = financial_results(
        BUDGETS, RISK_LINES, NON_CLIENT, centrumgemeente_of=CENTRUM, kind="both"
    )
    weights = dict.fromkeys((ASSEN, AA_EN_HUNZE, MIDDEN_DRENTHE), Decimal(1))
    transfers = amounts(
        solidarity_risk_pool(
            RISK_LINES,
            results,
            threshold_per_client_per_year=Decimal(50_000),
            weights=weights,
            centrumgemeente_of=CENTRUM,
            kind="both",
        )
    )
    # … Aa en Hunze 6,666.666… − 33,333.333… = −26,666.67; Midden-Drenthe 43,333.333… −
    # 33,333.333… = +10,000.00. Sum 16,666.67 − 26,666.67 + 10,000 = 0.
    assert transfers == {
        (ASSEN, 2026): Decimal("16666.67"),
        (AA_EN_HUNZE, 2026): Decimal("-26666.67"),
        (MIDDEN_DRENTHE, 2026): Decimal("10000.00"),
    }


def test_risk_pool_rejects_cost_of_a_municipality_without_a_result():
    with pytest.raises(ValueError, match="no financial result"):
        solidarity_risk_pool(
            [line("x", AA_EN_HUNZE, "objective", 100)],
            results_of({ASSEN: 0}),
            threshold_per_client_per_year=Decimal(0),
            weights={ASSEN: Decimal(1)},
            centrumgemeente_of=CENTRUM,
        )


def test_compare_arrangements_side_by_side():
    # Results: Assen 200,000 − (80,000 of x + 70,000 of z, historic) − 5,000 = 45,000;
    # Aa en Hunze 60,000 − 45,000 − 40,000 − 1,000 = −26,000; Midden-Drenthe 25,000 − 20,000 −
    # 1,000 = 4,000. Region 23,000; weights 2 : 1 : 1 → 11,500 / 5,750 / 5,750. Full pooling:
    # Assen 11,500 − 45,000 = −33,500; Aa en Hunze 5,750 + 26,000 = +31,750; Midden-Drenthe
    # 5,750 − 4,000 = +1,750. Risk pool 60,000 → 30,000 / 15,000 / 15,000: Assen 50,000 −
    # 30,000 = +20,000; Aa en Hunze 6,666.67 − 15,000 = −8,333.33; Midden-Drenthe 3,333.33 −
    # 15,000 = −11,666.67 (remainders ⅔ and ⅓ cent: the cent goes to Aa en Hunze).
    results, _ = financial_results(BUDGETS, RISK_LINES, NON_CLIENT, centrumgemeente_of=CENTRUM)
    rows = compare_arrangements(
        RISK_LINES,
        results,
        weights={ASSEN: Decimal(2), AA_EN_HUNZE: Decimal(1), MIDDEN_DRENTHE: Decimal(1)},
        threshold_per_client_per_year=Decimal(50_000),
        centrumgemeente_of=CENTRUM,
    )
    assert [(r.municipality, r.result, r.none, r.full_pooling, r.risk_pool) for r in rows] == [
        (ASSEN, 45_000, 0, Decimal("-33500.00"), Decimal("20000.00")),
        (AA_EN_HUNZE, -26_000, 0, Decimal("31750.00"), Decimal("-8333.33")),
        (MIDDEN_DRENTHE, 4_000, 0, Decimal("1750.00"), Decimal("-11666.67")),
    ]
    assert rows[0].result_full_pooling == Decimal(11_500)
    assert rows[1].result_risk_pool == Decimal("-34333.33")


# --- cost per client per week --------------------------------------------------------------


def test_cost_per_client_week_per_product_and_provider():
    # c1: 1,400 over 14 days = 2 weeks → 700 per week.
    # c2: 3,300 over 21 days → 1,100 per week. c3 at P2: 888 × 1 week = 888.
    # c2 also has a committed line and an onbekend client c4 exists: both left out.
    lines = [
        line("c1", ASSEN, "objective", 1_400, days=14),
        line("c2", ASSEN, "objective", 1_100, days=7, year=2025),
        line("c2", ASSEN, "historic", 2_200, days=14),
        line("c2", ASSEN, "objective", 9_999, days=7, kind="committed"),
        line("c3", ASSEN, "objective", 888, days=7, provider="P2"),
        line("c4", ASSEN, "onbekend", 7_000, days=7),
    ]
    assert cost_per_client_week(lines) == [
        WeekCostStat("BW24", None, 3, Decimal("896.0000000000"), 700, 1_100)  # (700+1100+888)/3
    ]
    assert cost_per_client_week(lines, by=("provider", "product")) == [
        WeekCostStat("BW24", "P1", 2, Decimal(900), 700, 1_100),
        WeekCostStat("BW24", "P2", 1, Decimal(888), 888, 888),
    ]
    with_unknown = cost_per_client_week(lines, by=("provider",), include_unattributed=True)
    assert [(s.provider, s.clients, s.maximum) for s in with_unknown] == [
        ("P1", 3, 7_000),
        ("P2", 1, 888),
    ]
    with pytest.raises(ValueError, match="by must"):
        cost_per_client_week(lines, by=("client",))


# --- properties ----------------------------------------------------------------------------

CODES = [ASSEN, AA_EN_HUNZE, MIDDEN_DRENTHE, "GM1699", "GM1730", "GM0118"]
money = st.decimals(
    min_value=-10_000_000, max_value=10_000_000, places=2, allow_nan=False, allow_infinity=False
)
weight_values = st.one_of(
    st.integers(1, 10**7).map(Decimal),
    st.decimals(min_value="0.0001", max_value=1, places=4),
)


@st.composite
def region_data(draw: st.DrawFn):
    """Results, weights and cost lines of a region over one to three years."""
    codes = draw(st.lists(st.sampled_from(CODES), min_size=1, max_size=len(CODES), unique=True))
    years = draw(st.lists(st.integers(2023, 2032), min_size=1, max_size=3, unique=True))
    weights = {code: draw(weight_values) for code in codes}
    lines = [
        line(
            draw(st.sampled_from(["c1", "c2", "c3", "c4", "c5"])),
            draw(st.sampled_from(codes)),
            draw(st.sampled_from(["objective", "historic", "onbekend"])),
            draw(st.decimals(min_value=0, max_value=500_000, places=2)),
            year=draw(st.sampled_from(years)),
        )
        for _ in range(draw(st.integers(0, 12)))
    ]
    centrum = dict.fromkeys(codes, codes[0])
    budgets = {(code, year): draw(money) for code in codes for year in years}
    results, _ = financial_results(budgets, lines, {}, centrumgemeente_of=centrum)
    return results, weights, lines, centrum


def exact_pool_share(results, weights, year, municipality):
    own = {r.municipality: Fraction(r.result) for r in results if r.year == year}
    total_weight = sum(Fraction(weights[m]) for m in own)
    return Fraction(weights[municipality]) / total_weight * sum(own.values())


@PROPERTY
@given(region_data(), st.decimals(min_value=0, max_value=600_000, places=2))
def test_transfers_of_each_year_sum_to_exactly_zero(data, threshold):
    results, weights, lines, centrum = data
    for transfers in (
        solidarity_none(results),
        solidarity_full_pooling(results, weights),
        solidarity_risk_pool(
            lines,
            results,
            threshold_per_client_per_year=threshold,
            weights=weights,
            centrumgemeente_of=centrum,
        ),
    ):
        per_year = defaultdict(Decimal)
        for transfer in transfers:
            assert transfer.amount == transfer.amount.quantize(Decimal("0.01"))
            per_year[transfer.year] += transfer.amount
        assert set(per_year) == {r.year for r in results}
        assert all(total == 0 for total in per_year.values()), per_year
        assert len(transfers) == len(results)


@PROPERTY
@given(region_data())
def test_full_pooling_leaves_every_municipality_its_weighted_share(data):
    results, weights, _, _ = data
    transfers = amounts(solidarity_full_pooling(results, weights))
    for result in results:
        after = Fraction(result.result + transfers[(result.municipality, result.year)])
        share = exact_pool_share(results, weights, result.year, result.municipality)
        assert abs(after - share) < Fraction(1, 100)


@PROPERTY
@given(region_data(), st.decimals(min_value=0, max_value=100_000, places=2))
def test_risk_pool_above_every_client_cost_transfers_nothing(data, extra):
    results, weights, lines, centrum = data
    per_client = defaultdict(Decimal)
    for cost in lines:
        per_client[(cost.year, cost.client)] += cost.amount
    threshold = max(per_client.values(), default=Decimal(0)) + extra
    transfers = solidarity_risk_pool(
        lines,
        results,
        threshold_per_client_per_year=threshold,
        weights=weights,
        centrumgemeente_of=centrum,
    )
    assert all(t.amount == 0 for t in transfers)


# Stays and tariffs on a short calendar, so that gaps, overlaps and year ends all occur.
FIRST, LAST = date(2023, 11, 1), date(2025, 2, 28)
calendar_days = st.dates(min_value=FIRST, max_value=LAST)


@st.composite
def priced_stays(draw: st.DrawFn):
    """Contracts covering the whole calendar (a base contract plus overlapping ones) and a stay."""
    tariffs = [
        Tariff(
            "base",
            "BW24",
            "P1",
            draw(st.integers(1, 2000).map(Decimal)),
            draw(st.sampled_from(["week", "etmaal"])),
            FIRST,
            None,
        )
    ]
    for n in range(draw(st.integers(0, 5))):
        start = draw(calendar_days.filter(lambda d: d > FIRST))
        end = draw(st.one_of(st.none(), st.dates(min_value=start, max_value=LAST)))
        tariffs.append(
            Tariff(
                f"c{n}",
                "BW24",
                "P1",
                draw(st.decimals(min_value=1, max_value=2000, places=2)),
                draw(st.sampled_from(["week", "etmaal"])),
                start,
                end,
            )
        )
    starts = [t.start for t in tariffs]
    if len(set(starts)) != len(starts):
        tariffs = list({t.start: t for t in tariffs}.values())
    start = draw(calendar_days)
    end = draw(st.one_of(st.none(), st.dates(min_value=start, max_value=LAST)))
    granted = draw(st.one_of(st.none(), st.dates(min_value=start, max_value=LAST)))
    today = draw(calendar_days)
    return tariffs, stay(start, end, granted_until=granted), today


def reference_cost(tariffs, first, last):
    """Day by day, exact: the contract that started last among those covering the day."""
    total = Fraction(0)
    day = first
    while day <= last:
        covering = [t for t in tariffs if t.start <= day and (t.end is None or day <= t.end)]
        chosen = max(covering, key=lambda t: t.start)
        rate = Fraction(chosen.amount) / (7 if chosen.unit == "week" else 1)
        total += rate
        day += ONE_DAY
    return total


YEARS = [2023, 2024, 2025]


@PROPERTY
@given(priced_stays())
def test_stay_cost_matches_pricing_every_day(case):
    tariffs, one, today = case
    for cost in stay_costs([one], tariffs, today=today, years=YEARS):
        if cost.kind == "realised":
            first = max(one.start, date(cost.year, 1, 1))
        else:
            first = max(one.start, date(cost.year, 1, 1), today + ONE_DAY)
        last = first + timedelta(days=cost.days - 1)
        assert last.year == cost.year
        expected = reference_cost(tariffs, first, last)
        assert abs(Fraction(cost.amount) - expected) <= Fraction(1, 10**10)


@PROPERTY
@given(priced_stays(), st.data())
def test_splitting_a_stay_does_not_change_its_cost(case, data):
    tariffs, one, today = case
    last = one.end or LAST
    if one.start == last:
        return
    split = data.draw(st.dates(min_value=one.start + ONE_DAY, max_value=last), label="split")
    parts = [replace(one, end=split - ONE_DAY), replace(one, start=split)]

    def totals(stays):
        days, amount = defaultdict(int), defaultdict(Decimal)
        for cost in stay_costs(stays, tariffs, today=today, years=YEARS):
            days[(cost.year, cost.kind)] += cost.days
            amount[(cost.year, cost.kind)] += cost.amount
        return days, amount

    whole_days, whole_amount = totals([one])
    part_days, part_amount = totals(parts)
    assert part_days == whole_days
    assert set(part_amount) == set(whole_amount)
    for key, amount in whole_amount.items():
        # Each line keeps 10 decimals of a weekly price / 7; exact for etmaal prices.
        assert abs(part_amount[key] - amount) <= Decimal("2e-10")
