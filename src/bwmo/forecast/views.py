"""The prognose screens: start a run (scenario form), follow it, read it, compare two."""

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from bwmo.accounts.scoping import default_region_for, user_scope
from bwmo.organisations.models import Region
from bwmo.rules import forecast
from bwmo.ui.charts import fan_chart
from bwmo.ui.forms import add_service_errors

from .documents import SMALL, forecast_document, forecast_workbook
from .forms import CompareForm, ForecastForm
from .models import ForecastRun
from .selectors import (
    forecast_run_get,
    forecast_runs,
    forecast_states,
    municipality_names,
    parameter_sets,
    readable_regions,
    region_members,
)
from .services import forecast_run_create, forecast_run_expire, forecast_run_start

PERMISSION = "forecast.view_forecast"


def _iso_date(value: Any) -> date | None:
    """A stored ISO date (``"2028-12-31"``) as a date, for the template; ``None`` stays."""
    return date.fromisoformat(value) if isinstance(value, str) else None


def _regions(request: HttpRequest) -> list[Region]:
    """The regions whose forecasts the reader may see, the one they start with first."""
    regions = readable_regions(user=request.user)
    default = default_region_for(request.user)
    if default is not None:
        regions = [default, *(r for r in regions if r.pk != default.pk)]
    if not regions:
        raise Http404
    return regions


def _region(request: HttpRequest) -> Region:
    """The region chosen with ``regio`` (a form field or the query), else the first."""
    regions = _regions(request)
    wanted = request.POST.get("regio") or request.GET.get("regio")
    return next((r for r in regions if str(r.pk) == wanted), regions[0])


def _run(request: HttpRequest, pk: int) -> ForecastRun:
    try:
        return forecast_run_get(pk=pk, regions=_regions(request))
    except ForecastRun.DoesNotExist:
        raise Http404 from None


def _audience(request: HttpRequest, municipality: str | None) -> str:
    """A municipality's own figures in full; anything with other municipalities suppressed
    (a mandate for one kind only does not count as the grantor's own: ``audience_for``)."""
    own = user_scope(request.user).full_municipalities
    return "internal" if municipality and municipality in own else "external"


def _label(run: ForecastRun) -> str:
    name = (run.scenario or {}).get("name", "basis")
    return f"#{run.pk} {name} ({run.cutoff:%d-%m-%Y}, {run.runs} simulaties)"


@login_required
@permission_required(PERMISSION, raise_exception=True)
def index(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    cutoff = forecast.month_start(timezone.localdate())
    products = [
        (s.code, f"{s.name} ({s.code})") for s in forecast_states(region=region, cutoff=cutoff)
    ]
    sets = {item.pk: item for item in parameter_sets()}
    form = ForecastForm(
        request.POST or None,
        products=products,
        parameter_sets=[(pk, item.name) for pk, item in sets.items()],
    )
    if request.method == "POST" and form.is_valid():
        try:
            scenario = forecast.parse_scenario(
                form.scenario_data(), products=[code for code, _n in products]
            )
            run = forecast_run_create(
                region=region,
                cutoff=cutoff,
                years=form.cleaned_data["jaren"],
                runs=form.cleaned_data["simulaties"],
                seed=form.cleaned_data["startwaarde"],
                scenario=scenario,
                indexation_pct=form.cleaned_data["indexatie"],
                with_backtest=form.cleaned_data["backtest"],
                parameter_set=sets.get(form.cleaned_data["budgetparameters"] or 0),
                created_by=request.user,
            )
        except forecast.ScenarioError as error:
            add_service_errors(form, ValidationError(error.errors))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            forecast_run_start(run=run)
            return redirect("forecast:detail", pk=run.pk)
    runs = forecast_runs(region=region)
    compare = CompareForm(runs=[(r.pk, _label(r)) for r in runs if r.status == "done"])
    return render(
        request,
        "forecast/index.html",
        {
            "form": form,
            "runs": runs,
            "region": region,
            "regions": _regions(request),
            "compare": compare,
        },
    )


def _fan(document: dict[str, Any], municipality: str | None, key: str, unit: str) -> dict:
    history = [
        (row["year"], row[key])
        for row in document["history"]
        if row["municipality"] == municipality and not isinstance(row[key], str)
    ]
    fan = [
        (row["year"], row[f"{key}_p10"], row[f"{key}_p50"], row[f"{key}_p90"])
        for row in document["forecast"]
        if row["municipality"] == municipality
        and row["product"] is None
        and not isinstance(row[f"{key}_p50"], str)
    ]
    partial = _partial_year(document, municipality)
    return fan_chart(
        history=history,
        fan=fan,
        unit=unit,
        partial_year=partial["year"] if partial else None,
        partial_label=f"{partial['year']}*" if partial else "",
    )


def _partial_year(document: dict[str, Any], municipality: str | None) -> dict[str, Any] | None:
    """The history row of the cut-off year, not over yet (``None``: no such row)."""
    return next(
        (
            row
            for row in document["history"]
            if row["municipality"] == municipality and row.get("partial")
        ),
        None,
    )


def _year_table(document: dict[str, Any], municipality: str | None) -> list[dict[str, Any]]:
    """The chart's figures per year: the history (the cut-off year marked as a part of a
    year), then the forecast's P10, P50 and P90 of all products."""
    rows: list[dict[str, Any]] = [
        {
            "year": row["year"],
            "kind": "partial" if row.get("partial") else "history",
            "clients": row["clients"],
            "cost": row["cost"],
        }
        for row in document["history"]
        if row["municipality"] == municipality
    ]
    rows += [
        {
            "year": row["year"],
            "kind": "forecast",
            "clients": row["clients_p50"],
            "clients_band": (row["clients_p10"], row["clients_p90"]),
            "cost": row["cost_p50"],
            "cost_band": (row["cost_p10"], row["cost_p90"]),
        }
        for row in document["forecast"]
        if row["municipality"] == municipality and row["product"] is None
    ]
    return rows


@login_required
@permission_required(PERMISSION, raise_exception=True)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = forecast_run_expire(run=_run(request, pk))
    context: dict[str, Any] = {"run": run, "label": _label(run)}
    if run.status != ForecastRun.Status.DONE:
        return render(request, "forecast/detail.html", context)
    members = sorted(region_members(run.region))
    names = municipality_names(codes=members)
    municipality = request.GET.get("gemeente") or None
    if municipality and municipality not in members:
        messages.warning(
            request,
            _("Gemeente %(code)s hoort niet bij %(region)s; de hele regio is getoond.")
            % {"code": municipality, "region": run.region.name},
        )
        municipality = None
    audience = _audience(request, municipality)
    document = forecast_document(run, municipality=municipality, audience=audience)
    product_names = {p["code"]: p["name"] for p in document["products"]}
    product_names.update(
        {"BW": _("Beschermd wonen (alle vormen)"), "MO": _("Opvang (alle vormen)")}
    )
    rows = [r for r in document["forecast"] if r["municipality"] == municipality]
    for row in rows:
        row["label"] = product_names.get(row["product"], _("alle producten"))
    by_municipality = [
        {**r, "name": names.get(r["municipality"], r["municipality"])}
        for r in document["forecast"]
        if r["product"] is None and r["municipality"] is not None and municipality is None
    ]
    budget = [r for r in document["budget"] if r["municipality"] == municipality]
    # Capacity is the region's: it follows the region's audience whatever the filter.
    region_document = (
        document
        if municipality is None
        else forecast_document(run, audience=_audience(request, None))
    )
    capacity = [
        {
            **r,
            "label": product_names.get(r["product"], r["product"]),
            "end": _iso_date(r.get("contract_end")),
        }
        for r in region_document["capacity"]
    ]
    shortages = [
        {**r, "label": product_names.get(r["product"], r["product"])}
        for r in region_document["shortages"]
    ]
    context.update(
        {
            "document": document,
            "audience": audience,
            "small": SMALL,
            "municipality": municipality,
            "municipality_name": names.get(municipality or "", ""),
            "members": [(code, names.get(code, code)) for code in members],
            "clients_chart": _fan(document, municipality, "clients", "count"),
            "partial_year": _partial_year(document, municipality),
            "year_table": _year_table(document, municipality),
            "cost_chart": _fan(document, municipality, "cost", "euro"),
            "rows": rows,
            "by_municipality": by_municipality,
            "budget": budget,
            "capacity": capacity,
            "shortages": shortages,
            "query": f"gemeente={municipality}" if municipality else "",
        }
    )
    return render(request, "forecast/detail.html", context)


@login_required
@permission_required(PERMISSION, raise_exception=True)
def status(request: HttpRequest, pk: int) -> HttpResponse:
    run = forecast_run_expire(run=_run(request, pk))
    response = render(request, "forecast/_status.html", {"run": run})
    if run.status in (ForecastRun.Status.DONE, ForecastRun.Status.FAILED):
        response["HX-Refresh"] = "true"
    return response


@login_required
@permission_required(PERMISSION, raise_exception=True)
def excel(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run(request, pk)
    if run.status != ForecastRun.Status.DONE:
        raise Http404
    municipality = request.GET.get("gemeente") or None
    if municipality and municipality not in region_members(run.region):
        municipality = None
    document = forecast_document(
        run, municipality=municipality, audience=_audience(request, municipality)
    )
    user = request.user
    made_by = getattr(user, "get_full_name", lambda: "")() or user.get_username()
    data = forecast_workbook(document, made_by=made_by)
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="prognose-{run.pk}.xlsx"'
    return response


@login_required
@permission_required(PERMISSION, raise_exception=True)
def compare(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    runs = [r for r in forecast_runs(region=region) if r.status == ForecastRun.Status.DONE]
    members = sorted(region_members(region))
    names = municipality_names(codes=members)
    cutoff = forecast.month_start(timezone.localdate())
    places = [(code, f"{names.get(code, code)} ({code})") for code in members]
    products = [
        (s.code, f"{s.name} ({s.code})") for s in forecast_states(region=region, cutoff=cutoff)
    ]
    form = CompareForm(
        request.GET or None,
        runs=[(r.pk, _label(r)) for r in runs],
        municipalities=places,
        products=products,
    )
    table: list[dict[str, Any]] = []
    chosen: list[ForecastRun] = []
    heading = ""
    if request.GET and form.is_valid():
        municipality = form.cleaned_data["gemeente"] or None
        product = form.cleaned_data["product"] or None
        product_names = {
            "BW": _("Beschermd wonen (alle vormen)"),
            "MO": _("Opvang (alle vormen)"),
            **dict(products),
        }
        heading = "{}, {}".format(
            dict(places).get(municipality, "") if municipality else _("Hele regio"),
            product_names.get(product, product) if product else _("alle producten"),
        )
        chosen = [_run(request, form.cleaned_data["a"]), _run(request, form.cleaned_data["b"])]
        audience = _audience(request, municipality)
        documents = [
            forecast_document(run, municipality=municipality, audience=audience) for run in chosen
        ]
        years = sorted({r["year"] for d in documents for r in d["forecast"]})
        for year in years:
            line: dict[str, Any] = {"year": year, "cells": []}
            for document in documents:
                total = next(
                    (
                        r
                        for r in document["forecast"]
                        if r["year"] == year
                        and r["municipality"] == municipality
                        and r["product"] == product
                    ),
                    None,
                )
                budget = next(
                    (
                        r
                        for r in document["budget"]
                        if r["year"] == year and r["municipality"] == municipality
                    ),
                    None,
                )
                line["cells"].append({"total": total, "budget": budget})
            table.append(line)
    return render(
        request,
        "forecast/compare.html",
        {
            "form": form,
            "table": table,
            "chosen": chosen,
            "heading": heading,
            "region": region,
            "labels": [_label(r) for r in chosen],
        },
    )
