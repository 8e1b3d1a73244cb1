"""The monitor document as an Excel workbook: one sheet per figure, numbers as numbers."""

from bwmo.ui.excel import workbook_bytes


def _rows(figure: dict):
    """(breakdown, value, count) rows of a figure object with ``total`` and breakdowns."""
    yield ("totaal", "", figure.get("total"))
    for name, values in figure.items():
        if name == "total" or not isinstance(values, dict):
            continue
        for value, count in values.items():
            if isinstance(count, dict):
                for sub, n in count.items():
                    yield (name, f"{value} ({sub})", n)
            else:
                yield (name, value, count)


def monitor_workbook(document: dict) -> bytes:
    sheets = []
    for key in (
        "in_care_at_start",
        "in_care_at_end",
        "instroom",
        "uitstroom",
        "doorstroom",
        "lead_times",
        "waiting_list",
        "costs",
    ):
        sheets.append((key, ["indeling", "waarde", "aantal"], list(_rows(document[key])), set()))
    matrix = document["flows"]["origin_location"]
    locations = sorted({loc for row in matrix.values() for loc in row})
    sheets.append(
        (
            "origin_location",
            ["verantwoordelijk", *locations],
            [
                [origin, *(row.get(loc, 0) for loc in locations)]
                for origin, row in sorted(matrix.items())
            ],
            set(),
        )
    )
    for key in ("quarters", "years"):
        periods = document.get(key, [])
        sheets.append(
            (
                key,
                ["periode", "figuur", "indeling", "waarde", "aantal"],
                [
                    [period["label"], figure, name, value, n]
                    for period in periods
                    for figure in ("in_care_at_start", "in_care_at_end", "instroom", "uitstroom")
                    for name, value, n in _rows(period[figure])
                ],
                set(),
            )
        )
    gaps = document.get("data_gaps", [])
    if gaps:
        sheets.insert(
            0,
            (
                "ontbrekende_gegevens",
                ["melding", "aantal", "oplossing"],
                [[gap["message"], gap["count"], gap["fix"]] for gap in gaps],
                set(),
            ),
        )
    return workbook_bytes(sheets)
