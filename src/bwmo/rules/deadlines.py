"""Legal deadlines of the access process (Wmo 2015).

- art. 2.3.2 lid 1: the onderzoek is completed within six weeks after the melding;
- art. 2.3.5 lid 1: the beschikking is given within two weeks after the aanvraag.
"""

from datetime import date, timedelta

ONDERZOEK_WEEKS = 6
BESCHIKKING_WEEKS = 2


def onderzoek_deadline(melding_date: date) -> date:
    return melding_date + timedelta(weeks=ONDERZOEK_WEEKS)


def beschikking_deadline(aanvraag_date: date) -> date:
    return aanvraag_date + timedelta(weeks=BESCHIKKING_WEEKS)


def days_left(deadline: date, today: date) -> int:
    """Negative when overdue."""
    return (deadline - today).days
