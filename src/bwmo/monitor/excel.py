"""The monitor document as an Excel workbook: one sheet per figure, in words, numbers as numbers."""

from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bwmo.care.models import Product
from bwmo.organisations.models import Municipality, Region
from bwmo.rules.monitor import BREAKDOWNS
from bwmo.ui.excel import About, workbook_bytes
from bwmo.ui.hidden import hidden_legend

from .labels import (
    breakdown_label,
    direction_label,
    figure_label,
    municipality_label,
    reason_label,
    total_label,
    value_label,
)
from .services import withheld_message

STOCK = ("in_care_at_start", "in_care_at_end", "instroom", "uitstroom")
STEPS = {
    "melding_onderzoek": (gettext_lazy("Melding → einde onderzoek"), gettext_lazy("6 weken")),
    "aanvraag_beschikking": (gettext_lazy("Aanvraag → beschikking"), gettext_lazy("2 weken")),
    "beschikking_start": (gettext_lazy("Beschikking → start zorg"), "—"),
}


def _day(text: str) -> str:
    return date.fromisoformat(text).strftime("%d-%m-%Y")


def monitor_about(
    document: dict, *, filters: list[tuple[str, str]], made_by: str = "", organisation: str = ""
) -> About:
    """The first sheet: title, period, filters, audience, date and maker."""
    names = dict(Municipality.objects.values_list("code", "name"))
    if document["municipality"]:
        scope = municipality_label(document["municipality"], names)
    else:
        region = Region.objects.filter(centrumgemeente_id=document["region"]).first()
        scope = region.name if region else municipality_label(document["region"], names)
    audience = (
        _("Intern: eigen inwoners in volle aantallen")
        if document["audience"] == "internal"
        else _(
            "Extern (bijvoorbeeld de gemeenteraad): aantallen onder 5 en terug te rekenen "
            "aantallen zijn afgeschermd"
        )
    )
    return About(
        title=_("Regionale monitor beschermd wonen en opvang: %(scope)s") % {"scope": scope},
        period=_("%(start)s tot en met %(end)s")
        % {"start": _day(document["from"]), "end": _day(document["to"])},
        filters=filters,
        audience=audience,
        made_by=made_by,
        organisation=organisation,
        notes=[(_("Afgeschermd"), hidden_legend())],
    )


def _stock_rows(document: dict, names: dict[str, str]):
    yield [total_label(), _("Alle cliënten"), *(document[k]["total"] for k in STOCK)]
    for breakdown in BREAKDOWNS:
        values = sorted({v for k in STOCK for v in document[k].get(breakdown, {})})
        for value in values:
            yield [
                breakdown_label(breakdown),
                value_label(breakdown, value, names),
                *(document[k].get(breakdown, {}).get(value, 0) for k in STOCK),
            ]


def _period_rows(periods: list[dict], names: dict[str, str]):
    for period in periods:
        for figure in STOCK:
            part = period[figure]
            yield [period["label"], figure_label(figure), total_label(), "", part["total"]]
            for breakdown, values in part.items():
                if breakdown == "total" or not isinstance(values, dict):
                    continue
                for value, n in values.items():
                    yield [
                        period["label"],
                        figure_label(figure),
                        breakdown_label(breakdown),
                        value_label(breakdown, value, names),
                        n,
                    ]


def _percent(share):
    return None if share is None or isinstance(share, str) else share * 100


def monitor_workbook(document: dict, *, about: About) -> bytes:
    names = dict(Municipality.objects.values_list("code", "name"))
    sheets: list = []
    if document.get("withheld"):
        sheets.append((_("Niet gepubliceerd"), [_("Melding")], [[withheld_message()]], set()))
    gaps = document.get("data_gaps", [])
    if gaps:
        sheets.append(
            (
                _("Ontbrekende gegevens"),
                [_("Melding"), _("Aantal"), _("Oplossing")],
                [[gap["message"], gap["count"], gap["fix"]] for gap in gaps],
                set(),
            )
        )
    sheets.append(
        (
            _("Cliënten en stromen"),
            [_("Indeling"), _("Waarde"), *(figure_label(k) for k in STOCK)],
            list(_stock_rows(document, names)),
            set(),
        )
    )
    sheets.append(
        (
            _("Uitstroom naar reden"),
            [_("Reden"), _("Aantal")],
            [
                [reason_label(reason), n]
                for reason, n in document["uitstroom"].get("reason", {}).items()
            ],
            set(),
        )
    )
    doorstroom = document["doorstroom"]
    sheets.append(
        (
            _("Doorstroom"),
            [_("Indeling"), _("Waarde"), _("Erin"), _("Eruit")],
            [
                [total_label(), _("Productwissels"), doorstroom["total"], ""],
                *(
                    [breakdown_label("direction"), direction_label(d), n, ""]
                    for d, n in doorstroom.get("direction", {}).items()
                ),
                *(
                    [
                        breakdown_label(b),
                        value_label(b, v, names),
                        io.get("in", 0) if isinstance(io, dict) else io,
                        io.get("out", 0) if isinstance(io, dict) else "",
                    ]
                    for b in BREAKDOWNS
                    for v, io in doorstroom.get(b, {}).items()
                ),
            ],
            set(),
        )
    )
    times = document["lead_times"]
    sheets.append(
        (
            _("Doorlooptijden"),
            [
                _("Stap"),
                _("Wettelijke termijn"),
                _("Afgerond"),
                _("Mediaan (dagen)"),
                _("Gemiddeld (dagen)"),
                _("Op tijd (%)"),
                _("Open"),
                _("Open, over termijn"),
            ],
            [
                [
                    str(label),
                    str(term),
                    times[key]["completed"]["count"],
                    times[key]["completed"]["median_days"],
                    times[key]["completed"]["mean_days"],
                    _percent(times[key]["completed"]["on_time_share"]),
                    times[key]["open"]["count"],
                    times[key]["open"]["overdue"],
                ]
                for key, (label, term) in STEPS.items()
                if isinstance(times.get(key), dict)
            ],
            set(),
        )
    )
    waiting = document["waiting_list"]
    sheets.append(
        (
            _("Wachtlijst"),
            [_("Onderdeel"), _("Waarde")],
            [
                [_("Toegekend, nog niet gestart"), waiting["count"]],
                [_("Mediane wachttijd (dagen)"), waiting.get("median_days")],
                [_("Gemiddelde wachttijd (dagen)"), waiting.get("mean_days")],
                [_("Langste wachttijd (dagen)"), waiting.get("max_days")],
            ],
            set(),
        )
    )
    costs = document["costs"]
    products = dict(Product.objects.values_list("code", "name"))
    streams = {"objective": _("Objectief budget"), "historic": _("Historisch budget")}
    sheets.append(
        (
            _("Kosten"),
            [_("Onderdeel"), _("Bedrag")],
            [
                [_("Gerealiseerde kosten, totaal"), costs["total"]],
                *(
                    [_("Ten laste van: %(s)s") % {"s": streams.get(s, s)}, amount]
                    for s, amount in costs.get("by_stream", {}).items()
                ),
            ],
            {1},
        )
    )
    sheets.append(
        (
            _("Kosten per cliënt per week"),
            [_("Product"), _("Cliënten"), _("Gemiddeld"), _("Laagste"), _("Hoogste")],
            [
                [
                    f"{products[product]} ({product})" if product in products else product,
                    s["clients"],
                    s["mean"],
                    s["min"],
                    s["max"],
                ]
                for product, s in costs.get("per_client_week", {}).items()
            ],
            {2, 3, 4},
        )
    )
    matrix = document["flows"]["origin_location"]
    locations = sorted({loc for row in matrix.values() for loc in row})
    sheets.append(
        (
            _("Herkomst en locatie"),
            [
                _("Verantwoordelijke gemeente"),
                *(municipality_label(loc, names) for loc in locations),
            ],
            [
                [municipality_label(origin, names), *(row.get(loc, 0) for loc in locations)]
                for origin, row in sorted(matrix.items())
            ],
            set(),
        )
    )
    for key, title in (("quarters", _("Per kwartaal")), ("years", _("Per jaar"))):
        sheets.append(
            (
                title,
                [_("Periode"), _("Cijfer"), _("Indeling"), _("Waarde"), _("Aantal")],
                list(_period_rows(document.get(key, []), names)),
                set(),
            )
        )
    return workbook_bytes(sheets, about=about)


NATIONAL_HEADER = [
    "Regio",
    "Centrumgemeente",
    "In zorg (einde)",
    "In zorg BW",
    "In zorg MO",
    "Instroom",
    "Uitstroom",
    "Gerealiseerde kosten",
    "Budget",
]


def national_rows(overview: dict) -> list[list]:
    """One row per region, then the national total (the cells as published: '×' stays)."""
    rows = [
        [
            r["name"],
            r["region"],
            r["in_care_at_end"]["total"],
            r["in_care_at_end"]["BW"],
            r["in_care_at_end"]["MO"],
            r["instroom"]["total"],
            r["uitstroom"]["total"],
            r["realised"],
            r["budget"],
        ]
        for r in overview["regions"]
    ]
    totals = overview["totals"]
    rows.append(
        [
            "Totaal",
            "",
            totals["in_care_at_end"]["total"],
            totals["in_care_at_end"]["BW"],
            totals["in_care_at_end"]["MO"],
            totals["instroom"]["total"],
            totals["uitstroom"]["total"],
            None,
            None,
        ]
    )
    return rows


def national_workbook(overview: dict, *, made_by: str) -> bytes:
    about = About(
        title="Landelijk overzicht beschermd wonen en maatschappelijke opvang",
        period=f"{overview['from']} tot en met {overview['to']}",
        filters=[("Regio's", "alle")],
        audience="extern: kleine aantallen afgeschermd (×), met secundaire afscherming",
        made_by=made_by,
        notes=[
            ("Afgeschermd", hidden_legend()),
            ("Kosten en budget", f"kalenderjaar {overview['budget_year']}"),
        ],
    )
    return workbook_bytes(
        [("Regio's", NATIONAL_HEADER, national_rows(overview), {7, 8})], about=about
    )
