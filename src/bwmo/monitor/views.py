from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from bwmo.accounts.scoping import default_region_for, user_scope
from bwmo.organisations.models import Municipality, Region
from bwmo.rules.dates import add_months
from bwmo.rules.suppression import MARK
from bwmo.ui.charts import Series, grouped_bars

from .excel import monitor_about, monitor_workbook
from .forms import DashboardForm
from .labels import direction_label, reason_label
from .services import MonitorScope, data_gaps_of, monitor_document, withheld_message


def audience_for(user, codes: list[str]) -> str:
    """Own residents in full; anything that includes other municipalities aggregated. A
    mandate for one kind of care (an opvanginstelling's MO mandate) does not open the
    grantor's other kind: its holder sees the grantor's figures aggregated, as outsiders."""
    own = user_scope(user).full_municipalities
    return "internal" if codes and set(codes) <= own else "external"


def _filters(request):
    today = timezone.localdate()
    region = default_region_for(request.user)
    initial = {"regio": region, "van": date(today.year - 1, 1, 1), "tot": today}
    asked = request.GET.copy()
    for name in ("van", "tot"):
        if asked and name not in asked:
            # An address that names a region (or another filter) and no period: the standard
            # period, as on the first visit. A period field sent empty is an error.
            asked[name] = initial[name].isoformat()
    form = DashboardForm(
        asked or None,
        initial=initial,
        region=Region.objects.filter(pk=request.GET.get("regio")).first() or region,
    )
    data = dict(initial, gemeente=None, product=None, aanbieder=None)
    if request.GET and form.is_valid():
        data.update({k: v for k, v in form.cleaned_data.items() if v is not None})
    elif request.GET:
        # The filters that are right are applied; the period is one filter of two fields,
        # so an error in either gives the standard period. Never silently: say which filter
        # was not applied and why.
        refused = set(form.errors) | (
            {"van", "tot"} if {"van", "tot"} & set(form.errors) else set()
        )
        data.update(
            {k: v for k, v in form.cleaned_data.items() if v is not None and k not in refused}
        )
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else _("Filter")
            if name in ("van", "tot"):
                text = _(
                    "Filter '%(field)s' is niet toegepast: %(why)s De standaardperiode is getoond."
                )
            else:
                text = _(
                    "Filter '%(field)s' is niet toegepast: %(why)s De andere filters zijn wel "
                    "toegepast."
                )
            messages.warning(request, text % {"field": label, "why": " ".join(errors)})
    return form, data


def _filter_description(scope: MonitorScope, data: dict) -> list[tuple[str, str]]:
    return [
        (_("Regio"), str(scope.region)),
        (_("Gemeente"), str(scope.municipality) if scope.municipality else _("hele regio")),
        (_("Product"), str(data["product"]) if data.get("product") else _("alle")),
        (_("Aanbieder"), str(data["aanbieder"]) if data.get("aanbieder") else _("alle")),
    ]


def _own_filters_only(request, form: DashboardForm, data: dict, audience: str) -> dict:
    """A product or provider filter narrows the figures only for the user's own
    municipalities. For every other audience each filtered figure set is suppressed on its
    own, and the sets of all products (or providers) add up to the unfiltered one, so
    together they would give hidden cells back (docs/monitor.md, "Filters"): the filter is
    not offered there, and one that is asked for anyway is named and not applied."""
    if audience == "internal":
        return data
    for name in ("product", "aanbieder"):
        field = form.fields[name]
        field.disabled = True
        field.help_text = _("Alleen voor uw eigen gemeente.")
        form[name].help_text = field.help_text  # a bound field copies it when first made
        if data.get(name) is not None:
            messages.warning(
                request,
                _(
                    "Filter '%(field)s' is niet toegepast: cijfers per product of aanbieder "
                    "zijn er alleen voor uw eigen gemeente. Voor andere gemeenten en de regio "
                    "zouden gefilterde cijfers samen met de ongefilterde verborgen kleine "
                    "aantallen prijsgeven."
                )
                % {"field": field.label},
            )
    return dict(data, product=None, aanbieder=None)


def _say_period(request, data: dict, document: dict) -> None:
    """Name the period shown when it is not the one asked for: outside the own municipality
    the figures cover whole, closed quarters (``rules.monitor.periods``)."""
    start, end = date.fromisoformat(document["from"]), date.fromisoformat(document["to"])
    if (start, end) == (data["van"], data["tot"]):
        return
    messages.info(
        request,
        _(
            "Cijfers die over meer dan uw eigen gemeente gaan, toont bwmo over hele, "
            "afgesloten kwartalen: %(start)s tot en met %(end)s (gevraagd: %(asked_start)s tot "
            "en met %(asked_end)s). Zo is uit het verschil van twee perioden geen dag of maand "
            "af te lezen, en blijft een gepubliceerd kwartaal gelijk."
        )
        % {
            "start": date_format(start, "j F Y"),
            "end": date_format(end, "j F Y"),
            "asked_start": date_format(data["van"], "j F Y"),
            "asked_end": date_format(data["tot"], "j F Y"),
        },
    )


def _say_withheld(request, document: dict) -> None:
    if document.get("withheld"):
        messages.warning(request, withheld_message())


def _document(scope: MonitorScope, data: dict, audience: str, **extra) -> dict:
    product, provider = data.get("product"), data.get("aanbieder")
    return monitor_document(
        scope=scope,
        start=data["van"],
        end=data["tot"],
        audience=audience,
        product=product.name if product else None,
        provider=provider.name if provider else None,
        **extra,
    )


@login_required
@permission_required("monitor.view_monitor", raise_exception=True)
def dashboard(request):
    form, data = _filters(request)
    scope = MonitorScope(data["regio"], data.get("gemeente"))
    audience = audience_for(request.user, scope.codes)
    data = _own_filters_only(request, form, data, audience)
    document = _document(scope, data, audience)
    if request.GET.get("formaat") == "xlsx":
        about = monitor_about(
            document,
            filters=_filter_description(scope, data),
            made_by=request.user.get_full_name() or request.user.get_username(),
            organisation=", ".join(o.name for o in request.user.organisations.order_by("name")),
        )
        response = HttpResponse(
            monitor_workbook(document, about=about),
            content_type=("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )
        response["Content-Disposition"] = 'attachment; filename="bwmo-monitor.xlsx"'
        return response
    _say_period(request, data, document)
    _say_withheld(request, document)
    context = _dashboard_context(request, scope, document)
    query = request.GET.copy()
    query["formaat"] = "xlsx"
    context.update(
        {"form": form, "excel_query": query.urlencode(), "report_query": request.GET.urlencode()}
    )
    return render(request, "monitor/dashboard.html", context)


def _gap_rows(request, document: dict) -> list[dict]:
    """The document's data gaps, with a link to the beheer screen for users who may go there."""
    rows = []
    for gap in data_gaps_of(document):
        url = None
        if gap.admin_url and gap.admin_permission and request.user.has_perm(gap.admin_permission):
            url = reverse(gap.admin_url)
        rows.append({"message": gap.message, "fix": gap.fix, "url": url})
    return rows


def _dashboard_context(request, scope: MonitorScope, document: dict) -> dict:
    """Only rendering: every number comes from ``document``, as suppressed for its audience."""
    start, end = date.fromisoformat(document["from"]), date.fromisoformat(document["to"])
    audience = document["audience"]
    names = dict(Municipality.objects.values_list("code", "name"))
    quarters = document["quarters"]
    quarter_rows = [
        {
            "label": q["label"],
            "stock": q["in_care_at_end"]["total"],
            "instroom": q["instroom"]["total"],
            "uitstroom": q["uitstroom"]["total"],
        }
        for q in quarters
    ]
    products = sorted(
        {p for y in document["years"] for p in y["in_care_at_end"].get("product", {})}
    )
    mix_rows = [
        {
            "label": y["label"],
            "values": [y["in_care_at_end"].get("product", {}).get(p, 0) for p in products],
        }
        for y in document["years"]
    ]
    matrix = document["flows"]["origin_location"]
    origins = sorted(matrix)
    locations = sorted({loc for row in matrix.values() for loc in row})
    numbers = [v for row in matrix.values() for v in row.values() if v != MARK]
    peak = max(numbers, default=1) or 1
    matrix_rows = [
        {
            "origin": names.get(o, o),
            "cells": [
                {
                    "value": matrix[o].get(loc, 0),
                    "hidden": matrix[o].get(loc, 0) == MARK,
                    "heat": 0
                    if matrix[o].get(loc, 0) == MARK
                    else min(5, round(5 * matrix[o].get(loc, 0) / peak)),
                }
                for loc in locations
            ],
        }
        for o in origins
    ]
    chart_stock = grouped_bars(
        categories=[r["label"] for r in quarter_rows],
        series=[
            Series(
                _("In zorg (einde kwartaal)"), "bar--budget", [r["stock"] for r in quarter_rows]
            ),
            Series(_("Instroom"), "bar--realised", [r["instroom"] for r in quarter_rows]),
            Series(_("Uitstroom"), "bar--committed", [r["uitstroom"] for r in quarter_rows]),
        ],
        height=300,
        unit="count",
    )
    chart_mix = grouped_bars(
        categories=products,
        series=[
            Series(row["label"], css, row["values"])
            for row, css in zip(
                mix_rows,
                ["bar--committed", "bar--realised", "bar--budget", "bar--extra"],
                strict=False,
            )
        ],
        height=300,
        unit="count",
    )
    end_total = document["in_care_at_end"]["total"]
    start_total = document["in_care_at_start"]["total"]
    trend = None
    if isinstance(end_total, int) and isinstance(start_total, int):
        # With its sign: "+3" or "−2" reads as a change, a bare "3" does not.
        trend = f"{end_total - start_total:+d}".replace("-", "−")
    return {
        "scope": scope,
        "audience": audience,
        "start": start,
        "end": end,
        "data_gaps": _gap_rows(request, document),
        "headline": {
            "in_care": end_total,
            "trend": trend,
            "start": start_total,
            "instroom": document["instroom"]["total"],
            "uitstroom": document["uitstroom"]["total"],
            "waiting": document["waiting_list"]["total"],
        },
        "kind_end": document["in_care_at_end"].get("kind", {}),
        "quarter_rows": quarter_rows,
        "chart_stock": chart_stock,
        "chart_mix": chart_mix,
        "products": products,
        "mix_rows": mix_rows,
        "locations": [names.get(loc, loc) for loc in locations],
        "matrix_rows": matrix_rows,
        "lead_times": document["lead_times"],
        "waiting": document["waiting_list"],
        "reasons": {
            reason_label(code): n for code, n in document["uitstroom"].get("reason", {}).items()
        },
        "doorstroom": {
            direction_label(code): n for code, n in document["doorstroom"]["direction"].items()
        },
        "out_of_region": document["flows"]["out_of_region"],
        "others_on": (
            date.fromisoformat(document["flows"]["others_on"])
            if "others_on" in document["flows"]
            else None
        ),
    }


@login_required
@permission_required("monitor.view_monitor", raise_exception=True)
def council_report(request):
    """A printable appendix for the council: always with suppression, and what changed."""
    form, data = _filters(request)
    scope = MonitorScope(data["regio"], data.get("gemeente"))
    data = _own_filters_only(request, form, data, "external")
    document = _document(scope, data, "external")
    # The period before, of the same number of whole quarters as the one shown.
    start, end = date.fromisoformat(document["from"]), date.fromisoformat(document["to"])
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    before = dict(data, van=add_months(start, -months), tot=start - timedelta(days=1))
    previous = _document(scope, before, "external")
    _say_period(request, data, document)
    _say_withheld(request, document)
    context = _dashboard_context(request, scope, document)
    context.update({"form": form, "explanation": _explain(previous, document)})
    return render(request, "monitor/council_report.html", context)


def _explain(previous: dict, current: dict) -> list[str]:
    """Short sentences on the main changes since the previous period, from the published
    (suppressed) figures only."""

    def count(n):
        return _("afgeschermd") if n == MARK else str(n)

    lines = []
    before, after = current["in_care_at_start"]["total"], current["in_care_at_end"]["total"]
    if MARK not in (before, after):
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
        lines.append(
            _(
                "Het aantal cliënten in zorg is afgeschermd: het is klein, of er is een klein "
                "aantal uit terug te rekenen."
            )
        )
    lines.append(
        _(
            "Instroom in deze periode: %(n)s (vorige periode: %(p)s); uitstroom: %(u)s "
            "(vorige periode: %(q)s)."
        )
        % {
            "n": count(current["instroom"]["total"]),
            "p": count(previous["instroom"]["total"]),
            "u": count(current["uitstroom"]["total"]),
            "q": count(previous["uitstroom"]["total"]),
        }
    )
    afschalen = current["doorstroom"]["direction"].get("afschalen", 0)
    if afschalen != MARK and afschalen:
        lines.append(
            _("%(n)s cliënten stroomden door naar een lichtere woonvorm (afschalen).")
            % {"n": afschalen}
        )
    return lines


@login_required
@permission_required("monitor.view_monitor", raise_exception=True)
def national(request):
    """All regions side by side, for a national reader: always suppressed as external."""
    from .excel import national_workbook
    from .forms import NationalForm
    from .services import national_overview

    today = timezone.localdate()
    initial = {"van": date(today.year - 1, 1, 1), "tot": today}
    form = NationalForm(request.GET or None, initial=initial)
    data = dict(initial)
    if request.GET and form.is_valid():
        data.update(form.cleaned_data)
    elif request.GET:
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else _("Filter")
            messages.warning(
                request,
                _("Filter '%(field)s' is niet toegepast: %(why)s De standaardperiode is getoond.")
                % {"field": label, "why": " ".join(errors)},
            )
    overview = national_overview(start=data["van"], end=data["tot"], today=today)
    if request.GET.get("formaat") == "xlsx":
        response = HttpResponse(
            national_workbook(
                overview, made_by=request.user.get_full_name() or request.user.get_username()
            ),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="bwmo-landelijk.xlsx"'
        return response
    _say_period(request, data, overview)
    query = request.GET.copy()
    query["formaat"] = "xlsx"
    return render(
        request,
        "monitor/national.html",
        {
            "form": form,
            "overview": overview,
            "start": date.fromisoformat(overview["from"]),
            "end": date.fromisoformat(overview["to"]),
            "data_gaps": _gap_rows(request, overview),
            "excel_query": query.urlencode(),
        },
    )
