"""Capacity arithmetic and contract terms: examples and properties."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bwmo.rules import capacity
from bwmo.rules.contract_terms import Decision, DueKind, Terms, decision_refusal, terms_state

V, N, OPEN = Decision.VERLENGD, Decision.NIET_VERLENGD, Decision.OPEN


def test_month_starts_cover_both_ends():
    assert capacity.month_starts(date(2025, 11, 20), date(2026, 2, 3)) == [
        date(2025, 11, 1),
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]
    with pytest.raises(ValueError):
        capacity.month_starts(date(2026, 2, 1), date(2026, 1, 1))


def test_places_on_a_day_sum_the_rows_in_force():
    periods = [
        capacity.Period(date(2025, 1, 1), date(2025, 6, 30), 10),
        capacity.Period(date(2025, 7, 1), None, 12),
        capacity.Period(date(2025, 3, 1), date(2025, 3, 31), 2),
    ]
    assert capacity.places_on(periods, date(2024, 12, 31)) == 0
    assert capacity.places_on(periods, date(2025, 3, 15)) == 12
    assert capacity.places_on(periods, date(2025, 6, 30)) == 10
    assert capacity.places_on(periods, date(2025, 7, 1)) == 12


def test_average_places_weighs_days():
    # 10 places the first half (181 days) then 12 (184 days): (1810 + 2208) / 365 = 11.008…
    periods = [
        capacity.Period(date(2025, 1, 1), date(2025, 6, 30), 10),
        capacity.Period(date(2025, 7, 1), None, 12),
    ]
    assert capacity.average_places(periods, 2025) == Decimal("11.01")
    assert capacity.average_places(periods, 2026) == Decimal("12.00")
    assert capacity.average_places(periods, 2024) == Decimal("0.00")
    assert capacity.average_places([capacity.Period(date(2025, 7, 1), None, 10)], 2025) == (
        Decimal("5.04")
    )


def test_occupancy_percentage_and_over_capacity():
    assert capacity.occupancy(9, 10) == capacity.Occupancy(9, 10, Decimal("90"), False)
    assert capacity.occupancy(11, 10) == capacity.Occupancy(11, 10, Decimal("110"), True)
    assert capacity.occupancy(10, 10).over_capacity is False
    # Stays without contracted places: over capacity, no percentage.
    assert capacity.occupancy(6, 0) == capacity.Occupancy(6, 0, None, True)
    assert capacity.occupancy(0, 0) == capacity.Occupancy(0, 0, None, False)
    # A hidden count tells neither its share nor whether it exceeds the places.
    assert capacity.occupancy("×", 3) == capacity.Occupancy("×", 3, None, None)


def test_wait_bands():
    assert [capacity.wait_band(d) for d in (0, 29, 30, 90, 91, 181, 182, 1000)] == [
        0,
        0,
        1,
        1,
        2,
        2,
        3,
        3,
    ]
    with pytest.raises(ValueError):
        capacity.wait_band(-1)


def test_terms_without_decisions_wait_for_option_one():
    state = terms_state(Terms(date(2024, 12, 31), 2, 2, 6))
    assert state.current_end == date(2024, 12, 31)
    assert state.latest_possible_end == date(2028, 12, 31)
    assert state.next_option == 1
    assert state.due_kind == DueKind.EXTENSION
    assert state.deadline == date(2024, 6, 30)


def test_terms_after_one_extension():
    state = terms_state(Terms(date(2024, 12, 31), 2, 2, 3, (V,)))
    assert (state.current_end, state.extensions_used, state.next_option) == (
        date(2026, 12, 31),
        1,
        2,
    )
    assert state.deadline == date(2026, 9, 30)
    assert state.latest_possible_end == date(2028, 12, 31)


def test_terms_all_taken_or_refused_come_up_at_the_end():
    both = terms_state(Terms(date(2024, 12, 31), 2, 2, 6, (V, V)))
    assert (both.current_end, both.next_option, both.due_kind, both.deadline) == (
        date(2028, 12, 31),
        None,
        DueKind.END,
        date(2028, 12, 31),
    )
    refused = terms_state(Terms(date(2024, 12, 31), 2, 2, 6, (N, OPEN)))
    assert (refused.current_end, refused.latest_possible_end, refused.next_option) == (
        date(2024, 12, 31),
        date(2024, 12, 31),
        None,
    )


def test_terms_ending_mid_year_and_on_29_february():
    state = terms_state(Terms(date(2026, 3, 31), 2, 2, 6, (V,)))
    assert state.current_end == date(2028, 3, 31)
    assert state.deadline == date(2027, 9, 30)
    leap = terms_state(Terms(date(2028, 2, 28), 1, 1, 1, (V,)))
    assert leap.current_end == date(2029, 2, 28)


def test_decisions_are_taken_in_order():
    terms = Terms(date(2024, 12, 31), 2, 2, 6)
    assert decision_refusal(terms, 1, V) is None
    assert decision_refusal(terms, 2, V) == "earlier_open"
    assert decision_refusal(terms, 3, V) == "no_such_option"
    assert decision_refusal(terms, 0, V) == "no_such_option"
    refused = Terms(date(2024, 12, 31), 2, 2, 6, (N,))
    assert decision_refusal(refused, 2, V) == "earlier_not_taken"
    both = Terms(date(2024, 12, 31), 2, 2, 6, (V, V))
    assert decision_refusal(both, 1, N) == "later_decided"
    assert decision_refusal(both, 1, V) is None
    assert decision_refusal(both, 2, OPEN) is None


# The machine that runs the suite is shared: slow generation is no failure of the rules.
BOUNDED = settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])


@BOUNDED
@given(
    end=st.dates(min_value=date(2000, 1, 1), max_value=date(2080, 12, 31)),
    options=st.integers(0, 3),
    years=st.integers(1, 3),
    notice=st.integers(0, 24),
    decisions=st.lists(st.sampled_from(list(Decision)), max_size=3),
)
def test_terms_properties(end, options, years, notice, decisions):
    state = terms_state(Terms(end, options, years, notice, tuple(decisions[:options])))
    assert end <= state.current_end <= state.latest_possible_end
    assert 0 <= state.extensions_used <= options
    assert state.deadline <= state.current_end
    if state.next_option is None:
        assert state.deadline == state.current_end == state.latest_possible_end
    else:
        assert state.next_option == state.extensions_used + 1
        assert state.current_end - state.deadline <= timedelta(days=31 * notice + 1)


@BOUNDED
@given(
    spans=st.lists(
        st.tuples(st.integers(0, 364), st.integers(0, 364), st.integers(0, 50)), max_size=5
    )
)
def test_average_places_is_between_the_least_and_most_in_force(spans):
    first = date(2025, 1, 1)
    periods = [
        capacity.Period(first + timedelta(days=min(a, b)), first + timedelta(days=max(a, b)), p)
        for a, b, p in spans
    ]
    daily = [capacity.places_on(periods, first + timedelta(days=d)) for d in range(365)]
    average = capacity.average_places(periods, 2025)
    assert min(daily) - Decimal("0.01") <= average <= max(daily) + Decimal("0.01")
    assert abs(average - Decimal(sum(daily)) / 365) <= Decimal("0.005")
