from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from bwmo.accounts.scoping import default_region_for
from bwmo.rules.suppression import mark_small
from bwmo.ui.charts import Series, grouped_bars
from bwmo.ui.excel import About, workbook_bytes
from bwmo.ui.forms import add_rule_refusals, add_service_errors

from . import services
from .forms import OverviewForm, ScenarioForm, UploadForm
from .models import BudgetParameterSet


@login_required
@permission_required("finance.view_finance", raise_exception=True)
def overview(request):
    today = timezone.localdate()
    initial = {
        "regio": default_region_for(request.user),
        "parameters": BudgetParameterSet.objects.order_by("pk").first(),
        "jaar": today.year,
        "drempel": services.DEFAULT_RISK_THRESHOLD,
        "verevening": services.POOL_BY_OBJECTIVE,
    }
    form = OverviewForm(request.GET or None, initial=initial)
    data = dict(initial)
    if request.GET and form.is_valid():
        data.update({k: v for k, v in form.cleaned_data.items() if v not in (None, "")})
    elif request.GET:
        # The valid filters apply; each one that does not is named, with the reason.
        data.update(
            {
                k: v
                for k, v in getattr(form, "cleaned_data", {}).items()
                if v not in (None, "") and k not in form.errors
            }
        )
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else _("Filter")
            messages.warning(
                request,
                _("Filter '%(field)s' is niet toegepast: %(why)s")
                % {"field": label, "why": " ".join(errors)},
            )
    if data["parameters"] is None:
        return render(request, "finance/overview.html", {"form": form, "overview": None})
    try:
        overview = services.finance_overview(
            region=data["regio"],
            parameter_set=data["parameters"],
            today=today,
            risk_threshold=Decimal(data["drempel"]),
            pool_by=data["verevening"],
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return render(request, "finance/overview.html", {"form": form, "overview": None})
    if data["jaar"] in overview.years:
        year = data["jaar"]
    else:
        year = today.year if today.year in overview.years else overview.years[-1]
        messages.warning(
            request,
            _(
                "Voor %(year)s zijn er geen cijfers: de budgetparameters '%(set)s' gaan over "
                "%(first)s tot en met %(last)s. Kies een van die jaren; nu is %(shown)s getoond."
            )
            % {
                "year": data["jaar"],
                "set": data["parameters"],
                "first": overview.years[0],
                "last": overview.years[-1],
                "shown": year,
            },
        )
    rows = overview.rows_for(year)
    may_see = request.user.has_perm("clients.view_personal_data")
    if request.GET.get("formaat") == "xlsx":
        return _excel(overview, may_see_clients=may_see, about=_about(request, overview, data))
    chart = grouped_bars(
        categories=[r.name for r in rows],
        series=[
            Series(_("Budget"), "bar--budget", [r.budget for r in rows]),
            Series(_("Gerealiseerd"), "bar--realised", [r.realised for r in rows]),
            Series(
                _("Verplicht (rest van het jaar)"), "bar--committed", [r.committed for r in rows]
            ),
        ],
    )
    query = request.GET.copy()
    query["formaat"] = "xlsx"
    return render(
        request,
        "finance/overview.html",
        {
            "form": form,
            "overview": overview,
            "year": year,
            "rows": rows,
            "chart": chart,
            "solidarity": [c for c in overview.solidarity if c.year == year],
            "drilldown": [d for d in overview.drilldown if d["year"] == year],
            "totals": {
                "budget": sum((r.budget for r in rows), Decimal(0)),
                "realised": sum((r.realised for r in rows), Decimal(0)),
                "committed": sum((r.committed for r in rows), Decimal(0)),
                "result": sum((r.result for r in rows), Decimal(0)),
                "declared": sum((r.declared for r in rows), Decimal(0)),
            },
            "unattributed": overview.unattributed.get(year, Decimal(0)),
            "excel_query": query.urlencode(),
            "data_gaps": [
                {
                    "message": gap.message,
                    "fix": gap.fix,
                    "url": reverse(gap.admin_url)
                    if gap.admin_url and request.user.has_perm(gap.admin_permission)
                    else None,
                }
                for gap in overview.gaps
            ],
        },
    )


def _about(request, overview, data) -> About:
    pools = {
        services.POOL_BY_OBJECTIVE: _("objectief budget"),
        services.POOL_BY_INHABITANTS: _("inwonertal"),
    }
    pool = pools.get(data["verevening"], "")
    return About(
        title=_("Budget, kosten en resultaat beschermd wonen: %(region)s")
        % {"region": overview.region},
        period=_("%(first)s tot en met %(last)s (alle jaren van de budgetparameters)")
        % {"first": overview.years[0], "last": overview.years[-1]},
        filters=[
            (_("Regio"), str(overview.region)),
            (_("Budgetparameters / scenario"), str(data["parameters"])),
            (_("Drempel risicopool per cliënt per jaar"), f"€ {data['drempel']}"),
            (_("Volledige verevening naar"), str(pool or data["verevening"])),
        ],
        audience=_("Controllers en beleid van de gemeenten in de regio"),
        made_by=request.user.get_full_name() or request.user.get_username(),
        organisation=", ".join(o.name for o in request.user.organisations.order_by("name")),
        notes=[(_("Bedragen"), _("in euro's; aantallen cliënten onder 5 zijn afgeschermd"))],
    )


def _excel(overview, *, may_see_clients: bool, about: About) -> HttpResponse:
    euro = lambda value: round(value, 2)  # noqa: E731 — numbers stay numbers in Excel

    def count(value):  # the same figure as the page shows
        return value if may_see_clients else mark_small(value)

    names = overview.names
    gaps: list[tuple[str, list[str], list[list[object]], set[int]]] = [
        (
            _("Ontbrekende gegevens"),
            [_("Melding"), _("Aantal"), _("Oplossing")],
            [[gap.message, gap.count, gap.fix] for gap in overview.gaps],
            set(),
        )
    ]
    data = workbook_bytes(
        [
            *gaps[: len(overview.gaps) and 1],
            (
                _("Budget en kosten"),
                [
                    _("Jaar"),
                    _("Gemeente"),
                    _("Budget"),
                    _("Historisch"),
                    _("Objectief"),
                    _("Gerealiseerd"),
                    _("Verplicht"),
                    _("Gedeclareerd (iWmo, toegekend)"),
                    _("Niet-cliëntgebonden"),
                    _("Resultaat"),
                    _("Cliënten"),
                ],
                (
                    [
                        r.year,
                        r.name,
                        euro(r.budget),
                        euro(r.historic),
                        euro(r.objective),
                        euro(r.realised),
                        euro(r.committed),
                        euro(r.declared),
                        euro(r.non_client),
                        euro(r.result),
                        count(r.clients),
                    ]
                    for r in overview.rows
                ),
                {2, 3, 4, 5, 6, 7, 8, 9},
            ),
            (
                _("Solidariteit"),
                [
                    _("Jaar"),
                    _("Gemeente"),
                    _("Resultaat"),
                    _("Geen solidariteit"),
                    _("Volledige verevening"),
                    _("Risicopool"),
                ],
                (
                    [
                        c.year,
                        names.get(c.municipality, c.municipality),
                        euro(c.result),
                        euro(c.none),
                        euro(c.full_pooling),
                        euro(c.risk_pool),
                    ]
                    for c in overview.solidarity
                ),
                {2, 3, 4, 5},
            ),
            (
                _("Product en aanbieder"),
                [
                    _("Jaar"),
                    _("Product"),
                    _("Aanbieder"),
                    _("Gerealiseerd"),
                    _("Verplicht"),
                    _("Cliënten"),
                ],
                (
                    [
                        d["year"],
                        d["product"],
                        d["provider"],
                        euro(d["realised"]),
                        euro(d["committed"]),
                        count(d["clients"]),
                    ]
                    for d in overview.drilldown
                ),
                {3, 4},
            ),
            (
                _("Kosten per week"),
                [
                    _("Naar"),
                    _("Product of aanbieder"),
                    _("Cliënten"),
                    _("Gemiddeld"),
                    _("Minimum"),
                    _("Maximum"),
                ],
                (
                    [
                        what,
                        s["label"],
                        count(s["clients"]),
                        euro(s["mean"]),
                        euro(s["minimum"]),
                        euro(s["maximum"]),
                    ]
                    for what, stats in (
                        (_("product"), overview.week_costs_product),
                        (_("aanbieder"), overview.week_costs_provider),
                    )
                    for s in stats
                ),
                {3, 4, 5},
            ),
        ],
        about=about,
    )
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    filename = f"bwmo-financien-{overview.region.centrumgemeente_id}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@permission_required("finance.add_budgetparameterset", raise_exception=True)
@require_http_methods(["GET", "POST"])
def parameters(request):
    upload = UploadForm(prefix="u")
    scenario = ScenarioForm(prefix="s")
    if request.method == "POST" and "u-name" in request.POST:
        upload = UploadForm(request.POST, request.FILES, prefix="u")
        if upload.is_valid():
            try:
                text = upload.cleaned_data["file"].read().decode("utf-8")
            except UnicodeDecodeError:
                upload.add_error("file", _("Het bestand is geen tekst in UTF-8 (TOML)."))
            else:
                try:
                    services.parameter_set_upload(
                        name=upload.cleaned_data["name"], text=text, user=request.user
                    )
                except ValidationError as error:
                    add_service_errors(upload, error)
                else:
                    messages.success(request, _("De parameters zijn ingelezen."))
                    return redirect("finance:parameters")
        elif upload.cleaned_data.get("file") is not None:
            # The file's contents are checked with the name's error, not one submit later.
            try:
                text = upload.cleaned_data["file"].read().decode("utf-8")
            except UnicodeDecodeError:
                upload.add_error("file", _("Het bestand is geen tekst in UTF-8 (TOML)."))
            else:
                add_rule_refusals(
                    upload,
                    lambda data: services.parameter_set_upload(
                        name=data["name"], text=text, user=request.user
                    ),
                )
    elif request.method == "POST":
        scenario = ScenarioForm(request.POST, prefix="s")
        if scenario.is_valid():
            try:
                services.scenario_create(user=request.user, **scenario.cleaned_data)
            except ValidationError as error:
                add_service_errors(scenario, error)
            else:
                messages.success(request, _("Het scenario is aangemaakt."))
                return redirect("finance:parameters")
        elif scenario.cleaned_data.get("base") is not None:
            add_rule_refusals(
                scenario, lambda data: services.scenario_create(user=request.user, **data)
            )
    return render(
        request,
        "finance/parameters.html",
        {
            "upload": upload,
            "scenario": scenario,
            "sets": BudgetParameterSet.objects.select_related("derived_from", "uploaded_by"),
        },
    )
