"""The controller's figures for one region: budget, realised and committed cost, result,
solidarity arrangements and cost per client per week — from the database and the rules."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TypedDict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from bwmo.care.models import Product
from bwmo.messaging.models import Declaration
from bwmo.monitor.models import StoredDocument
from bwmo.monitor.services import stored
from bwmo.organisations.models import Municipality, Provider, Region
from bwmo.rules import costs
from bwmo.rules.budget import REGION, compute_budget
from bwmo.rules.budget_params import BudgetParameterError, parse_budget_parameters

from .gaps import no_budget_gap, no_members_gap, tariff_gaps
from .models import BudgetParameterSet, NonClientCost
from .param_errors import problem_text
from .selectors import care_stays, known_municipalities, parameters_of, region_members, tariffs

DEFAULT_RISK_THRESHOLD = Decimal(50000)


@dataclass
class MunicipalityYear:
    code: str
    name: str
    year: int
    budget: Decimal = Decimal(0)
    historic: Decimal = Decimal(0)
    objective: Decimal = Decimal(0)
    realised: Decimal = Decimal(0)
    committed: Decimal = Decimal(0)
    non_client: Decimal = Decimal(0)
    result: Decimal = Decimal(0)
    clients: int = 0
    # What providers declared (WMO323) and bwmo approved (WMO325), for months in this year:
    # the invoiced counterpart of the cost computed from stays and tariffs.
    declared: Decimal = Decimal(0)


@dataclass
class FinanceOverview:
    region: Region
    parameter_set: BudgetParameterSet
    years: list[int]
    rows: list[MunicipalityYear]
    solidarity: list[costs.ArrangementComparison]
    week_costs_product: list[dict]
    week_costs_provider: list[dict]
    drilldown: list[dict]
    unattributed: dict[int, Decimal]
    names: dict[str, str] = field(default_factory=dict)
    gaps: list = field(default_factory=list)
    """``finance.gaps.DataGap``: what is missing for the figures to be complete."""

    def rows_for(self, year: int) -> list[MunicipalityYear]:
        return [r for r in self.rows if r.year == year]


class _Drill(TypedDict):
    """Cost of one (year, product, provider) in the drill-down, by kind, and its clients."""

    realised: Decimal
    committed: Decimal
    clients: set[str]


POOL_BY_OBJECTIVE, POOL_BY_INHABITANTS = "objectief", "inwoners"
KEPT_LINES = "finance_cost_lines"
"""The mark of a kept document of cost lines (see :func:`cost_lines`)."""


def cost_lines(
    *, region: Region, today: date, years: list[int], members: list[str] | None = None
) -> tuple[list[costs.CostLine], list[costs.MissingTariff]]:
    """The cost lines of the region's stays (``costs.stay_costs``) and the stays no contract
    prices, kept in the database for the region's data version (``monitor.services.stored``):
    every table they are computed from (stays, indications, woonplaats decisions, products,
    contracts, tariffs) moves that version, so a kept answer is never used once the data
    behind it changed. Computing them was about half of the finance page's time.

    The kept form names no client: each pseudonym is a number within the answer, which is
    all the figures use of it (counting distinct clients). ``members``: the region's
    municipalities, when the caller has them already."""
    wanted = sorted(set(years))

    def compute() -> dict:
        missing: list[costs.MissingTariff] = []
        lines = costs.stay_costs(
            care_stays(region=region),
            tariffs(region=region),
            today=today,
            years=wanted,
            gaps=missing,
        )
        number: dict[str | None, int | None] = {None: None}

        def who(client: str | None) -> int | None:
            return number.setdefault(client, len(number) - 1)

        # The lines kept on earlier days are asked no more (``today`` is in the key): gone,
        # also while the data version stays the same.
        StoredDocument.objects.filter(
            region=region.centrumgemeente_id,
            document__has_key=KEPT_LINES,
            stored_at__date__lt=today,
        ).delete()
        return {
            KEPT_LINES: True,
            "lines": [_line_row(line, who(line.client)) for line in lines],
            "gaps": [_gap_row(gap, who(gap.client)) for gap in missing],
        }

    kept = stored(
        region=region.centrumgemeente_id,
        codes=region_members(region) if members is None else members,
        key=(KEPT_LINES, region.pk, today.isoformat(), tuple(wanted)),
        compute=compute,
    )
    return [_line_of(row) for row in kept["lines"]], [_gap_of(row) for row in kept["gaps"]]


def _line_row(line: costs.CostLine, client: int | None) -> list:
    """A cost line as kept: its fields in order, the number ``client`` for its pseudonym."""
    named = [line.product, line.provider, line.responsible, line.stream, line.year, line.days]
    return [client, *named, str(line.amount), line.kind]


def _line_of(row: list) -> costs.CostLine:
    client, product, provider, responsible, stream, year, days, amount, kind = row
    return costs.CostLine(
        str(client), product, provider, responsible, stream, year, days, Decimal(amount), kind
    )


def _gap_row(gap: costs.MissingTariff, client: int | None) -> list:
    row: list = [gap.product, gap.provider, gap.day.isoformat(), client]
    if isinstance(gap, costs.ConflictingTariffs):
        last = gap.last.isoformat() if gap.last else None
        row += [list(gap.contracts), gap.first.isoformat(), last]
    return row


def _gap_of(row: list) -> costs.MissingTariff:
    product, provider, day, client, *conflict = row
    who = None if client is None else str(client)
    if not conflict:
        return costs.MissingTariff(product, provider, date.fromisoformat(day), who)
    contracts, first, last = conflict
    return costs.ConflictingTariffs(
        product,
        provider,
        date.fromisoformat(day),
        who,
        contracts=(contracts[0], contracts[1]),
        first=date.fromisoformat(first),
        last=date.fromisoformat(last) if last else None,
    )


def finance_overview(
    *,
    region: Region,
    parameter_set: BudgetParameterSet,
    today: date,
    risk_threshold: Decimal = DEFAULT_RISK_THRESHOLD,
    pool_by: str = POOL_BY_OBJECTIVE,
) -> FinanceOverview:
    members = region_members(region)
    names = dict(Municipality.objects.filter(code__in=members).values_list("code", "name"))
    params = parameters_of(parameter_set)
    region_params = next(
        (r for r in params.regions if r.centrumgemeente == region.centrumgemeente_id), None
    )
    budget_rows = [
        r
        for r in compute_budget(params)
        if region_params is not None and r.region == region_params.name and r.municipality != REGION
    ]
    years = sorted({r.year for r in budget_rows if r.year <= today.year}) or [today.year]
    budgets = {(r.municipality, r.year): r.total for r in budget_rows}
    lines, missing = cost_lines(region=region, today=today, years=years, members=members)
    gaps = []
    if not members:
        gaps.append(no_members_gap(region))
    if region_params is None:
        gaps.append(no_budget_gap(region, parameter_set))
    gaps += tariff_gaps(
        missing,
        provider_names={str(pk): n for pk, n in Provider.objects.values_list("pk", "name")},
        product_names=dict(Product.objects.values_list("code", "name")),
    )
    non_client: defaultdict[tuple[str, int], Decimal] = defaultdict(Decimal)
    for code, year, amount in NonClientCost.objects.filter(
        municipality__in=members, year__in=years
    ).values_list("municipality", "year", "amount"):
        non_client[(code, year)] += amount
    centrum_of = dict.fromkeys(members, region.centrumgemeente_id)
    results, unattributed = costs.financial_results(
        budgets, lines, non_client, centrumgemeente_of=centrum_of, kind="realised"
    )
    # Solidarity per year, weighted by inhabitants or by that year's objective budgets (before
    # the ingroeipad has objective budgets: by total budget).
    inhabitants = {
        code: Decimal(n or 0)
        for code, n in Municipality.objects.filter(code__in=members).values_list(
            "code", "inhabitants"
        )
    }
    if pool_by == POOL_BY_INHABITANTS and not any(inhabitants.values()):
        raise ValidationError(
            _(
                "Er zijn geen inwonertallen vastgelegd voor deze regio; vul ze "
                "in bij de gemeenten in de beheerschermen."
            )
        )
    solidarity = []
    for year in years:
        year_results = [r for r in results if r.year == year]
        if pool_by == POOL_BY_INHABITANTS:
            weights = inhabitants
        else:
            weights = {r.municipality: r.objective for r in budget_rows if r.year == year}
        if not any(weights.values()):
            weights = {r.municipality: r.total for r in budget_rows if r.year == year}
        if not any(weights.values()):
            weights = {}
        weights = {m: weights.get(m, Decimal(0)) for m in (r.municipality for r in year_results)}
        if not any(weights.values()):
            weights = dict.fromkeys(weights, Decimal(1))  # no budget at all: equal shares
        solidarity += costs.compare_arrangements(
            [line for line in lines if line.year == year],
            year_results,
            weights=weights,
            threshold_per_client_per_year=risk_threshold,
            centrumgemeente_of=centrum_of,
            kind="realised",
        )

    table: dict[tuple[str, int], MunicipalityYear] = {}
    for code in members:
        for year in years:
            table[(code, year)] = MunicipalityYear(code, names.get(code, code), year)
    for r in budget_rows:
        if (r.municipality, r.year) in table:
            row = table[(r.municipality, r.year)]
            row.budget, row.historic, row.objective = r.total, r.historic, r.objective
    clients = defaultdict(set)
    for line in lines:
        if line.stream == "onbekend":
            continue
        charged = (
            centrum_of.get(line.responsible, line.responsible)
            if line.stream == "historic"
            else line.responsible
        )
        row = table.get((charged, line.year))
        if row is None:
            continue
        if line.kind == "realised":
            row.realised += line.amount
            clients[(charged, line.year)].add(line.client)
        else:
            row.committed += line.amount
    for (code, year), amount in non_client.items():
        table[(code, year)].non_client = amount
    for result in results:
        if (result.municipality, result.year) in table:
            table[(result.municipality, result.year)].result = result.result
    for key, row in table.items():
        row.clients = len(clients[key])
    for code, year, cents in (
        Declaration.objects.filter(municipality__in=members, period_start__year__in=years)
        .values_list("municipality", "period_start__year")
        .annotate(approved=Sum("approved_cents"))
    ):
        if (code, year) in table:
            table[(code, year)].declared = Decimal(cents or 0) / 100

    provider_names = dict(Provider.objects.values_list("pk", "name"))
    product_names = {code: code for code in {line.product for line in lines}}
    product_names.update(dict(Product.objects.values_list("code", "name")))
    drill: defaultdict[tuple[int, str, str], _Drill] = defaultdict(
        lambda: {"realised": Decimal(0), "committed": Decimal(0), "clients": set()}
    )
    for line in lines:
        key = (
            line.year,
            product_names.get(line.product, line.product),
            provider_names.get(int(line.provider), line.provider),
        )
        drill[key][line.kind] += line.amount
        drill[key]["clients"].add(line.client)
    drilldown = [
        {
            "year": y,
            "product": p,
            "provider": v,
            "realised": d["realised"],
            "committed": d["committed"],
            "clients": len(d["clients"]),
        }
        for (y, p, v), d in sorted(drill.items())
    ]
    this_year = [line for line in lines if line.year == years[-1]]

    def labelled(stats, attr, mapping):
        return [
            {
                "label": mapping.get(
                    int(getattr(st, attr)) if attr == "provider" else getattr(st, attr),
                    getattr(st, attr),
                ),
                "clients": st.clients,
                "mean": st.mean,
                "minimum": st.minimum,
                "maximum": st.maximum,
            }
            for st in stats
        ]

    return FinanceOverview(
        region=region,
        parameter_set=parameter_set,
        years=years,
        rows=sorted(table.values(), key=lambda r: (r.year, r.name)),
        solidarity=solidarity,
        week_costs_product=labelled(
            costs.cost_per_client_week(this_year, by=("product",)), "product", product_names
        ),
        week_costs_provider=labelled(
            costs.cost_per_client_week(this_year, by=("provider",)), "provider", provider_names
        ),
        drilldown=drilldown,
        unattributed=unattributed,
        names=names,
        gaps=gaps,
    )


def parameter_set_upload(*, name: str, text: str, user) -> BudgetParameterSet:
    """Store a circular's parameters after checking them completely (all errors at once)."""
    errors: dict[str, list] = {}
    if BudgetParameterSet.objects.filter(name=name).exists():
        errors["name"] = [_("Er is al een parameterset met deze naam.")]
    try:
        parse_budget_parameters(text, known_municipalities(), source=name)
    except BudgetParameterError as error:
        errors["file"] = [
            _("Het parameterbestand is niet ingelezen; er is niets opgeslagen."),
            *map(problem_text, error.problems),
        ]
    if errors:
        raise ValidationError(errors)
    return BudgetParameterSet.objects.create(name=name, source_text=text, uploaded_by=user)


@transaction.atomic
def scenario_create(
    *, base: BudgetParameterSet, delay_years: int, name: str, user
) -> BudgetParameterSet:
    if BudgetParameterSet.objects.filter(name=name).exists():
        raise ValidationError({"name": _("Er is al een parameterset met deze naam.")})
    if delay_years is None or not 1 <= delay_years <= 10:
        raise ValidationError({"delay_years": _("Kies een uitstel van 1 tot en met 10 jaar.")})
    return BudgetParameterSet.objects.create(
        name=name,
        derived_from=base.base,
        delay_years=delay_years,
        uploaded_by=user,
        description=_("Ingroeipad %(n)d jaar later dan %(base)s")
        % {"n": delay_years, "base": base.base.name},
    )
