"""What care shows about capacity against demand: contracted places, occupancy, the waiting
list and the contracts whose end or extension decision comes up. Aggregates only: no client
is named, and every count goes through the suppression of ``bwmo.rules.suppression``.

``contracted_capacity`` is the read that other parts (the forecast) use for the places a
region has contracted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext as _

from bwmo.organisations.models import Municipality, Provider, Region, RegionMembership
from bwmo.rules import capacity as rules
from bwmo.rules import costs
from bwmo.rules.contract_terms import DueKind
from bwmo.rules.dates import add_months
from bwmo.rules.suppression import TOTAL, mark_small, suppress_matrix, suppress_tables

from .models import Contract, ContractCapacity, Financing, Indication, Product, Stay, Tariff

__all__ = [
    "CapacityDocument",
    "CapacityRow",
    "ContractDue",
    "OccupancyLine",
    "TariffEntry",
    "WaitingLine",
    "capacity_document",
    "contracted_capacity",
    "contracts_due",
    "contracts_of_region",
    "tariff_overlap_refusals",
]


# --- contracted places ----------------------------------------------------------------------


@dataclass(frozen=True)
class CapacityRow:
    """The places a region has contracted of one product at one provider's location in one
    year. The periods are cut off at the contract's current end (the options taken so far)."""

    year: int
    provider_agb: str
    provider: str
    location: str
    """CBS code of the location's municipality."""
    location_name: str
    product: str
    """Product code (iWmo)."""
    product_name: str
    product_kind: str
    """``"BW"`` or ``"MO"``."""
    places_average: Decimal
    """Contracted places averaged over the days of the year, two decimals (place-years)."""
    places_at_year_end: int
    """Places in force on 31 December of the year (0 when none)."""


def _capacity_periods(
    *, region: Region, products: Iterable[str] | None = None
) -> dict[tuple[int, str, int], list[rules.Period]]:
    """(provider pk, location code, product pk) → the periods of contracted places, each
    cut off at its contract's current end."""
    rows = ContractCapacity.objects.filter(contract__region=region).select_related(
        "location", "contract"
    )
    if products is not None:
        rows = rows.filter(product__code__in=list(products))
    ends: dict[int, date] = {}
    contracts = Contract.objects.filter(region=region).prefetch_related("extensions")
    for contract in contracts:
        ends[contract.pk] = contract.terms_state().current_end
    periods: dict[tuple[int, str, int], list[rules.Period]] = defaultdict(list)
    for row in rows:
        end = ends[row.contract_id]
        if row.valid_from > end:
            continue
        cut = end if row.valid_to is None else min(row.valid_to, end)
        key = (row.contract.provider_id, row.location.municipality_id, row.product_id)
        periods[key].append(rules.Period(row.valid_from, cut, row.places))
    return periods


def contracted_capacity(
    *, region: Region, years: Iterable[int], products: Iterable[str] | None = None
) -> list[CapacityRow]:
    """Contracted places per year, product, provider and location for ``region``'s contracts.

    ``years``: the calendar years wanted; ``products``: product codes to restrict to (None:
    every product). A row is given for every year in which some places were in force (a key
    with places in no wanted year gives no row). Sorted by year, product code, provider name
    and location code. Aggregates of contracts only: no access check is needed.
    """
    wanted = sorted(set(years))
    periods = _capacity_periods(region=region, products=products)
    if not periods or not wanted:
        return []
    providers = Provider.objects.in_bulk({k[0] for k in periods})
    places = Municipality.objects.in_bulk({k[1] for k in periods})
    product_rows = Product.objects.in_bulk({k[2] for k in periods})
    result = []
    for (provider_id, location, product_id), spans in periods.items():
        provider, product = providers[provider_id], product_rows[product_id]
        for year in wanted:
            average = rules.average_places(spans, year)
            if average == 0:
                continue
            result.append(
                CapacityRow(
                    year=year,
                    provider_agb=provider.agb_code,
                    provider=provider.name,
                    location=location,
                    location_name=places[location].name,
                    product=product.code,
                    product_name=product.name,
                    product_kind=product.kind,
                    places_average=average,
                    places_at_year_end=rules.places_on(spans, date(year, 12, 31)),
                )
            )
    result.sort(key=lambda r: (r.year, r.product, r.provider, r.location))
    return result


# --- occupancy and the waiting list ---------------------------------------------------------


@dataclass(frozen=True)
class OccupancyLine:
    provider: str
    location: str
    location_name: str
    product: str
    product_name: str
    cells: tuple[rules.Occupancy, ...]
    """One per month of the document, in order."""

    @property
    def latest(self) -> rules.Occupancy:
        return self.cells[-1]

    @property
    def over_capacity_months(self) -> int:
        return sum(1 for c in self.cells if c.over_capacity)


@dataclass(frozen=True)
class WaitingLine:
    product: str
    product_name: str
    provider: str
    bands: tuple[int | str, ...]
    """Counts per band of ``rules.WAIT_BANDS``; ``"×"`` where suppressed."""
    total: int | str


@dataclass(frozen=True)
class CapacityDocument:
    """Occupancy against places per month and the waiting list, as its audience may see it:
    the one figure set the page, its chart and the Excel workbook show."""

    region: Region
    months: tuple[date, ...]
    on: date
    lines: tuple[OccupancyLine, ...]
    totals: tuple[rules.Occupancy, ...]
    """The region's occupancy against places, per month."""
    waiting: tuple[WaitingLine, ...]
    waiting_bands: tuple[int | str, ...]
    waiting_total: int | str
    suppressed: bool


def _region_codes(region: Region) -> list[str]:
    return list(
        RegionMembership.objects.filter(region=region).values_list("municipality_id", flat=True)
    )


def _month_key(month: date) -> str:
    return f"m{month:%Y%m}"


def _occupied_counts(
    *, providers: list[int], locations: list[str], months: list[date]
) -> dict[tuple[int, str, int], dict[date, int]]:
    """Stays in progress on each month's first day, per provider, location and product: one
    grouped query with a conditional count per month."""
    counts = {
        _month_key(m): Count("id", filter=Q(start__lte=m) & (Q(end__isnull=True) | Q(end__gte=m)))
        for m in months
    }
    rows = (
        Stay.objects.filter(provider_id__in=providers, location_id__in=locations)
        .filter(start__lte=months[-1])
        .filter(Q(end__isnull=True) | Q(end__gte=months[0]))
        .values("provider_id", "location_id", "product_id")
        .annotate(**counts)
        .order_by()
    )
    return {
        (r["provider_id"], r["location_id"], r["product_id"]): {m: r[_month_key(m)] for m in months}
        for r in rows
    }


def _waiting_counts(*, region_codes: list[str], on: date) -> dict[tuple[int, int], list[int]]:
    """Granted ZIN indications in force on ``on``, not verzilverd and without a stay, of the
    region's municipalities: per (product, provider), counts per waiting band (since the
    ingangsdatum). One grouped query."""
    bands = rules.WAIT_BANDS
    annotations = {}
    for i, lower in enumerate(bands):
        latest = on - timedelta(days=lower)
        condition = Q(valid_from__lte=latest)
        if i + 1 < len(bands):
            condition &= Q(valid_from__gt=on - timedelta(days=bands[i + 1]))
        annotations[f"b{i}"] = Count("id", filter=condition)
    rows = (
        Indication.objects.filter(
            financing=Financing.ZIN,
            responsible_municipality_id__in=region_codes,
            provider__isnull=False,
            started_on__isnull=True,
            valid_from__lte=on,
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .filter(~Exists(Stay.objects.filter(indication=OuterRef("pk"))))
        .values("product_id", "provider_id")
        .annotate(**annotations)
        .order_by()
    )
    return {
        (r["product_id"], r["provider_id"]): [r[f"b{i}"] for i in range(len(bands))] for r in rows
    }


def _linked_regions(region: Region) -> tuple[list[Region], dict[int, set[int]]]:
    """``region`` and every region whose occupancy screen can show one of its lines, directly
    or through another (one provider contracted by both, with a location on both screens): a
    line on two screens is one count, so their tables are suppressed together. Also the
    providers each region contracts."""
    providers: defaultdict[int, set[int]] = defaultdict(set)
    for region_id, provider_id in Contract.objects.values_list("region_id", "provider_id"):
        providers[region_id].add(provider_id)
    if not any(providers[region.pk] & other for pk, other in providers.items() if pk != region.pk):
        return [region], providers  # no provider of this region works for another
    locations: defaultdict[int, set[str]] = defaultdict(set)
    for region_id, code in RegionMembership.objects.values_list("region_id", "municipality_id"):
        locations[region_id].add(code)
    for region_id, code in ContractCapacity.objects.values_list(
        "contract__region_id", "location__municipality_id"
    ):
        locations[region_id].add(code)
    linked, todo = {region.pk}, [region.pk]
    while todo:
        current = todo.pop()
        for other in providers:
            if other in linked:
                continue
            if providers[current] & providers[other] and locations[current] & locations[other]:
                linked.add(other)
                todo.append(other)
    if linked == {region.pk}:
        return [region], providers
    return list(Region.objects.filter(pk__in=linked).order_by("pk")), providers


def _occupancy_tables(
    region: Region, months: list[date], *, codes: list[str], contracted: set[int]
) -> tuple[
    dict[tuple[int, str, int], list[rules.Period]],
    dict[tuple[int, str, int], dict[date, int]],
    list[tuple[int, str, int]],
]:
    """A region's contracted places, its occupied counts per line and month, and its lines."""
    periods = _capacity_periods(region=region)
    locations = sorted(set(codes) | {k[1] for k in periods})
    occupied = _occupied_counts(providers=sorted(contracted), locations=locations, months=months)
    return periods, occupied, sorted(set(periods) | set(occupied))


def capacity_document(*, region: Region, start: date, end: date, on: date) -> CapacityDocument:
    """Occupancy per provider, location and product for every month from ``start`` to
    ``end`` (stays in progress on the month's first day) against the places in force that
    day, and the waiting list on ``on``.

    Every count is suppressed (``"×"`` for 1–4, with secondary suppression where a total
    would give a hidden count back): the stays at a provider are of residents of many
    municipalities, also from outside the region, so no reader of these screens is inside
    all of them — as the monitor suppresses rows of other municipalities' residents for
    every reader. A line that another region's screen shows too (a provider both regions
    contract, at a location on both screens) is the same count there: each month, the
    tables of such linked regions are suppressed together (``suppress_tables``), so that
    one screen never gives back what the other hides.
    """
    months = rules.month_starts(start, end)
    codes = _region_codes(region)
    regions, contracted = _linked_regions(region)
    periods, occupied, keys = _occupancy_tables(
        region, months, codes=codes, contracted=contracted[region.pk]
    )
    linked = {
        other.pk: _occupancy_tables(
            other, months, codes=_region_codes(other), contracted=contracted[other.pk]
        )
        for other in regions
        if other.pk != region.pk
    }
    providers = Provider.objects.in_bulk({k[0] for k in keys})
    places = Municipality.objects.in_bulk({k[1] for k in keys})
    products = Product.objects.in_bulk({k[2] for k in keys})
    keys.sort(key=lambda k: (providers[k[0]].name, places[k[1]].name, products[k[2]].name))

    # Per month: the lines and the region's total, suppressed together (with the linked
    # regions' tables of that month).
    published: dict[tuple[int, str, int], list[int | str]] = {k: [] for k in keys}
    totals = []
    for month in months:
        tables: dict[Hashable, dict[Hashable, int]] = {
            region.pk: {repr(k): occupied.get(k, {}).get(month, 0) for k in keys}
        }
        for other, (_periods, other_occupied, other_keys) in linked.items():
            tables[other] = {repr(k): other_occupied.get(k, {}).get(month, 0) for k in other_keys}
        shown = suppress_tables(tables)[region.pk] if keys else {TOTAL: 0}
        for k in keys:
            published[k].append(shown[repr(k)])
        total_places = sum(rules.places_on(periods.get(k, []), month) for k in keys)
        totals.append(rules.occupancy(shown[TOTAL], total_places))
    lines = tuple(
        OccupancyLine(
            provider=providers[k[0]].name,
            location=k[1],
            location_name=places[k[1]].name,
            product=products[k[2]].code,
            product_name=products[k[2]].name,
            cells=tuple(
                rules.occupancy(value, rules.places_on(periods.get(k, []), month))
                for value, month in zip(published[k], months, strict=True)
            ),
        )
        for k in keys
    )

    waiting = _waiting_counts(region_codes=codes, on=on)
    wait_keys = sorted(waiting)
    wait_products = Product.objects.in_bulk({k[0] for k in wait_keys})
    wait_providers = Provider.objects.in_bulk({k[1] for k in wait_keys})
    wait_keys.sort(key=lambda k: (wait_products[k[0]].name, wait_providers[k[1]].name))
    n_bands = len(rules.WAIT_BANDS)
    matrix: dict[tuple[Hashable, Hashable], int] = {
        (repr(k), b): waiting[k][b] for k in wait_keys for b in range(n_bands)
    }
    shown_wait: dict[tuple[Hashable, Hashable], int | str] = {(TOTAL, TOTAL): 0}
    shown_wait.update({(TOTAL, b): 0 for b in range(n_bands)})
    if matrix:
        shown_wait = suppress_matrix(matrix)
    waiting_lines = tuple(
        WaitingLine(
            product=wait_products[k[0]].code,
            product_name=wait_products[k[0]].name,
            provider=wait_providers[k[1]].name,
            bands=tuple(shown_wait[(repr(k), b)] for b in range(n_bands)),
            total=shown_wait[(repr(k), TOTAL)],
        )
        for k in wait_keys
    )
    return CapacityDocument(
        region=region,
        months=tuple(months),
        on=on,
        lines=lines,
        totals=tuple(totals),
        waiting=waiting_lines,
        waiting_bands=tuple(shown_wait[(TOTAL, b)] for b in range(n_bands)),
        waiting_total=mark_small(shown_wait[(TOTAL, TOTAL)]),
        suppressed=True,
    )


# --- contract terms -------------------------------------------------------------------------


@dataclass(frozen=True)
class ContractDue:
    contract: Contract
    current_end: date
    latest_possible_end: date
    next_option: int | None
    due_kind: DueKind
    deadline: date
    overdue: bool


def contracts_of_region(*, region: Region) -> list[Contract]:
    return list(
        Contract.objects.filter(region=region)
        .select_related("provider")
        .prefetch_related("extensions", "products")
        .order_by("provider__name", "reference")
    )


def contracts_due(*, region: Region, on: date, within_months: int = 6) -> list[ContractDue]:
    """``region``'s contracts whose extension decision or end falls within ``within_months``
    of ``on`` (or has passed while the contract still runs), sorted by deadline."""
    horizon = add_months(on, within_months)
    due = []
    for contract in contracts_of_region(region=region):
        state = contract.terms_state()
        if state.deadline > horizon:
            continue
        if state.due_kind == DueKind.END and state.current_end < on:
            continue  # ended: nothing to decide any more
        due.append(
            ContractDue(
                contract=contract,
                current_end=state.current_end,
                latest_possible_end=state.latest_possible_end,
                next_option=state.next_option,
                due_kind=state.due_kind,
                deadline=state.deadline,
                overdue=state.deadline < on,
            )
        )
    due.sort(key=lambda d: (d.deadline, d.contract.reference))
    return due


def regions_for(*, user) -> list[Region]:
    """The regions whose contracts ``user`` may see: of their region organisations, else of
    the municipalities they act for; a superuser sees every region."""
    from bwmo.accounts.scoping import user_scope

    if user.is_superuser:
        return list(Region.objects.order_by("name"))
    scope = user_scope(user)
    regions = Region.objects.filter(
        Q(pk__in=scope.region_ids) | Q(memberships__municipality__in=scope.acting_municipalities)
    )
    return list(regions.distinct().order_by("name"))


# --- tariffs being entered ------------------------------------------------------------------


@dataclass(frozen=True)
class TariffEntry:
    """A tariff as it is being entered (a form's cleaned data), before it is saved."""

    key: Hashable
    """Whatever the caller uses to put the error back (a form, a field name)."""
    product: Product
    valid_from: date
    valid_to: date | None


def _period(start: date, end: date | None) -> str:
    if end is None:
        return _("vanaf %(start)s") % {"start": start.strftime("%d-%m-%Y")}
    return _("van %(start)s tot en met %(end)s") % {
        "start": start.strftime("%d-%m-%Y"),
        "end": end.strftime("%d-%m-%Y"),
    }


def tariff_overlap_refusals(
    *,
    contract_reference: str,
    provider_id: int | None,
    region_id: int | None,
    entries: Sequence[TariffEntry],
    exclude_contract_id: int | None = None,
    exclude_tariff_id: int | None = None,
) -> dict[Hashable, list[str]]:
    """Per entry, why it may not be saved: it prices a product at the provider, in the region,
    on a day that another tariff (of this or another contract) already prices.

    The stored tariffs of the contract being edited are left out (``exclude_contract_id``,
    for an entry of all its tariffs at once) or the one tariff being edited
    (``exclude_tariff_id``).
    """
    if provider_id is None or region_id is None or not entries:
        return {}
    stored = (
        Tariff.objects.filter(
            contract__provider_id=provider_id,
            contract__region_id=region_id,
            product__in={e.product.pk for e in entries},
        )
        .exclude(contract_id=exclude_contract_id)
        .exclude(pk=exclude_tariff_id)
        .values_list("contract__reference", "product__code", "valid_from", "valid_to")
    )
    # Each tariff gets its own reference in the rule, so that equal entries stay apart.
    origin: dict[str, tuple[str, Hashable | None]] = {}
    tariffs = []
    for n, entry in enumerate(entries):
        origin[f"e{n}"] = (contract_reference, entry.key)
        tariffs.append((f"e{n}", entry.product.code, entry.valid_from, entry.valid_to))
    for n, (reference, code, start, end) in enumerate(stored):
        origin[f"s{n}"] = (reference, None)
        tariffs.append((f"s{n}", code, start, end))
    rule_tariffs = [
        costs.Tariff(ref, code, str(provider_id), costs.ZERO, "week", start, end)
        for ref, code, start, end in tariffs
        if end is None or end >= start  # a reversed period is refused on its own field
    ]
    names = {e.product.code: e.product.name for e in entries}
    refusals: dict[Hashable, list[str]] = {}
    for overlap in costs.tariff_overlaps(rule_tariffs):
        sides = [origin[overlap.first.contract_ref], origin[overlap.second.contract_ref]]
        for (_reference, key), (other_reference, other_key) in (sides, sides[::-1]):
            if key is None:
                continue
            values = {
                "product": overlap.first.product,
                "name": names.get(overlap.first.product, overlap.first.product),
                "this": contract_reference,
                "other": other_reference,
                "period": _period(overlap.start, overlap.end),
            }
            if other_key is not None or other_reference == contract_reference:
                message = _(
                    "Twee tarieven van contract %(this)s prijzen %(product)s (%(name)s) "
                    "allebei %(period)s. Laat het ene tarief eindigen voordat het andere begint."
                )
            else:
                message = _(
                    "Contract %(this)s en contract %(other)s prijzen %(product)s (%(name)s) bij "
                    "deze aanbieder allebei %(period)s. Laat het ene tarief eindigen voordat het "
                    "andere begint."
                )
            refusals.setdefault(key, []).append(message % values)
    return refusals
