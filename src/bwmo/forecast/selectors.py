"""What the forecast reads: counts of the region's care history, day rates, budgets and the
contracted places. Stays are read set-based and pseudonymised and turned into monthly counts
here; no row about a person leaves this module."""

from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import OuterRef, Q, Subquery

from bwmo.care.models import Contract, ContractCapacity, Outflow, Product, Stay
from bwmo.care.selectors import contracted_capacity, regions_for
from bwmo.finance.models import BudgetParameterSet
from bwmo.finance.selectors import parameters_of, region_members, tariffs
from bwmo.organisations.models import Municipality, Region
from bwmo.rules import forecast, monitor
from bwmo.rules.budget import REGION, compute_budget
from bwmo.rules.budget_scenarios import delay_ingroeipad
from bwmo.rules.dates import add_months

from .models import ForecastRun

HISTORY_YEARS = 10
"""The model reads at most this many years before the cut-off."""


def forecast_states(*, region: Region, cutoff: date) -> tuple[forecast.State, ...]:
    """The region's BW and MO products with their day rate at the cut-off.

    The day rate is the mean of the contracted tariffs in force on the cut-off (a weekly
    tariff divided by 7); without one, the latest tariff before it; without any, 0. The
    heaviest BW product is the intramural one."""
    products: dict[str, tuple[str, str, int]] = {}
    for code, name, kind, rank in (
        Product.objects.filter(kind__in=["BW", "MO"], valid_from__lte=cutoff)
        .order_by("valid_from")
        .values_list("code", "name", "kind", "intensity_rank")
    ):
        products[code] = (name, kind, rank)
    in_force: dict[str, list[Decimal]] = defaultdict(list)
    latest: dict[str, tuple[date, Decimal]] = {}
    for tariff in tariffs(region=region):
        per_day = tariff.amount / 7 if tariff.unit == "week" else tariff.amount
        if tariff.start <= cutoff and (tariff.end is None or cutoff <= tariff.end):
            in_force[tariff.product].append(per_day)
        elif tariff.start <= cutoff and (
            tariff.product not in latest or latest[tariff.product][0] < tariff.start
        ):
            latest[tariff.product] = (tariff.start, per_day)
    heaviest_bw = max((rank for _n, kind, rank in products.values() if kind == "BW"), default=None)
    states = []
    for code in sorted(products, key=lambda c: (products[c][1], -products[c][2], c)):
        name, kind, rank = products[code]
        if in_force[code]:
            rate = float(sum(in_force[code]) / len(in_force[code]))
        elif code in latest:
            rate = float(latest[code][1])
        else:
            rate = 0.0
        states.append(
            forecast.State(
                code=code,
                name=name,
                kind=kind,
                rank=rank,
                day_rate=round(rate, 6),
                intramural=kind == "BW" and rank == heaviest_bw,
            )
        )
    return tuple(states)


def _stay_records(*, municipalities: list[str], before: date) -> list[monitor.StayRecord]:
    reason = Outflow.objects.current().filter(stay=OuterRef("pk")).values("reason")[:1]
    rows = (
        Stay.objects.filter(
            indication__responsible_municipality__in=municipalities,
            product__kind__in=["BW", "MO"],
            start__lt=before,
        )
        .annotate(outflow_reason=Subquery(reason))
        .values_list(
            "client__pseudonym",
            "start",
            "end",
            "product__kind",
            "product__code",
            "product__intensity_rank",
            "indication__responsible_municipality_id",
            "outflow_reason",
        )
    )
    return [
        monitor.StayRecord(
            client=str(client),
            start=start,
            # What happened after the cut-off is not known at the cut-off.
            end=end if end is not None and end < before else None,
            kind=kind,
            product=code,
            product_rank=rank,
            financing="ZIN",
            provider="",
            responsible=responsible,
            location=responsible,
            outflow_reason=reason if end is not None and end < before else None,
        )
        for client, start, end, kind, code, rank, responsible, reason in rows
    ]


def forecast_history(*, region: Region, cutoff: date) -> forecast.History:
    """The region's monthly counts from at most ``HISTORY_YEARS`` before ``cutoff`` (the first
    of a month) up to it, by responsible municipality."""
    members = sorted(region_members(region))
    stays = _stay_records(municipalities=members, before=cutoff)
    earliest = min((stay.start for stay in stays), default=add_months(cutoff, -12))
    start = max(forecast.month_start(earliest), add_months(cutoff, -12 * HISTORY_YEARS))
    if start >= cutoff:
        start = add_months(cutoff, -1)
    return forecast.history_from_episodes(
        monitor.episodes(stays),
        start=start,
        cutoff=cutoff,
        municipalities=members,
        states=forecast_states(region=region, cutoff=cutoff),
    )


def contracted_places_by_year(
    *, region: Region, products: list[str], years: list[int]
) -> dict[tuple[str, int], int]:
    """``(product, year) → places`` for every product of ``products`` that has places
    recorded in the region's contracts (in any year): the contracted places averaged over
    the days of the year, summed over providers and locations, rounded to whole places (0 in
    a year without places). Products without any recorded places are left out (unknown)."""
    recorded = set(
        ContractCapacity.objects.filter(contract__region=region, product__code__in=products)
        .values_list("product__code", flat=True)
        .distinct()
    )
    if not recorded:
        return {}
    totals: dict[tuple[str, int], Decimal] = {
        (code, year): Decimal(0) for code in recorded for year in years
    }
    for row in contracted_capacity(region=region, years=years, products=sorted(recorded)):
        totals[(row.product, row.year)] += row.places_average
    return {key: int(total.quantize(Decimal("1"), ROUND_HALF_UP)) for key, total in totals.items()}


def contract_ends(*, region: Region, products: list[str]) -> dict[str, date]:
    """Per product of ``products``: the last day on which some of its contracted places end
    because their contract ends (its current end, with the extensions taken so far), not
    because the places were ended themselves. After that day the product's places are not
    known: the region extends or procures again. (Before it, a contract that ended earlier
    simply has no places: the region sees the shortage and what to procure.) Products whose
    places never run into a contract's end are left out."""
    ends = {
        contract.pk: contract.terms_state().current_end
        for contract in Contract.objects.filter(region=region).prefetch_related("extensions")
    }
    found: dict[str, date] = {}
    rows = ContractCapacity.objects.filter(contract__region=region, product__code__in=products)
    for contract_id, code, valid_from, valid_to in rows.values_list(
        "contract_id", "product__code", "valid_from", "valid_to"
    ):
        end = ends[contract_id]
        if valid_from > end or (valid_to is not None and valid_to <= end):
            continue
        found[code] = max(found.get(code, end), end)
    return found


def contracted_places(*, region: Region, product: str, year: int) -> int | None:
    """Contracted places of ``product`` in ``region`` in ``year`` (summed over providers and
    locations, averaged over the year); ``None`` when the region has no places recorded for
    that product at all."""
    return contracted_places_by_year(region=region, products=[product], years=[year]).get(
        (product, year)
    )


def region_budget(
    *, region: Region, parameter_set: BudgetParameterSet, delay_years: int = 0
) -> dict[tuple[str | None, int], Decimal]:
    """Total BW budget per municipality (``None``: the region) and year, from the parameter set,
    optionally with the ingroeipad ``delay_years`` later."""
    params = parameters_of(parameter_set)
    if delay_years:
        params = delay_ingroeipad(params, delay_years)
    own = next((r for r in params.regions if r.centrumgemeente == region.centrumgemeente_id), None)
    if own is None:
        return {}
    budget: dict[tuple[str | None, int], Decimal] = {}
    for row in compute_budget(params):
        if row.region != own.name:
            continue
        budget[(None if row.municipality == REGION else row.municipality, row.year)] = row.total
    return budget


def default_parameter_set() -> BudgetParameterSet | None:
    """The first parameter set (as the finance page opens with)."""
    return BudgetParameterSet.objects.order_by("pk").first()


def readable_regions(*, user: Any) -> list[Region]:
    """The regions whose forecasts ``user`` may see (the regions of their region
    organisations and of the municipalities they act for; every region for a superuser)."""
    return regions_for(user=user)


def parameter_sets() -> list[BudgetParameterSet]:
    """Every budget parameter set, the first (the default) first."""
    return list(BudgetParameterSet.objects.order_by("pk"))


def municipality_names(*, codes: list[str]) -> dict[str, str]:
    return dict(Municipality.objects.filter(code__in=codes).values_list("code", "name"))


def forecast_runs(*, region: Region | None = None) -> list[ForecastRun]:
    runs = ForecastRun.objects.select_related("region", "created_by").defer("inputs")
    if region is not None:
        runs = runs.filter(region=region)
    return list(runs)


def forecast_run_get(*, pk: int, regions: list[Region] | None = None) -> ForecastRun:
    """One run; with ``regions``, only of those regions (``ForecastRun.DoesNotExist``)."""
    runs = ForecastRun.objects.select_related("region", "parameter_set")
    if regions is not None:
        runs = runs.filter(Q(region__in=regions))
    return runs.get(pk=pk)
