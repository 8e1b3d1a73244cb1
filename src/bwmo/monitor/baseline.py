"""Hand-written SQL for the monitor's stock and flow figures: the baseline that `make bench`
measures the monitor against, and that a test holds equal to the monitor's own figures.

It computes, for a region and each of its member municipalities (the monitor's "parts"), the
clients in care on the start and the end of a period and on every quarter end, and instroom
and uitstroom in the period and per quarter, in total and by kind (BW/MO), by the rules of
:mod:`bwmo.rules.monitor.flow`: a client counts once per day; an episode begins on a day the
client is in care and was not the day before, and ends on a day after which they are not; a
figure is counted under the stay attributed to it (latest start, then the heaviest product).

It reads no personal data: only pseudonymous keys, dates and codes. It is deliberately plain
SQL (one statement per figure family), the kind a data analyst would write by hand.
"""

from __future__ import annotations

import itertools
from datetime import date

from django.db import connection

from bwmo.rules.dates import add_months

REGION = "regio"


def _next_day(column: str) -> str:
    if connection.vendor == "sqlite":
        return f"date({column}, '+1 day')"
    return f"({column} + 1)"


def _parts_cte(members: list[str]) -> tuple[str, list]:
    """The region's stays counted by the monitor, once for the region and once for the
    municipality responsible for them (the indication's, else the stay's location)."""
    marks = ", ".join(["%s"] * len(members)) or "NULL"
    # Only placeholders and constants are put into the statements below (S608).
    sql = f"""
    WITH counted AS (
        SELECT s.client_id AS client, s.start AS start, s."end" AS stop, p.kind AS kind,
               p.intensity_rank AS rank, p.name AS product, v.name AS provider,
               COALESCE(i.responsible_municipality_id, s.location_id) AS responsible
        FROM care_stay s
        JOIN care_product p ON p.id = s.product_id
        JOIN organisations_provider v ON v.id = s.provider_id
        LEFT JOIN care_indication i ON i.id = s.indication_id
        WHERE p.kind IN ('BW', 'MO')
          AND COALESCE(i.responsible_municipality_id, s.location_id) IN ({marks})
    ),
    parts AS (
        SELECT '{REGION}' AS part, counted.* FROM counted
        UNION ALL
        SELECT responsible AS part, counted.* FROM counted
    )"""  # noqa: S608
    return sql, list(members)


def stock(members: list[str], days: list[date]) -> dict[date, dict[str, dict[str, int]]]:
    """``{day: {part: {"total": n, "BW": n, "MO": n}}}``: distinct clients in care on each day,
    by the kind of the stay attributed to them that day."""
    cte, params = _parts_cte(members)
    values = " UNION ALL ".join(["SELECT %s AS day"] * len(days))
    sql = f"""{cte},
    days AS ({values}),
    covering AS (
        SELECT days.day AS day, parts.part AS part, parts.client AS client, parts.kind AS kind,
               ROW_NUMBER() OVER (
                   PARTITION BY days.day, parts.part, parts.client
                   ORDER BY parts.start DESC, parts.rank DESC, parts.product DESC,
                            parts.provider DESC
               ) AS n
        FROM parts JOIN days ON parts.start <= days.day
             AND (parts.stop IS NULL OR parts.stop >= days.day)
    )
    SELECT day, part, kind, COUNT(*) FROM covering WHERE n = 1 GROUP BY day, part, kind"""  # noqa: S608
    result: dict[date, dict[str, dict[str, int]]] = {day: {} for day in days}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *days])
        for day, part, kind, count in cursor.fetchall():
            day = date.fromisoformat(day) if isinstance(day, str) else day
            figures = result[day].setdefault(part, {"total": 0})
            figures[kind] = count
            figures["total"] += count
    return result


def flows(
    members: list[str], bounds: list[tuple[date, date]]
) -> dict[tuple[date, date], dict[str, dict[str, dict[str, int]]]]:
    """``{(start, end): {part: {"instroom": {...}, "uitstroom": {...}}}}``: episode starts on a
    day in ``(start, end]`` and episode ends on a day in ``[start, end)``, by kind."""
    cte, params = _parts_cte(members)
    values = " UNION ALL ".join(["SELECT %s AS lo, %s AS hi"] * len(bounds))
    sql = f"""{cte},
    periods AS ({values}),
    entries AS (
        SELECT a.part AS part, a.client AS client, a.start AS day, a.kind AS kind,
               ROW_NUMBER() OVER (
                   PARTITION BY a.part, a.client, a.start
                   ORDER BY a.rank DESC, a.product DESC, a.provider DESC
               ) AS n
        FROM parts a
        WHERE NOT EXISTS (
            SELECT 1 FROM parts b
            WHERE b.part = a.part AND b.client = a.client AND b.start < a.start
              AND (b.stop IS NULL OR {_next_day("b.stop")} >= a.start)
        )
    ),
    exits AS (
        SELECT a.part AS part, a.client AS client, a.stop AS day, a.kind AS kind,
               ROW_NUMBER() OVER (
                   PARTITION BY a.part, a.client, a.stop
                   ORDER BY a.start DESC, a.rank DESC, a.product DESC, a.provider DESC
               ) AS n
        FROM parts a
        WHERE a.stop IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM parts b
            WHERE b.part = a.part AND b.client = a.client
              AND b.start <= {_next_day("a.stop")} AND (b.stop IS NULL OR b.stop > a.stop)
        )
    )
    SELECT 'instroom', periods.lo, periods.hi, part, kind, COUNT(*)
    FROM entries JOIN periods ON entries.day > periods.lo AND entries.day <= periods.hi
    WHERE n = 1 GROUP BY periods.lo, periods.hi, part, kind
    UNION ALL
    SELECT 'uitstroom', periods.lo, periods.hi, part, kind, COUNT(*)
    FROM exits JOIN periods ON exits.day >= periods.lo AND exits.day < periods.hi
    WHERE n = 1 GROUP BY periods.lo, periods.hi, part, kind"""  # noqa: S608
    result: dict[tuple[date, date], dict[str, dict[str, dict[str, int]]]] = {b: {} for b in bounds}
    flat = [day for bound in bounds for day in bound]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *flat])
        for table, lo, hi, part, kind, count in cursor.fetchall():
            lo = date.fromisoformat(lo) if isinstance(lo, str) else lo
            hi = date.fromisoformat(hi) if isinstance(hi, str) else hi
            figures = result[(lo, hi)].setdefault(part, {}).setdefault(table, {"total": 0})
            figures[kind] = count
            figures["total"] += count
    return result


def quarter_bounds(start: date, end: date) -> list[tuple[date, date]]:
    """The monitor's quarters of ``[start, end]``: cut at the first day of each quarter, the
    boundary day shared by consecutive periods."""
    cuts = [start]
    day = date(start.year, (start.month - 1) // 3 * 3 + 1, 1)
    while True:
        day = add_months(day, 3)
        if day >= end:
            break
        cuts.append(day)
    cuts.append(end)
    return list(itertools.pairwise(cuts))


def dashboard_figures(members: list[str], *, start: date, end: date) -> dict:
    """What the baseline computes for one dashboard: stock at start, end and every quarter
    boundary; instroom and uitstroom over the period and per quarter; per part and kind."""
    quarters = quarter_bounds(start, end)
    days = sorted({start, end, *(hi for _lo, hi in quarters)})
    return {
        "stock": stock(members, days),
        "flows": flows(members, [(start, end), *quarters]),
    }
