from datetime import date, timedelta

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from bwmo.accounts.scoping import default_region_for, user_scope
from bwmo.organisations.models import Municipality, Region
from bwmo.rules import monitor
from bwmo.rules.suppression import suppress_matrix, suppress_table
from bwmo.ui.charts import Series, grouped_bars

from .excel import monitor_workbook
from .forms import DashboardForm
from .selectors import stay_records
from .services import MonitorScope, monitor_document


def audience_for(user, codes: list[str]) -> str:
    """Own residents in full; anything that includes other municipalities aggregated."""
    own = user_scope(user).acting_municipalities
    return "internal" if codes and set(codes) <= own else "external"


def _filters(request):
    today = timezone.localdate()
    region = default_region_for(request.user)
    initial = {"regio": region, "van": date(today.year - 1, 1, 1), "tot": today}
    form = DashboardForm(
        request.GET or None,
        initial=initial,
        region=Region.objects.filter(pk=request.GET.get("regio")).first() or region,
    )
    data = dict(initial, gemeente=None, product=None, aanbieder=None)
    if request.GET and form.is_valid():
        data.update({k: v for k, v in form.cleaned_data.items() if v is not None})
    return form, data


def _records(scope: MonitorScope, data: dict, rows=None):
    codes = set(scope.codes)
    rows = rows if rows is not None else stay_records(municipalities=list(codes))
    records = [r for r in rows if r.responsible in codes]
    if data.get("product"):
        records = [r for r in records if r.product == data["product"].name]
    if data.get("aanbieder"):
        records = [r for r in records if r.provider == data["aanbieder"].name]
    return records


def _shown(value, audience):
    if audience == "external" and isinstance(value, int) and 0 < value < 5:
        return "<5"
    return value


def _suppressed_row(values: dict[str, int], audience: str) -> dict:
    if audience != "external":
        return values
    return suppress_table({**values, "total": sum(values.values())})


@login_required
@permission_required("monitor.view_monitor", raise_exception=True)
def dashboard(request):
    form, data = _filters(request)
    scope = MonitorScope(data["regio"], data.get("gemeente"))
    audience = audience_for(request.user, scope.codes)
    start, end = data["van"], data["tot"]
    if request.GET.get("formaat") == "xlsx":
        document = monitor_document(scope=scope, start=start, end=end, audience=audience)
        response = HttpResponse(
            monitor_workbook(document),
            content_type=("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )
        response["Content-Disposition"] = 'attachment; filename="bwmo-monitor.xlsx"'
        return response
    context = _dashboard_context(scope, data, audience)
    query = request.GET.copy()
    query["formaat"] = "xlsx"
    context.update(
        {"form": form, "excel_query": query.urlencode(), "report_query": request.GET.urlencode()}
    )
    return render(request, "monitor/dashboard.html", context)


def _dashboard_context(scope: MonitorScope, data: dict, audience: str) -> dict:
    start, end = data["van"], data["tot"]
    rows = stay_records(municipalities=list(scope.codes))  # read once for every figure
    records = _records(scope, data, rows)
    names = dict(Municipality.objects.values_list("code", "name"))
    total = monitor.flow_figures(records, start=start, end=end, breakdowns=("kind", "product"))
    quarters = monitor.series(records, start=start, end=end, step="quarter", breakdown="kind")
    quarter_rows = [
        {
            "label": f"{p.start:%Y}-K{(p.start.month - 1) // 3 + 1}",
            "stock": p.figures.in_care_at_end.total,
            "instroom": p.figures.instroom.total,
            "uitstroom": p.figures.uitstroom.total,
        }
        for p in quarters
    ]
    years = monitor.series(
        records, start=date(start.year - 2, 1, 1), end=end, step="year", breakdown="product"
    )
    products = sorted(
        {p for period in years for p in period.figures.in_care_at_end.by.get("product", {})}
    )
    mix_rows = [
        {"label": f"{p.start:%Y}", "values": dict(p.figures.in_care_at_end.by.get("product", {}))}
        for p in years
    ]
    matrix = monitor.origin_location_matrix(rows, on=end)
    origins = sorted({o for o, _l in matrix})
    locations = sorted({loc for _o, loc in matrix})
    peak = max(matrix.values(), default=1)
    published = suppress_matrix(matrix) if audience == "external" else matrix
    matrix_rows = [
        {
            "origin": names.get(o, o),
            "cells": [
                {
                    "value": published.get((o, loc), 0),
                    "heat": min(5, round(5 * matrix.get((o, loc), 0) / peak))
                    if audience == "internal" or published.get((o, loc), 0) != "<5"
                    else 0,
                }
                for loc in locations
            ],
        }
        for o in origins
    ]
    document = monitor_document(
        scope=scope, start=start, end=end, audience=audience, stay_rows=rows
    )
    shown = lambda v: _shown(v, audience)  # noqa: E731
    chart_stock = grouped_bars(
        categories=[r["label"] for r in quarter_rows],
        series=[
            Series(
                _("In zorg (einde kwartaal)"),
                "bar--budget",
                [
                    r["stock"] if audience == "internal" or r["stock"] >= 5 else 0
                    for r in quarter_rows
                ],
            ),
            Series(
                _("Instroom"),
                "bar--realised",
                [
                    r["instroom"] if audience == "internal" or r["instroom"] >= 5 else 0
                    for r in quarter_rows
                ],
            ),
            Series(
                _("Uitstroom"),
                "bar--committed",
                [
                    r["uitstroom"] if audience == "internal" or r["uitstroom"] >= 5 else 0
                    for r in quarter_rows
                ],
            ),
        ],
        height=300,
    )
    chart_mix = grouped_bars(
        categories=products,
        series=[
            Series(
                row["label"],
                css,
                [
                    row["values"].get(p, 0)
                    if audience == "internal" or row["values"].get(p, 0) >= 5
                    else 0
                    for p in products
                ],
            )
            for row, css in zip(
                mix_rows,
                ["bar--committed", "bar--realised", "bar--budget", "bar--extra"],
                strict=False,
            )
        ],
        height=300,
    )
    return {
        "scope": scope,
        "audience": audience,
        "start": start,
        "end": end,
        "headline": {
            "in_care": shown(total.in_care_at_end.total),
            # With its sign: "+3" or "−2" reads as a change, a bare "3" does not.
            "trend": f"{total.in_care_at_end.total - total.in_care_at_start.total:+d}".replace(
                "-", "−"
            ),
            "start": shown(total.in_care_at_start.total),
            "instroom": shown(total.instroom.total),
            "uitstroom": shown(total.uitstroom.total),
            "waiting": shown(document["waiting_list"]["total"]),
        },
        "kind_end": _suppressed_row(dict(total.in_care_at_end.by.get("kind", {})), audience),
        "quarter_rows": [
            {k: shown(v) if k != "label" else v for k, v in r.items()} for r in quarter_rows
        ],
        "chart_stock": chart_stock,
        "chart_mix": chart_mix,
        "products": products,
        "mix_rows": [
            {
                "label": r["label"],
                "values": [_suppressed_row(r["values"], audience).get(p, 0) for p in products],
            }
            for r in mix_rows
        ],
        "locations": [names.get(loc, loc) for loc in locations],
        "matrix_rows": matrix_rows,
        "lead_times": document["lead_times"],
        "waiting": document["waiting_list"],
        "reasons": document["uitstroom"].get("reason", {}),
        "doorstroom": document["doorstroom"]["direction"],
        "out_of_region": document["flows"]["out_of_region"],
    }


@login_required
@permission_required("monitor.view_monitor", raise_exception=True)
def council_report(request):
    """A printable appendix for the council: always with suppression, and what changed."""
    form, data = _filters(request)
    scope = MonitorScope(data["regio"], data.get("gemeente"))
    start, end = data["van"], data["tot"]
    context = _dashboard_context(scope, data, "external")
    length = (end - start).days
    previous = monitor.flow_figures(
        _records(scope, data),
        start=start - timedelta(days=length + 1),
        end=start - timedelta(days=1),
        breakdowns=("kind",),
    )
    current = monitor.flow_figures(
        _records(scope, data), start=start, end=end, breakdowns=("kind",)
    )
    context.update({"form": form, "explanation": _explain(previous, current)})
    return render(request, "monitor/council_report.html", context)


def _explain(previous, current) -> list[str]:
    """Short sentences on the main changes since the previous period, suppression respected."""

    def count(n):
        return _("minder dan 5") if 0 < n < 5 else str(n)

    lines = []
    before, after = current.in_care_at_start.total, current.in_care_at_end.total
    publishable = all(n == 0 or n >= 5 for n in (before, after))
    if publishable:
        change = after - before
        pct = f" ({change / before:+.0%})" if before else ""
        values = {"a": before, "b": after, "pct": pct}
        if change > 0:
            text = _("Het aantal cliënten in zorg steeg van %(a)s naar %(b)s%(pct)s.")
        elif change < 0:
            text = _("Het aantal cliënten in zorg daalde van %(a)s naar %(b)s%(pct)s.")
        else:
            text = _("Het aantal cliënten in zorg bleef gelijk: %(a)s.")
        lines.append(text % values)
    else:
        lines.append(_("Het aantal cliënten in zorg is te klein om te publiceren."))
    lines.append(
        _(
            "Instroom in deze periode: %(n)s (vorige periode: %(p)s); uitstroom: %(u)s "
            "(vorige periode: %(q)s)."
        )
        % {
            "n": count(current.instroom.total),
            "p": count(previous.instroom.total),
            "u": count(current.uitstroom.total),
            "q": count(previous.uitstroom.total),
        }
    )
    direction = current.doorstroom.direction
    if direction.get("afschalen", 0) >= 5:
        lines.append(
            _("%(n)s cliënten stroomden door naar een lichtere woonvorm (afschalen).")
            % {"n": direction["afschalen"]}
        )
    return lines
