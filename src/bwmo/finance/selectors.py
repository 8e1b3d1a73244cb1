"""Reading what the cost model needs from the database: set-based, pseudonymised."""

import functools

from django.db.models import OuterRef, Q, Subquery

from bwmo.care.models import Product, Stay, Tariff
from bwmo.organisations.models import Municipality, Region, RegionMembership
from bwmo.organisations.reference import MUNICIPALITIES_CSV
from bwmo.rules import costs
from bwmo.rules.budget import BudgetParameters
from bwmo.rules.budget_params import parse_budget_parameters
from bwmo.rules.budget_scenarios import delay_ingroeipad
from bwmo.woonplaats.models import ResponsibilityDecision

from .models import BudgetParameterSet

STREAM_BY_CATEGORY: dict[str, costs.Stream] = {
    "overgangsclient": "historic",
    "nieuwe_client": "objective",
}


def region_members(region: Region) -> list[str]:
    return list(
        RegionMembership.objects.filter(region=region).values_list("municipality_id", flat=True)
    )


def known_municipalities() -> dict[str, str]:
    known = dict(Municipality.objects.values_list("code", "name"))
    if not known:  # an empty database still knows the shipped reference list
        from bwmo.rules.budget_params import load_reference_municipalities

        known = load_reference_municipalities(MUNICIPALITIES_CSV)
    return known


def parameters_of(parameter_set: BudgetParameterSet) -> BudgetParameters:
    return _parameters(
        parameter_set.base.source_text,
        tuple(sorted(known_municipalities().items())),
        parameter_set.base.name,
        parameter_set.delay_years,
    )


@functools.lru_cache(maxsize=16)
def _parameters(
    source_text: str, known: tuple[tuple[str, str], ...], source: str, delay_years: int
) -> BudgetParameters:
    """The parameters read from their text: a pure function of its arguments (the text, the
    municipalities known, the name and the delay), so it is remembered by them — reading the
    TOML of the national parameters took about a fifth of the finance page's time. The result
    is a frozen value, shared by every request that asks the same."""
    base = parse_budget_parameters(source_text, dict(known), source=source)
    return delay_ingroeipad(base, delay_years) if delay_years else base


def care_stays(*, region: Region) -> list[costs.CareStay]:
    """BW stays charged to municipalities of ``region``, with their budget stream."""
    # One current decision per melding (a constraint): no ordering, which would join the
    # melding for every stay only to sort a single row.
    current = ResponsibilityDecision.objects.filter(
        melding=OuterRef("indication__melding"), is_current=True
    ).order_by()
    # The BW products as their keys, not as a join: with the join PostgreSQL misjudged how
    # many stays are BW and read every BW stay of the country, looking up each one's
    # indication (1.5 s for a region of the national profile; docs/performance.md).
    bw_products = list(Product.objects.filter(kind="BW").values_list("pk", flat=True))
    rows = (
        Stay.objects.filter(
            product__in=bw_products,
            indication__isnull=False,
            indication__responsible_municipality__in=region_members(region),
        )
        .annotate(
            category=Subquery(current.values("category")[:1]),
            onbekend=Subquery(current.values("woonplaats_onbekend")[:1]),
        )
        .order_by()  # the costs do not depend on the order of the stays
        .values_list(
            "client__pseudonym",
            "product__code",
            "provider_id",
            "start",
            "end",
            "indication__responsible_municipality_id",
            "category",
            "onbekend",
            "indication__valid_to",
        )
    )
    stays = []
    for row in rows:
        pseudonym, product, provider, start, end, responsible, category, onbekend, until = row
        stream = "onbekend" if onbekend else STREAM_BY_CATEGORY.get(category, "objective")
        stays.append(
            costs.CareStay(
                client=str(pseudonym),
                product=product,
                provider=str(provider),
                start=start,
                end=end,
                responsible=responsible,
                stream=stream,
                granted_until=until,
            )
        )
    return stays


def tariffs(*, region: Region) -> list[costs.Tariff]:
    return [
        costs.Tariff(
            contract_ref=ref,
            product=product,
            provider=str(provider),
            amount=amount,
            unit=unit,
            start=start,
            end=end,
        )
        for ref, product, provider, amount, unit, start, end in Tariff.objects.filter(
            Q(contract__region=region)
        ).values_list(
            "contract__reference",
            "product__code",
            "contract__provider_id",
            "amount",
            "unit",
            "valid_from",
            "valid_to",
        )
    ]
