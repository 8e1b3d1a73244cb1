"""What may change on a granted indication (its iWmo toewijzing), and which reason fits.

The basis:

- Wmo 2015 art. 2.3.5: the beschikking decides the maatwerkvoorziening and its period. A
  longer period, or care after the end, is a new decision on a new aanvraag (herbeoordeling).
- iWmo 3.2 OP033x1: an allocation is changed by sending it again; its end date may move.
- WMO002 (reden wijziging toewijzing): the reason says why. Code 04 (*herbeoordeling:
  verlenging*) is sent with a **new** allocation (a new ToewijzingNummer), so it is never
  the reason for changing an existing one; 05 (*verkorting*) and the reasons for ending (02
  overleden, 06 ander domein, 07 verhuizing, 09 andere aanbieder, …) give an earlier end
  date; 14 (*administratieve correctie*) repairs an input error; 12 (*geïnitieerd door de
  aanbieder*) answers a provider's request for change (WMO317, IV093), which may move the end
  date either way in agreement with the provider; 13 (*verwijderd*) and 01 (*vervallen*) are
  not changes of the end date.
- An allocation that has ended (its end date lies before today) is no longer current
  (OP087): it cannot be changed. Care after it needs a new beschikking and so a new
  allocation (IV066, IV092: a new period is a new product).

Plain Python; the Dutch messages that explain a refusal live in the service that applies it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

# WMO002 codes
VERVALLEN = "01"
OVERLEDEN = "02"
CONTRACTWIJZIGING = "03"
VERLENGING = "04"
VERKORTING = "05"
ANDER_DOMEIN = "06"
VERHUIZING = "07"
LEVERINGSVORM = "08"
ANDERE_AANBIEDER = "09"
BEKOSTIGING = "10"
HERINDELING = "11"
AANBIEDER = "12"
VERWIJDERD = "13"
CORRECTIE = "14"

#: Reasons that shorten or end an allocation: only an earlier end date fits them.
EARLIER_ONLY = frozenset(
    {
        OVERLEDEN,
        CONTRACTWIJZIGING,
        VERKORTING,
        ANDER_DOMEIN,
        VERHUIZING,
        LEVERINGSVORM,
        ANDERE_AANBIEDER,
        BEKOSTIGING,
        HERINDELING,
    }
)
#: A correction repairs an input error: either way, but never past the beschikking's end.
WITHIN_DECISION = frozenset({CORRECTIE})
#: A provider's request for change, honoured by the municipality: either way (OP033x1).
EITHER_WAY = frozenset({AANBIEDER})
#: Every reason an existing allocation's end date may be changed with.
CHANGE_REASONS = EARLIER_ONLY | WITHIN_DECISION | EITHER_WAY


class Direction(StrEnum):
    EARLIER = "eerder"  # shorter: an earlier end date, or an end date where there was none
    LATER = "later"  # longer: a later end date, or no end date any more
    SAME = "gelijk"


class Refusal(StrEnum):
    ENDED = "beeindigd"
    SAME = "gelijk"
    BEFORE_START = "voor_ingangsdatum"
    EXTENSION = "verlenging"  # reason 04, or a shortening reason with a later end date
    NOT_A_CHANGE = "geen_wijziging"  # 01, 13 or a code that is not in WMO002
    BEYOND_DECISION = "na_beschikking"  # a correction past the beschikking's end
    DEATH_IN_FUTURE = "overlijden_in_toekomst"


def direction(current_end: date | None, new_end: date | None) -> Direction:
    if current_end == new_end:
        return Direction.SAME
    if new_end is None:
        return Direction.LATER
    if current_end is None or new_end < current_end:
        return Direction.EARLIER
    return Direction.LATER


def has_ended(end: date | None, today: date) -> bool:
    """An end date is the last day of care: on that day the allocation still runs."""
    return end is not None and end < today


@dataclass(frozen=True)
class EndDateChange:
    valid_from: date
    current_end: date | None
    new_end: date | None
    reason: str
    #: The end of the decided period (the beschikking's end date); None when open-ended.
    decided_end: date | None
    today: date

    @property
    def direction(self) -> Direction:
        return direction(self.current_end, self.new_end)


def refusal(change: EndDateChange) -> Refusal | None:
    """Why this change may not be made, or None when it may (the first reason that holds)."""
    if has_ended(change.current_end, change.today):
        return Refusal.ENDED
    if change.reason == VERLENGING:
        return Refusal.EXTENSION
    if change.reason not in CHANGE_REASONS:
        return Refusal.NOT_A_CHANGE
    if change.direction is Direction.SAME:
        return Refusal.SAME
    if change.new_end is not None and change.new_end < change.valid_from:
        return Refusal.BEFORE_START
    if change.direction is Direction.LATER:
        if change.reason in EARLIER_ONLY:
            return Refusal.EXTENSION
        beyond = change.decided_end is not None and (
            change.new_end is None or change.new_end > change.decided_end
        )
        if change.reason in WITHIN_DECISION and beyond:
            return Refusal.BEYOND_DECISION
    if change.reason == OVERLEDEN and change.new_end is not None and change.new_end > change.today:
        return Refusal.DEATH_IN_FUTURE
    return None


def needs_confirmation(change: EndDateChange) -> bool:
    """An end date in the past takes away care the provider may already have delivered
    (IV092: a change may not make delivered care unlawful), so the user confirms it has
    been agreed. Not for a death: the date of death is a fact, not a choice."""
    return (
        change.new_end is not None and change.new_end < change.today and change.reason != OVERLEDEN
    )
