"""Contract terms: the initial end date, the extension options and the decisions about them.

Regions procure providers for a fixed term with (usually) two options to extend by two years
each (the "2×2-jaar verlengingsoptie"). An option is decided in order: the second can only be
taken after the first was; once an option is not taken, the contract ends at its current end
and no later option can be taken any more.

The decision about the next option is due a notice period (``notice_months``) before the
current end; with no option left the current end itself is what comes up (the contract ends:
procure again or stop).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from bwmo.rules.dates import add_months

__all__ = [
    "Decision",
    "DueKind",
    "Terms",
    "TermsState",
    "decision_refusal",
    "terms_state",
]


class Decision(StrEnum):
    OPEN = "open"
    VERLENGD = "verlengd"
    NIET_VERLENGD = "niet_verlengd"


class DueKind(StrEnum):
    EXTENSION = "extension"  # a decision about the next option is due
    END = "end"  # no option left (or not taken): the contract ends


@dataclass(frozen=True)
class Terms:
    initial_end: date
    options: int
    years_per_option: int
    notice_months: int
    decisions: tuple[Decision, ...] = ()
    """The decision per option, option 1 first; missing options are open."""


@dataclass(frozen=True)
class TermsState:
    current_end: date
    """The last day of the contract with the options taken so far."""
    latest_possible_end: date
    """The last day if every option that can still be taken is taken."""
    extensions_used: int
    next_option: int | None
    """The option that can still be decided (1-based), or None when none can."""
    due_kind: DueKind
    deadline: date
    """When the next option must be decided, or (no option left) the current end."""


def _plus_months(day: date, months: int) -> date:
    """A last day moved by whole months: a month's last day stays a month's last day
    (30 June − 6 months is 31 December), any other day keeps its number (clipped)."""
    moved = add_months(day, months)
    if (day + timedelta(days=1)).day == 1:
        return add_months(moved.replace(day=1), 1) - timedelta(days=1)
    return moved


def _plus_years(day: date, years: int) -> date:
    return _plus_months(day, 12 * years)


def _decision(terms: Terms, option: int) -> Decision:
    return terms.decisions[option - 1] if option <= len(terms.decisions) else Decision.OPEN


def terms_state(terms: Terms) -> TermsState:
    """Where a contract stands: its current end, the next open option and its deadline.

    >>> s = terms_state(Terms(date(2024, 12, 31), 2, 2, 6, (Decision.VERLENGD,)))
    >>> s.current_end, s.next_option, s.deadline
    (datetime.date(2026, 12, 31), 2, datetime.date(2026, 6, 30))
    """
    used = 0
    closed = False
    for option in range(1, terms.options + 1):
        decision = _decision(terms, option)
        if decision == Decision.VERLENGD and not closed:
            used += 1
        elif decision == Decision.NIET_VERLENGD:
            closed = True
            break
        else:
            break
    current_end = _plus_years(terms.initial_end, used * terms.years_per_option)
    next_option = None if closed or used >= terms.options else used + 1
    remaining = 0 if next_option is None else terms.options - used
    latest = _plus_years(current_end, remaining * terms.years_per_option)
    if next_option is None:
        return TermsState(current_end, latest, used, None, DueKind.END, current_end)
    deadline = add_months(current_end + timedelta(days=1), -terms.notice_months) - timedelta(days=1)
    return TermsState(current_end, latest, used, next_option, DueKind.EXTENSION, deadline)


def decision_refusal(terms: Terms, option: int, decision: Decision) -> str | None:
    """Why ``decision`` about ``option`` cannot be recorded, as a code (None: it can).

    ``no_such_option``: the contract has fewer options; ``earlier_open``: an earlier option
    is still open; ``earlier_not_taken``: an earlier option was not taken, so the contract
    ends before this one; ``later_decided``: a later option was decided already, so this
    one can no longer change to anything but ``verlengd``.
    """
    if option < 1 or option > terms.options:
        return "no_such_option"
    for earlier in range(1, option):
        previous = _decision(terms, earlier)
        if previous == Decision.OPEN:
            return "earlier_open"
        if previous == Decision.NIET_VERLENGD:
            return "earlier_not_taken"
    later = [_decision(terms, o) for o in range(option + 1, terms.options + 1)]
    if decision != Decision.VERLENGD and any(d != Decision.OPEN for d in later):
        return "later_decided"
    return None
