"""Calendar arithmetic used by the legal rules (whole days, months clipped to month end)."""

import calendar
from datetime import date, timedelta


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months, clipped to the end of the target month.

    >>> add_months(date(2026, 8, 31), 6)
    datetime.date(2027, 2, 28)
    """
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last_day))


def add_weeks(day: date, weeks: int) -> date:
    return day + timedelta(weeks=weeks)
