"""An outside reader's monitor period: whole, closed calendar quarters, so that two periods
never differ by a day or a month and a published period no longer moves."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bwmo.rules.monitor.periods import last_closed_quarter_end, outside_period, quarter_start

TODAY = date(2026, 12, 1)


@pytest.mark.parametrize(
    ("start", "end", "shown"),
    [
        # The dashboard's default: from 1 January last year up to today.
        (date(2025, 1, 1), TODAY, (date(2025, 1, 1), date(2026, 9, 30))),
        # Days inside quarters widen to the whole quarters.
        (date(2025, 2, 14), date(2025, 5, 3), (date(2025, 1, 1), date(2025, 6, 30))),
        (date(2025, 10, 31), date(2025, 10, 31), (date(2025, 10, 1), date(2025, 12, 31))),
        # Only the running quarter asked for: the last closed one is shown.
        (date(2026, 10, 1), date(2026, 11, 30), (date(2026, 7, 1), date(2026, 9, 30))),
        (date(2027, 3, 1), date(2027, 4, 1), (date(2026, 7, 1), date(2026, 9, 30))),
        # Whole closed quarters stay as they are.
        (date(2024, 1, 1), date(2024, 12, 31), (date(2024, 1, 1), date(2024, 12, 31))),
    ],
)
def test_the_period_shown_outside(start, end, shown):
    assert outside_period(start, end, today=TODAY) == shown


def test_the_day_a_quarter_closes():
    assert last_closed_quarter_end(date(2026, 9, 30)) == date(2026, 6, 30)
    assert last_closed_quarter_end(date(2026, 10, 1)) == date(2026, 9, 30)


def test_a_period_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="ends before it starts"):
        outside_period(date(2026, 2, 1), date(2026, 1, 1), today=TODAY)


days = st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 12, 31))


@given(days, st.integers(0, 2000), days)
def test_every_period_shown_is_whole_closed_quarters(start, length, today):
    end = start + timedelta(days=length)
    first, last = outside_period(start, end, today=today)
    assert first == quarter_start(first) and first <= last
    assert last + timedelta(days=1) == quarter_start(last + timedelta(days=1))  # a quarter's end
    assert last < today and last <= last_closed_quarter_end(today)
    # Two days, however close, give the same period or periods of whole quarters apart:
    # the next day's period never differs from this one by less than a quarter.
    nxt = outside_period(start, end + timedelta(days=1), today=today)
    assert nxt == (first, last) or (nxt[1] - last).days >= 89
