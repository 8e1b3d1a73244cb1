from datetime import date

from bwmo.rules.dates import add_months
from bwmo.rules.deadlines import beschikking_deadline, days_left, onderzoek_deadline


def test_onderzoek_within_six_weeks_of_the_melding():
    assert onderzoek_deadline(date(2026, 1, 5)) == date(2026, 2, 16)


def test_beschikking_within_two_weeks_of_the_aanvraag():
    assert beschikking_deadline(date(2026, 12, 24)) == date(2027, 1, 7)


def test_days_left_is_negative_when_overdue():
    assert days_left(date(2026, 3, 1), date(2026, 3, 4)) == -3
    assert days_left(date(2026, 3, 1), date(2026, 3, 1)) == 0


def test_add_months_clips_to_month_end():
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
