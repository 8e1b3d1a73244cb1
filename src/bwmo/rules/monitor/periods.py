"""The periods the monitor publishes outside the own municipality: whole, closed quarters.

Figures that include other municipalities are suppressed per period. With a free period a
reader could subtract two periods that differ by a day (the instroom of 1 January – 31 October
minus that of 1 January – 30 October is the instroom of 31 October: often one person), and an
open period's figures move every day. So an outside reader's period is widened to whole
calendar quarters and ends at the last quarter that has closed, and a closed period's hidden
cells are remembered and stay hidden (``docs/security.md``, *Publications over time*).

Two such periods differ by whole quarters, but that is not enough: their totals are not in
one another's suppression, so what the longer period counts more is given away, and it may be
a small number: by product, location or reason a count of the last quarter that no document
shows (the quarters are by kind), by kind one the quarter's row may hide, and the change of
counts that only grow (lead times completed, clients ever in care). See ``docs/security.md``,
*Periods: what is left*, and ``tests/monitor/test_periods_differenced.py``.
"""

from __future__ import annotations

from datetime import date, timedelta

from bwmo.rules.dates import add_months

__all__ = ["last_closed_quarter_end", "outside_period", "quarter_start"]


def quarter_start(day: date) -> date:
    """The first day of the calendar quarter ``day`` is in."""
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _quarter_end(day: date) -> date:
    return add_months(quarter_start(day), 3) - timedelta(days=1)


def last_closed_quarter_end(today: date) -> date:
    """The last day of the last calendar quarter that ended before ``today``.

    >>> last_closed_quarter_end(date(2026, 12, 1))
    datetime.date(2026, 9, 30)
    >>> last_closed_quarter_end(date(2027, 1, 1))
    datetime.date(2026, 12, 31)
    """
    return quarter_start(today) - timedelta(days=1)


def outside_period(start: date, end: date, *, today: date) -> tuple[date, date]:
    """The period an outside reader sees for ``[start, end]``: from the first day of
    ``start``'s quarter to the last day of ``end``'s quarter, but no later than the last closed
    quarter; when that leaves nothing, the last closed quarter.

    >>> outside_period(date(2025, 1, 1), date(2026, 12, 1), today=date(2026, 12, 1))
    (datetime.date(2025, 1, 1), datetime.date(2026, 9, 30))
    >>> outside_period(date(2025, 2, 14), date(2025, 5, 3), today=date(2026, 12, 1))
    (datetime.date(2025, 1, 1), datetime.date(2025, 6, 30))
    >>> outside_period(date(2026, 10, 1), date(2026, 11, 30), today=date(2026, 12, 1))
    (datetime.date(2026, 7, 1), datetime.date(2026, 9, 30))
    """
    if end < start:
        raise ValueError("the period ends before it starts")
    last = last_closed_quarter_end(today)
    first = quarter_start(start)
    until = min(_quarter_end(end), last)
    if until < first:
        return quarter_start(last), last
    return first, until
